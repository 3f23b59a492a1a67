import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSettings } from '../options.js';

describe('--queue on the coordinator', () => {
  it('reads the address and queue name', () => {
    const settings = parseSettings(['--queue', 'redis://:pw@10.0.0.5:6380/1', '--queue-name', 'lab-1', '--quick']);
    expect(settings.queue).toMatchObject({
      name: 'lab-1',
      address: { host: '10.0.0.5', port: 6380, db: 1, password: 'pw', display: 'redis://:***@10.0.0.5:6380/1' },
    });
    expect(parseSettings(['--quick']).queue).toBeNull();
    expect(parseSettings(['--queue', 'redis://h']).queue!.name).toBe('fnn-sweep');
  });

  it('sends the options that belong on the workers there, without printing the password', () => {
    expect(() => parseSettings(['--queue', 'redis://:pw@h', '--concurrency', '2', '--in-process'])).toThrow(
      '--queue redis://:***@h:6379/0: the workers train, so --in-process, --concurrency belong on each `fnn-sweep worker` (--save-models is not available with --queue).',
    );
    expect(() => parseSettings(['--queue', 'redis://h', '--fixed-workers'])).toThrow(
      'the workers train, so --fixed-workers belong on each `fnn-sweep worker`',
    );
  });

  it('takes a CA for rediss:// from --queue-ca, and refuses it where it would be ignored', () => {
    const ca = join(mkdtempSync(join(tmpdir(), 'fnn-ca-')), 'ca.pem');
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    writeFileSync(ca, pem);
    expect(parseSettings(['--queue', 'rediss://cache.example.com', '--queue-ca', ca]).queue!.address.tls).toEqual({
      servername: 'cache.example.com',
      ca: pem,
    });
    // An IP address is checked against the certificate, but is not sent as a TLS server name (SNI).
    expect(parseSettings(['--queue', 'rediss://10.0.0.5']).queue!.address.tls).toEqual({});
    expect(() => parseSettings(['--queue', 'redis://h', '--queue-ca', ca])).toThrow(
      `--queue-ca ${ca}: a CA is for TLS, but --queue redis://h:6379/0 is not a rediss:// address.`,
    );
    expect(() => parseSettings(['--quick', '--queue-ca', ca])).toThrow(
      `--queue-ca ${ca}: expected it with --queue rediss://…`,
    );
  });

  it('names a bad queue name or address, masking the password', () => {
    expect(() => parseSettings(['--queue', 'redis://h', '--queue-name', 'a:b'])).toThrow(
      `expected --queue-name to be 1-100 letters, digits, '.', '_' or '-', but got "a:b".`,
    );
    let message = '';
    try {
      parseSettings(['--queue', 'redis://:hunter2@h/x']);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('the database "x" is not a number');
    expect(message).not.toContain('hunter2');
  });
});
