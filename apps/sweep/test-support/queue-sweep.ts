import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { RunResult } from '../src/executor.js';
import type { ResultsFile } from '../src/results-store.js';
import { CliProcess } from './cli-process.js';
import type { TestRedis } from './redis-server.js';

export const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

export const readResults = (dir: string) => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ResultsFile;

/** The job ids a worker's log says it started, one per start (a job started twice appears twice). */
export const startedJobs = (text: string) => [...text.matchAll(/\[(\S+)\] job (\S+) started on/g)].map((m) => m[2]!);

/** What must not depend on where or when a run trained: everything but wall times. */
export const trained = (r: RunResult) => ({
  status: r.status,
  final: r.final,
  loss: r.history.loss,
  accuracy: r.history.accuracy,
  val_loss: r.history.val_loss,
  val_accuracy: r.history.val_accuracy,
  params: r.params,
});

/** A grid file holding `spec`, in a folder of its own. */
export function gridFile(spec: object): string {
  const path = join(tmp('fnn-grid-'), 'grid.json');
  writeFileSync(path, JSON.stringify(spec));
  return path;
}

/**
 * The options of a sweep of one run of 256-256 units on wasm, about a second an epoch on the
 * synthetic data in `data`: long enough to lose its worker in the middle.
 */
export function oneRunSweep(data: string, epochs = 6): string[] {
  return [
    ...['--grid', gridFile({ hidden: [[256, 256]], epochs: [epochs] }), '--data-dir', data],
    ...['--limit-train', '1500', '--limit-eval', '300', '--backend', 'wasm'],
  ];
}

/** The run checkpoints a test Redis holds (none once every run has ended). */
export async function checkpointKeys(port: number): Promise<string[]> {
  const client = new Redis({ host: '127.0.0.1', port });
  const keys = await client.keys('*:checkpoint');
  client.disconnect();
  return keys;
}

/** Worker and coordinator processes on one test Redis, all killed by `killAll`. */
export class QueueProcesses {
  private readonly processes: CliProcess[] = [];

  constructor(
    private readonly redis: () => TestRedis,
    /** The synthetic data folder workers are started with (unless `mnist`). */
    private readonly data: () => string,
  ) {}

  /** A worker process training one run at a time on one thread, on the synthetic data unless `mnist`. */
  worker(args: string[] = [], { mnist = false } = {}): CliProcess {
    return this.started([
      'worker',
      '--queue',
      this.redis().url,
      ...(mnist ? [] : ['--data-dir', this.data()]),
      '--concurrency',
      '1',
      '--workers-per-run',
      '1',
      ...args,
    ]);
  }

  coordinator(args: string[]): CliProcess {
    return this.started(['--queue', this.redis().url, ...args]);
  }

  started(args: string[]): CliProcess {
    const p = new CliProcess(args);
    this.processes.push(p);
    return p;
  }

  async killAll(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.kill()));
  }
}
