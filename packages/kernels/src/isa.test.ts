// Each instruction-set build the dispatcher can pick (forced with FNN_NATIVE_ISA in a child
// process, since the choice is made once per process) computes the same products.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nativeIsa } from './index.js';

const script = fileURLToPath(new URL('../test-support/isa-check.mjs', import.meta.url));

describe('runtime CPU dispatch', () => {
  for (const isa of ['avx2', 'portable']) {
    it(`the ${isa} kernels match double-precision loops within 1e-5 of each sum's scale`, () => {
      const run = spawnSync(process.execPath, [script], {
        env: { ...process.env, FNN_NATIVE_ISA: isa },
        encoding: 'utf8',
      });
      expect(run.status, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout) as { isa: string; worst: number };
      // avx2 is skipped by the dispatcher on a CPU without it (then 'portable' runs).
      expect([isa, 'portable']).toContain(result.isa);
      expect(result.worst).toBeLessThan(1e-5);
    });
  }

  it('picks the widest instruction set this CPU has', () => {
    expect(['avx512', 'avx2', 'portable']).toContain(nativeIsa());
  });
});
