import type { RunContext, RunExecutor, RunResult } from '../src/executor.js';
import type { RunConfig } from '../src/run-config.js';
import { placeholder } from '../src/sweep.js';

/** A finished run whose metrics are simple functions of the config, so tests know them exactly. */
export function fakeResult(config: RunConfig, status: RunResult['status'] = 'finished'): RunResult {
  const base = placeholder(config, status, status === 'finished' ? '' : `${status} on purpose`);
  const epochs = status === 'finished' ? config.epochs : 1;
  const acc = (e: number) => 0.9 + 0.01 * e + config.hidden.length / 1000 + config.seed / 10_000;
  const history = {
    loss: Array.from({ length: epochs }, (_, e) => 1 / (e + 2)),
    accuracy: Array.from({ length: epochs }, (_, e) => acc(e)),
    val_loss: Array.from({ length: epochs }, (_, e) => 1 / (e + 3)),
    val_accuracy: Array.from({ length: epochs }, (_, e) => acc(e) - 0.005),
    seconds: Array.from({ length: epochs }, () => 0.5),
    workers: Array.from({ length: epochs }, () => 1),
  };
  const last = epochs - 1;
  return {
    ...base,
    ...(status === 'finished' ? { error: undefined } : {}),
    history,
    summary: `summary of ${config.id}`,
    backend: 'fake',
    workers: 1,
    trainSize: 1000,
    timing: { ...base.timing, wallSeconds: epochs * 0.5, samplesPerSecond: 2000 },
    final:
      status === 'finished'
        ? {
            loss: history.loss[last]!,
            accuracy: history.accuracy[last]!,
            valLoss: history.val_loss[last]!,
            valAccuracy: history.val_accuracy[last]!,
            testLoss: 0.2,
            testAccuracy: 0.97,
          }
        : null,
  };
}

export class FakeExecutor implements RunExecutor {
  readonly description = 'fake';
  readonly started: string[] = [];
  running = 0;
  maxRunning = 0;
  /** `releaseSlot` calls, with the number of runs still running at each. */
  released: number[] = [];
  releaseSlot(): void {
    this.released.push(this.running);
  }
  constructor(
    private readonly behaviour: (config: RunConfig, context: RunContext) => Promise<RunResult> | RunResult = (c) =>
      fakeResult(c),
  ) {}
  async run(config: RunConfig, context: RunContext): Promise<RunResult> {
    this.started.push(config.id);
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      await new Promise((r) => setTimeout(r, 5));
      return await this.behaviour(config, context);
    } finally {
      this.running--;
    }
  }
  async close(): Promise<void> {}
}
