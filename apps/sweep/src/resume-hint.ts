import { commandLine, type Invocation, pathForCommand } from './invocation.js';
import type { SweepSettings } from './options.js';
import { DEFAULT_QUEUE_NAME } from './queue/queue-options.js';

/**
 * The command that continues an interrupted sweep as it was run: `--resume <dir>` reads the runs,
 * data and backend from the folder, so only the options it does not store are repeated (the core
 * split, --save-models, the queue, the live page).
 */
export function resumeCommand(settings: SweepSettings, dir: string, invocation?: Invocation): string {
  const args = ['--resume', pathForCommand(dir, invocation)];
  const number = (flag: string, value: number | undefined) => (value === undefined ? [] : [flag, String(value)]);
  const when = (flag: string, on: boolean) => (on ? [flag] : []);
  args.push(
    ...number('--concurrency', settings.concurrency),
    ...number('--workers-per-run', settings.workersPerRun),
    ...when('--oversubscribe', settings.oversubscribe),
    ...when('--fixed-workers', settings.fixedWorkers),
    ...when('--in-process', settings.inProcess),
    ...when('--save-models', settings.saveModels),
  );
  const queue = settings.queue;
  if (queue) {
    // The address as printed everywhere: its password, if any, masked (the user puts it back).
    args.push('--queue', queue.address.display);
    if (queue.name !== DEFAULT_QUEUE_NAME) args.push('--queue-name', queue.name);
    if (queue.caPath) args.push('--queue-ca', queue.caPath);
  }
  if (settings.serve) {
    args.push('--serve', String(settings.serve.port));
    if (settings.serve.host !== '127.0.0.1') args.push('--host', settings.serve.host);
  }
  return commandLine(args, invocation);
}
