// Hostile data files, each read in a child process under an address-space cap and a time bound:
// a reader that allocated or inflated what a header declares, or read a device, would be killed
// (and fail the test) instead of swapping or hanging.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultMnistDir } from '@fnn/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeHostileIdxFiles, type HostileIdxFiles } from '../../packages/data/test-support/hostile-idx.mjs';
import { REPO_ROOT, REPORT_PEAK_RSS, runBounded } from './bounded-child.js';

// Node alone needs ~700 MiB of address space; 1.5 GiB leaves no room for the 1 GiB the bomb inflates to.
const CAP_MIB = 1536;
const FIXTURES = pathToFileURL(join(REPO_ROOT, 'packages/data/test-support/hostile-idx.mjs')).href;

let dir: string;
let files: HostileIdxFiles;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fnn-hostile-data-'));
  files = writeHostileIdxFiles(dir); // the 1 GiB bomb, ~1 MB on disk
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An MNIST folder with the real files, except that the training labels are `labels`. */
function mnistWithLabels(name: string, labels: string): string {
  const folder = join(dir, name);
  mkdirSync(folder);
  for (const file of readdirSync(defaultMnistDir())) {
    if (file.startsWith('train-labels')) continue;
    symlinkSync(join(defaultMnistDir(), file), join(folder, file));
  }
  symlinkSync(labels, join(folder, `train-labels-idx1-ubyte${labels.endsWith('.gz') ? '.gz' : ''}`));
  return folder;
}

/** Runs `call` (an expression using readIdx / loadMnist) in a capped child; returns the child's DataError message. */
async function refusedInChild(call: string, timeoutMs = 30_000): Promise<{ message: string; peakMb: number }> {
  const run = await runBounded(
    `${REPORT_PEAK_RSS}
     import { DataError, loadMnist, readIdx } from '@fnn/data';
     try { ${call}; console.log('READ'); }
     catch (e) { console.log(e instanceof DataError ? 'REFUSED ' + e.message : 'OTHER ' + e.stack); }`,
    { memoryMb: CAP_MIB, timeoutMs },
  );
  expect(run.timedOut, `timed out: ${run.stderr}`).toBe(false);
  expect(run.code, run.stderr).toBe(0);
  const message = /^REFUSED (.*)$/m.exec(run.stdout)?.[1];
  expect(message, run.stdout).toBeDefined();
  return { message: message!, peakMb: run.peakMb };
}

describe('hostile data files are refused quickly, in little memory', () => {
  it('a 1 MB gzip declaring 10 labels that inflates to 1 GiB, read directly and as MNIST labels', async () => {
    const direct = await refusedInChild(`readIdx(${JSON.stringify(files.bomb)})`);
    expect(direct.message).toContain(`${files.bomb}: gzip data inflates to more than the 18 bytes its header declares`);
    expect(direct.peakMb).toBeLessThan(200);
    const folder = mnistWithLabels('bomb-mnist', files.bomb);
    const mnist = await refusedInChild(`loadMnist({ dir: ${JSON.stringify(folder)} })`);
    // The labels' count is checked against the images' before inflating: the bomb is not even started.
    expect(mnist.message).toBe(
      `${join(folder, 'train-labels-idx1-ubyte.gz')}: expected 60000 uint8 labels (shape [60000]) to match the images, but got uint8 [10].`,
    );
  });

  it('headers declaring 2^31 items, raw and gzipped', async () => {
    for (const [path, reason] of [
      [files.declares2e31, 'payload is 10 bytes, expected 2147483648'],
      [files.declares2e31Gz, 'the header declares 2147483656 bytes'],
      [files.images2e31Gz, 'the header declares 1683627180048 bytes'],
    ] as const) {
      const { message, peakMb } = await refusedInChild(`readIdx(${JSON.stringify(path)}, { shared: true })`);
      expect(message.startsWith(`${path}: ${reason}`), message).toBe(true);
      expect(peakMb).toBeLessThan(200);
    }
  });

  it('training labels that link to /dev/zero or are a named pipe: refused, not read forever', async () => {
    for (const [name, labels, kind] of [
      ['device-mnist', files.deviceLink, 'a character device (the path resolves to /dev/zero)'],
      ['fifo-mnist', files.fifo, `a named pipe (the path resolves to ${files.fifo})`],
    ] as const) {
      const folder = mnistWithLabels(name, labels);
      const { message } = await refusedInChild(`loadMnist({ dir: ${JSON.stringify(folder)} })`);
      expect(message).toBe(
        `${join(folder, 'train-labels-idx1-ubyte')}: expected a regular IDX file, but it is ${kind}.`,
      );
    }
  });

  it('gzip bombs with random declared counts and sizes (fast-check): each refused or read within the cap', async () => {
    const run = await runBounded(
      `${REPORT_PEAK_RSS}
       import fc from 'fast-check';
       import { gzipSync } from 'node:zlib';
       import { DataError, readIdx } from '@fnn/data';
       import { idxFile } from ${JSON.stringify(FIXTURES)};
       const zeros = gzipSync(new Uint8Array(16 << 20), { level: 9 });
       let refused = 0, read = 0;
       fc.assert(fc.property(
         // Small counts (refused once inflation passes them) and counts no ~800 KB gzip can hold.
         fc.oneof(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 2 ** 31, max: 2 ** 32 - 1 })),
         fc.integer({ min: 0, max: 64 }), fc.integer({ min: 1, max: 48 }),
         (declared, carried, members) => {
           const head = gzipSync(idxFile([declared], new Uint8Array(carried)));
           const bomb = Buffer.concat([head, ...Array(members).fill(zeros)]); // up to 768 MiB of zeros
           try { readIdx(bomb); read++; }
           catch (e) { if (!(e instanceof DataError)) throw e; refused++; }
         }), { numRuns: 40 });
       // A bomb can only be read if it declares every byte it inflates to.
       console.log('refused', refused, 'read', read);`,
      { memoryMb: CAP_MIB, timeoutMs: 120_000 },
    );
    expect(run.timedOut).toBe(false);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('refused 40 read 0');
    expect(run.peakMb).toBeLessThan(400);
  });
});
