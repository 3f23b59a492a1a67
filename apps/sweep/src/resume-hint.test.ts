import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSettings } from './options.js';
import { resumeCommand } from './resume-hint.js';

// Issue 15: the resume hint prints a command that works as the user invoked the sweep — with the
// options --resume does not read from the folder (its sweep.json has the runs, data and backend).
describe('resumeCommand', () => {
  const root = '/home/me/fnn';
  const plain = { argv: ['/usr/bin/node', `${root}/apps/sweep/dist/cli.js`], cwd: root, env: {} };
  const hint = (argv: string[]) => resumeCommand(parseSettings(argv), `${root}/runs/a`, plain);

  it('is --resume and the folder for a plain sweep, whatever chose its runs and data', () => {
    expect(hint(['--only', 'wide', '--epochs', '2', '--limit-train', '100', '--backend', 'wasm'])).toBe(
      'node apps/sweep/dist/cli.js --resume runs/a',
    );
  });

  it('repeats the core split, --save-models and the live page, which the folder does not record', () => {
    expect(
      hint(['--concurrency', '1', '--workers-per-run', '2', '--fixed-workers', '--save-models', '--serve', '0']),
    ).toBe(
      'node apps/sweep/dist/cli.js --resume runs/a --concurrency 1 --workers-per-run 2 --fixed-workers --save-models --serve 0',
    );
    expect(hint(['--in-process', '--serve', '--host', '0.0.0.0'])).toBe(
      'node apps/sweep/dist/cli.js --resume runs/a --in-process --serve 8765 --host 0.0.0.0',
    );
  });

  it('repeats the queue, its name when not the default and its CA file; a password stays masked', () => {
    const ca = join(mkdtempSync(join(tmpdir(), 'fnn-ca-')), 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    expect(hint(['--queue', 'redis://10.0.0.5:6380'])).toBe(
      'node apps/sweep/dist/cli.js --resume runs/a --queue redis://10.0.0.5:6380/0',
    );
    expect(hint(['--queue', 'rediss://:secret@redis.lan', '--queue-name', 'night', '--queue-ca', ca])).toBe(
      `node apps/sweep/dist/cli.js --resume runs/a --queue 'rediss://:***@redis.lan:6379/0' --queue-name night --queue-ca ${ca}`,
    );
  });
});
