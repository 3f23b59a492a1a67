/** Tests only: make a worker fail on purpose, to check that `fit` fails cleanly. */
export interface FaultInjection {
  worker: number;
  /** Optimizer step (counted from 0 over the whole fit) before which the worker fails. */
  atStep: number;
  kind: 'throw' | 'exit' | 'oom';
}

/**
 * Runs in a worker before each step: fails as `fault` asks when it names this worker and step
 * (never without a fault, which only the `@fnn/trainer/testing` entry can set).
 */
export function injectFault(fault: FaultInjection | undefined, worker: number, step: number): void {
  if (fault === undefined || fault.worker !== worker || fault.atStep !== step) return;
  if (fault.kind === 'exit') process.exit(3);
  if (fault.kind === 'oom') {
    // Grows the JavaScript heap (which resourceLimits caps) in 512 KB steps: gradual growth
    // lets Node end just this thread; one allocation larger than the whole limit aborts the process.
    const hog: number[][] = [];
    for (;;) hog.push(new Array<number>(1 << 16).fill(1.5));
  }
  throw new Error(`injected fault at step ${step}`);
}
