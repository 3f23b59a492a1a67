import type { QueueCa } from './queue/queue-options.js';
import type { RedisAddress } from './queue/redis-address.js';
import type { SearchOptions } from './search/search-options.js';
import type { ServeOptions } from './serve/serve-options.js';
import type { Backend } from './shared-options.js';

/** The command line as commander parsed it, each value checked on its own but not yet against the others. */
export interface RawOptions extends SearchOptions, ServeOptions {
  only?: string[];
  epochs?: number;
  quick?: boolean;
  seed?: number;
  repeats?: number;
  backend: Backend;
  dataDir?: string;
  out?: string;
  grid?: string;
  saveModels?: boolean;
  resume?: string;
  concurrency?: number;
  workersPerRun?: number;
  oversubscribe?: boolean;
  fixedWorkers?: boolean;
  limitTrain?: number;
  limitEval?: number;
  inProcess?: boolean;
  dryRun?: boolean;
  queue?: RedisAddress;
  queueName: string;
  queueCa?: QueueCa;
}
