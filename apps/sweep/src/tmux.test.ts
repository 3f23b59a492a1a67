import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from '../test-support/cli.js';
import { writeSyntheticMnist } from '../test-support/idx-fixture.js';
import { quote } from './invocation.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;

// Issue 15: in a real 80-column terminal (tmux), no run line wraps, the final table fits, and the
// lines after it are broken at spaces.
describe.skipIf(!hasTmux)('fnn-sweep in an 80-column terminal', () => {
  it('draws run lines and the final table within 80 columns, without wrapping', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fnn-tmux-'));
    // Enough rows that every run trains for seconds: the live lines must be on screen when polled
    // (1,200 rows once made whole runs end between two captures).
    const data = writeSyntheticMnist(join(dir, 'data'), { train: 25_000 });
    const grid = join(dir, 'grid.json');
    // Long ids (every field varies) make the widest run lines and table rows.
    writeFileSync(
      grid,
      JSON.stringify({ hidden: [[32], [16, 16]], dropout: [0, 0.1], optimizer: ['adam'], epochs: [3] }),
    );
    const out = join(dir, 'out');
    const done = join(dir, 'done');
    const session = `fnn-sweep-test-${process.pid}`;
    const command = [
      process.execPath,
      CLI,
      '--grid',
      grid,
      '--data-dir',
      data,
      '--limit-train',
      '20000',
      '--limit-eval',
      '200',
      '--out',
      out,
      '--backend',
      'wasm',
      // The live page's URL line too must fit (never cut: it is short).
      '--serve',
      '0',
    ]
      .map(quote)
      .join(' ');
    const tmux = (...args: string[]) => execFileSync('tmux', ['-L', session, ...args], { encoding: 'utf8' });
    const env = { ...process.env };
    delete env.CI;
    execFileSync(
      'tmux',
      [
        '-L',
        session,
        '-f',
        '/dev/null',
        'new-session',
        '-d',
        '-s',
        session,
        '-x',
        '80',
        '-y',
        '40',
        'sh',
        '-c',
        `${command}; touch ${quote(done)}; sleep 60`,
      ],
      { env },
    );
    try {
      tmux('set-option', '-t', session, 'history-limit', '5000');
      const started = Date.now();
      const seen = new Set<string>();
      while (!existsSync(done)) {
        if (Date.now() - started > 240_000) throw new Error('the sweep did not end within 240 s');
        // While it runs: the live screen, wrapped lines joined (-J), so a wrapped line shows as one longer than 80.
        for (const line of tmux('capture-pane', '-p', '-J', '-t', session).split('\n')) if (line.trim()) seen.add(line);
        await new Promise((r) => setTimeout(r, 300));
      }
      const all = tmux('capture-pane', '-p', '-J', '-S', '-', '-t', session).split('\n');
      for (const line of all) if (line.trim()) seen.add(line);
      // Run lines (live and persisted) and the overall line: on stderr, cut to the terminal.
      const runLines = [...seen].filter((l) => /epoch\s+\d+\/3|^overall|^\[h|^fnn-sweep: /.test(l));
      expect(
        all.filter((l) => /^fnn-sweep: live report at http:\/\/127\.0\.0\.1:\d+\/ \(read-only\)$/.test(l)),
      ).toHaveLength(1);
      expect(runLines.some((l) => /epoch\s+\d+\/3/.test(l))).toBe(true);
      for (const line of runLines) expect([...line.trimEnd()].length, line).toBeLessThanOrEqual(80);
      // The final table, from its header to the blank line after it, narrowed to the terminal.
      const header = all.findIndex((l) => /^run\s/.test(l));
      expect(header).toBeGreaterThanOrEqual(0);
      const table = all.slice(header, all.indexOf('', header));
      expect(table).toHaveLength(2 + 4);
      for (const line of table) expect(line.trimEnd().length, line).toBeLessThanOrEqual(80);
      // The prose after it (winner, where the results are) is broken at spaces, not by the terminal.
      const after = all.slice(all.indexOf('', header)).filter((l) => l.trim() !== '');
      expect(after.some((l) => l.startsWith('Winner: '))).toBe(true);
      expect(after.some((l) => l.startsWith('Sweep finished in '))).toBe(true);
      for (const line of after) expect([...line.trimEnd()].length, line).toBeLessThanOrEqual(80);
    } finally {
      spawnSync('tmux', ['-L', session, 'kill-server']);
    }
  });
});
