// Time and peak memory to refuse hostile IDX files (a 1 GiB gzip bomb in ~1 MB, headers
// declaring 2^31 items, a link to /dev/zero, a named pipe), each in a child process under an
// address-space cap and a time bound so a reader without checks fails instead of swapping.
//   node packages/data/bench/hostile-idx.bench.mjs [--data <@fnn/data's dist/index.js>]
// `--data` points at another build (e.g. one of an older commit) to compare before and after.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeHostileIdxFiles } from '../test-support/hostile-idx.mjs';

const args = process.argv.slice(2);
const dataAt = args.indexOf('--data');
const dataModule =
  dataAt >= 0 ? resolve(args[dataAt + 1]) : fileURLToPath(new URL('../dist/index.js', import.meta.url));
const CAP_MIB = 4096;
const TIMEOUT_S = 120;
let running; // the child being measured: interrupting the bench must not leave it behind
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (running) process.kill(-running.pid, 'SIGKILL');
    process.exit(130);
  });
}

const dir = mkdtempSync(join(tmpdir(), 'fnn-hostile-idx-'));
try {
  const files = writeHostileIdxFiles(dir);
  const { defaultMnistDir } = await import(pathToFileURL(dataModule).href);
  /** An MNIST folder: the real files, except train labels, which are `labels`. */
  const mnistWith = (name, labels) => {
    const folder = join(dir, name);
    mkdirSync(folder);
    for (const file of readdirSync(defaultMnistDir())) {
      const target = file.startsWith('train-labels') ? labels : join(defaultMnistDir(), file);
      symlinkSync(target, join(folder, file.replace(/\.gz$/, '') + (target.endsWith('.gz') ? '.gz' : '')));
    }
    return folder;
  };
  const cases = [
    ['baseline: start Node and import @fnn/data, nothing read', 'void 0'],
    ['readIdx: gzip bomb, 10 labels declared, inflates 1 GiB (1 MB file)', `readIdx(${JSON.stringify(files.bomb)})`],
    ['readIdx: raw header declaring 2^31 labels, 10-byte payload', `readIdx(${JSON.stringify(files.declares2e31)})`],
    ['readIdx: gzip header declaring 2^31 images of 28×28', `readIdx(${JSON.stringify(files.images2e31Gz)})`],
    ['readIdx: symlink to /dev/zero', `readIdx(${JSON.stringify(files.deviceLink)})`],
    ['readIdx: named pipe without a writer', `readIdx(${JSON.stringify(files.fifo)})`],
    [
      'loadMnist: train labels are the gzip bomb',
      `loadMnist({ dir: ${JSON.stringify(mnistWith('bomb-mnist', files.bomb))} })`,
    ],
    [
      'loadMnist: train labels link to /dev/zero',
      `loadMnist({ dir: ${JSON.stringify(mnistWith('device-mnist', files.deviceLink))} })`,
    ],
  ];
  console.log(`@fnn/data from ${dataModule}; each case in its own process, cap ${CAP_MIB} MiB, ${TIMEOUT_S} s`);
  const rows = [];
  for (const [name, call] of cases) rows.push([name, ...(await measure(call))]);
  const widths = [0, 1, 2, 3].map((c) =>
    Math.max(...rows.map((r) => r[c].length), ['case', 'time', 'peak RSS', 'outcome'][c].length),
  );
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ');
  console.log(line(['case', 'time', 'peak RSS', 'outcome']));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const row of rows) console.log(line(row));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** Runs one call in a capped child: [wall time, peak RSS, outcome]. */
function measure(call) {
  const source =
    `import { readIdx, loadMnist } from ${JSON.stringify(pathToFileURL(dataModule).href)};\n` +
    `try { ${call}; console.log('OUTCOME read without error'); }\n` +
    `catch (e) { console.log('OUTCOME ' + e.name + ': ' + e.message.replace(/\\s+/g, ' ').slice(0, 90)); }`;
  return new Promise((done) => {
    const started = performance.now();
    const child = spawn(
      'prlimit',
      [
        `--as=${CAP_MIB * 1024 * 1024}`,
        '--',
        '/usr/bin/time',
        '-f',
        'PEAK_KB=%M',
        'node',
        '--input-type=module',
        '-e',
        source,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    running = child;
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    let timedOut = false;
    // On timeout kill node (GNU time's child) so that time still reports its peak; then the group.
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        for (const pid of readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8')
          .split(' ')
          .filter(Boolean)) {
          process.kill(Number(pid), 'SIGKILL');
        }
      } catch {
        process.kill(-child.pid, 'SIGKILL');
      }
      setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }, 2000).unref();
    }, TIMEOUT_S * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const seconds = `${((performance.now() - started) / 1000).toFixed(2)} s`;
      const peak = /PEAK_KB=(\d+)/.exec(out);
      const peakText = peak ? `${(Number(peak[1]) / 1024).toFixed(0)} MiB` : 'n/a';
      const outcome = /OUTCOME (.*)/.exec(out)?.[1];
      if (timedOut) return done([seconds, peakText, `still running after ${TIMEOUT_S} s (killed)`]);
      if (outcome) return done([seconds, peakText, outcome]);
      const crash = /(FATAL ERROR[^\n]*|RangeError[^\n]*|Error[^\n]*|Command terminated[^\n]*)/.exec(out)?.[1];
      done([seconds, peakText, `crashed (${signal ?? `exit ${code}`}): ${(crash ?? '').slice(0, 80)}`]);
    });
  });
}
