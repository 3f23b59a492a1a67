// Runs a kernels test file again in child processes, one per narrower instruction-set build
// (FNN_NATIVE_ISA forced), so its cases check every ISA's kernels, not only the CPU's widest.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Unless FNN_NATIVE_ISA is set (in a child), one test per ISA running `file` (from the package
 * root, e.g. 'src/x.test.ts') in a child that must pass and print `title(isa)` (a describe block
 * naming the ISA it ran on).
 */
export function rerunOnEveryIsa(file: string, title: (isa: string) => string): void {
  if (process.env.FNN_NATIVE_ISA) return;
  describe('every instruction-set build', () => {
    for (const isa of ['avx2', 'portable']) {
      it(`${isa}: this file's cases pass with FNN_NATIVE_ISA=${isa}`, () => {
        const run = spawnSync(
          process.execPath,
          [
            fileURLToPath(new URL('../../../node_modules/vitest/vitest.mjs', import.meta.url)),
            'run',
            '--project',
            'kernels',
            '--reporter=verbose',
            file,
          ],
          {
            cwd: fileURLToPath(new URL('../../..', import.meta.url)),
            env: { ...process.env, FNN_NATIVE_ISA: isa },
            encoding: 'utf8',
            timeout: 280000,
          },
        );
        expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
        expect(run.stdout).toContain(title(isa));
      }, 300000);
    }
  });
}

/** A test that the build loaded is the one FNN_NATIVE_ISA forces, when it forces one (in a child). */
export function itRunsTheForcedIsa(loaded: () => string): void {
  it('runs the build the environment asks for', () => {
    const forced = process.env.FNN_NATIVE_ISA;
    if (forced) expect(loaded()).toBe(forced);
  });
}
