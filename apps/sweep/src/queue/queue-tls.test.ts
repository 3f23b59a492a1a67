import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultsFile } from '../results-store.js';
import { CliProcess } from '../../test-support/cli-process.js';
import { runCli } from '../../test-support/cli.js';
import { writeSyntheticMnist } from '../../test-support/idx-fixture.js';
import { hasRedis, TestRedis } from '../../test-support/redis-server.js';

const hasTls =
  hasRedis && /libssl/.test(execFileSync('ldd', ['/usr/bin/redis-server'], { encoding: 'utf8' }).toString());

const EC_KEY = '-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes';
/** Runs openssl with space-separated arguments (the temporary paths have no spaces). */
const openssl = (args: string) => execFileSync('openssl', args.split(' '), { stdio: 'ignore' });

/** A throwaway CA (EC P-256, valid one day) in `dir`; returns its certificate and key files. */
function makeCa(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  openssl(`req -x509 ${EC_KEY} -keyout ${key} -out ${cert} -days 1 -subj /CN=${name}`);
  return { cert, key };
}

/** A server certificate for 127.0.0.1 (IP subjectAltName), signed by `ca`. */
function makeServerCert(dir: string, ca: { cert: string; key: string }): { cert: string; key: string } {
  const key = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const cert = join(dir, 'server.crt');
  const ext = join(dir, 'server.ext');
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1\n');
  openssl(`req ${EC_KEY} -keyout ${key} -out ${csr} -subj /CN=127.0.0.1`);
  openssl(`x509 -req -in ${csr} -CA ${ca.cert} -CAkey ${ca.key} -CAcreateserial -out ${cert} -days 1 -extfile ${ext}`);
  return { cert, key };
}

describe.skipIf(!hasTls)('a queue over TLS (rediss://) on a real redis-server', () => {
  let dir: string;
  let data: string;
  let ca: { cert: string; key: string };
  let otherCa: { cert: string; key: string };
  let redis: TestRedis;
  const processes: CliProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fnn-tls-'));
    data = writeSyntheticMnist(join(dir, 'data'));
    ca = makeCa(dir, 'fnn-test-ca');
    otherCa = makeCa(dir, 'another-ca');
    redis = await TestRedis.start({ tls: makeServerCert(dir, ca) });
  });
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await redis?.dispose();
  });

  it('runs a sweep with coordinator and worker trusting the server through --queue-ca', async () => {
    expect(redis.url).toMatch(/^rediss:\/\/127\.0\.0\.1:\d+$/);
    const queue = ['--queue', redis.url, '--queue-ca', ca.cert, '--data-dir', data, '--backend', 'wasm'];
    const worker = new CliProcess(['worker', ...queue, ...'--concurrency 1 --workers-per-run 1'.split(' ')]);
    processes.push(worker);
    await worker.waitFor(/waiting for jobs/);
    const out = join(dir, 'out');
    const grid = join(dir, 'grid.json');
    writeFileSync(grid, JSON.stringify({ hidden: [[16]], epochs: [2] }));
    const sweep = await runCli([
      ...queue,
      '--grid',
      grid,
      ...'--limit-train 500 --limit-eval 100'.split(' '),
      '--out',
      out,
    ]);
    expect(sweep.code, sweep.stderr).toBe(0);
    expect(sweep.stderr).toMatch(/fnn-sweep: connected to Redis 7\./);
    expect(worker.stderr).toMatch(/fnn-sweep worker: connected to Redis 7\./);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultsFile;
    expect(results.runs.map((r) => [r.status, r.history.loss.length])).toEqual([['finished', 2]]);
    expect((await worker.kill('SIGTERM')).code).toBe(0);
  });

  it('fails within 10 s, naming the certificate problem, when the CA is not the one that signed the server', async () => {
    const run = new CliProcess(['worker', '--queue', redis.url, '--queue-ca', otherCa.cert]);
    processes.push(run);
    await run.waitFor(/fnn-sweep worker: queue fnn-sweep on /);
    const connecting = performance.now();
    const { code } = await run.exited;
    expect(code).toBe(2);
    expect((performance.now() - connecting) / 1000).toBeLessThan(10);
    expect(run.stderr).toMatch(
      /Redis at rediss:\/\/127\.0\.0\.1:\d+\/0 presented a TLS certificate this machine does not trust \(.*\): give the CA that signed it with --queue-ca/,
    );
    // Without --queue-ca, Node's own CAs do not know the throwaway one either.
    const plain = await runCli(['worker', '--queue', redis.url]);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(/presented a TLS certificate this machine does not trust/);
    // redis:// to a TLS port: the server resets the connection, and the message says why.
    const noTls = await runCli(['worker', '--queue', redis.url.replace('rediss:', 'redis:')]);
    expect(noTls.code).toBe(2);
    expect(noTls.stderr).toMatch(
      /reset the connection \(.*\): if it serves TLS, use rediss:\/\/ instead of redis:\/\//,
    );
  });

  it('checks the CA file like every other input', async () => {
    const notPem = join(dir, 'not.pem');
    writeFileSync(notPem, 'hello');
    const cases: [string[], string][] = [
      [['--queue-ca', notPem], 'expected a file of PEM certificates (-----BEGIN CERTIFICATE-----), but it has none.'],
      [['--queue-ca', dir], 'expected a file, but it is a directory.'],
      [['--queue-ca', '/dev/zero'], 'expected a regular file, but it is a device, socket or pipe.'],
      [['--queue-ca', join(dir, 'missing.pem')], 'cannot read the file (ENOENT).'],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(['worker', '--queue', redis.url, ...args]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toContain(message);
    }
    const plainAddress = await runCli(['worker', '--queue', 'redis://127.0.0.1:1', '--queue-ca', ca.cert]);
    expect(plainAddress.stderr).toContain(
      'a CA is for TLS, but --queue redis://127.0.0.1:1/0 is not a rediss:// address.',
    );
  });
});
