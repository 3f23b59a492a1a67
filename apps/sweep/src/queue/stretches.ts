import { errorMessage } from '../errors.js';
import type { RunContext, RunResult } from '../executor.js';
import type { RunConfig } from '../run-config.js';
import { joinTiming } from '../search/asha-jobs.js';
import { jobIdFor } from './run-job.js';

/** One stretch of an ASHA trial: from the epoch its checkpoint holds (0: none) to the next rung, or to the end. */
export interface Stretch {
  from: number;
  until: number;
}

export function stretchFrom(rungs: readonly number[], from: number, epochs: number): Stretch {
  return { from, until: rungs.find((e) => e > from && e < epochs) ?? epochs };
}

/**
 * `<sweep>-<run>` for a trial's first stretch, `<sweep>-<run>@<from>` for the one resuming at
 * epoch `from`: adding a stretch again is a no-op. Run ids have no '@', so no run's stretch
 * takes another run's id.
 */
export function stretchJobId(sweepId: string, runId: string, from: number): string {
  return from === 0 ? jobIdFor(sweepId, runId) : `${jobIdFor(sweepId, runId)}@${from}`;
}

/**
 * BullMQ priority (1 is taken first): a stretch from a higher rung before one from a lower rung,
 * new trials last, as ASHA's get_job looks for promotions from the top rung down before it
 * starts a new trial. Equal priorities are taken in the order they were added.
 */
export function stretchPriority(rungs: readonly number[], from: number): number {
  return rungs.length - rungs.indexOf(from);
}

/**
 * Trains an ASHA trial through the queue one stretch at a time (`runStretch` enqueues one as a
 * job and waits for it). At each stretch's end the coordinator's scheduler decides, by
 * `context.shouldStop` as at a local run's epoch end: the trial goes on (its next stretch) or
 * pauses there, its checkpoint kept for a promotion. Returns one result over the stretches,
 * history and time joined, as a local run that went on in place reports it.
 */
export async function trainByStretches(
  config: RunConfig,
  context: RunContext,
  runStretch: (stretch: Stretch) => Promise<RunResult>,
): Promise<RunResult> {
  const rungs = context.rungs?.epochs ?? [];
  let stretch = stretchFrom(rungs, context.rungs?.from ?? 0, config.epochs);
  let joined: RunResult | undefined;
  for (;;) {
    const result = await runStretch(stretch);
    if (joined && result.status === 'interrupted') return { ...joined, status: 'interrupted', error: result.error };
    joined = joined
      ? { ...result, timing: joinTiming(joined, result), resumedFromEpoch: joined.resumedFromEpoch }
      : result;
    if (result.status !== 'stopped') return joined;
    const epoch = result.history.loss.length;
    const metrics = {
      val_accuracy: result.history.val_accuracy[epoch - 1]!,
      val_loss: result.history.val_loss[epoch - 1]!,
    };
    let decision: ReturnType<NonNullable<RunContext['shouldStop']>>;
    try {
      decision = context.shouldStop?.(epoch, metrics) ?? null;
    } catch (error) {
      return { ...joined, status: 'failed', error: errorMessage(error) };
    }
    if (decision) return { ...joined, stoppedBy: decision };
    stretch = stretchFrom(rungs, epoch, config.epochs);
  }
}
