import { describe, expect, it } from 'vitest';
import { threadLimit } from './thread-limit.js';

const GiB = 2 ** 30;

// The sweep's --oversubscribe bound and the trainer's workers bound both come from this rule.
describe('threadLimit', () => {
  it('allows 4 workers per core when memory is plentiful', () => {
    expect(threadLimit({ cores: 2, memoryBytes: 24 * GiB })).toEqual({
      limit: 8,
      reason: "4 per core on this machine's 2 cores",
    });
  });

  it('allows only as many workers as fit in half the memory, at 64 MiB each plus 16 bytes per parameter', () => {
    // 64 cores would allow 256; half of 8 GiB holds 4096 MiB / 64 MiB = 64 bare workers.
    expect(threadLimit({ cores: 64, memoryBytes: 8 * GiB })).toEqual({
      limit: 64,
      reason: "an estimated 64 MiB per worker in 50% of this machine's 8.0 GiB of memory",
    });
    // 100M parameters: 64 MiB + 1.6e9 B = 1.55 GiB per worker (shown as 1.6); half of 24 GiB holds 7.7.
    expect(threadLimit({ cores: 2, memoryBytes: 24 * GiB }, 100_000_000)).toEqual({
      limit: 7,
      reason:
        "an estimated 1.6 GiB per worker with a replica of 100,000,000 parameters in 50% of this machine's 24.0 GiB of memory",
    });
  });

  it('always allows one worker', () => {
    expect(threadLimit({ cores: 1, memoryBytes: GiB }, 1e9).limit).toBe(1);
  });
});
