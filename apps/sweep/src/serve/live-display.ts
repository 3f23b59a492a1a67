import type { RunProgress, RunResult } from '../executor.js';
import type { ProgressDisplay } from '../progress.js';
import type { LiveResults } from './live-results.js';

/**
 * The terminal's progress display, and the live page fed from the same calls: `changed` is
 * called whenever what the page shows changed (a run started or ended, an epoch ended).
 */
export class LiveDisplay implements ProgressDisplay {
  constructor(
    private readonly inner: ProgressDisplay,
    private readonly live: LiveResults,
    private readonly changed: () => void,
  ) {}

  runStarted(id: string, estimatedCost: number): void {
    this.inner.runStarted(id, estimatedCost);
    this.live.runStarted(id);
    this.changed();
  }

  update(progress: RunProgress): void {
    this.inner.update(progress);
    if (this.live.epochEnded(progress)) this.changed();
  }

  runEnded(result: RunResult): void {
    this.inner.runEnded(result);
    this.live.runEnded(result);
    this.changed();
  }

  log(line: string): void {
    this.inner.log(line);
  }

  stop(): void {
    this.inner.stop();
  }
}
