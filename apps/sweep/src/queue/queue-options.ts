import { InvalidArgumentError, Option } from 'commander';
import { describe } from '../errors.js';
import { parseRedisAddress, type RedisAddress } from './redis-address.js';

export const DEFAULT_QUEUE_NAME = 'fnn-sweep';

/** BullMQ builds Redis keys from the queue name: no ':' and nothing unprintable. */
export function parseQueueName(value: string): string {
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(value)) {
    throw new InvalidArgumentError(
      `expected --queue-name to be 1-100 letters, digits, '.', '_' or '-', but got ${describe(value)}.`,
    );
  }
  return value;
}

function redisAddress(value: string): RedisAddress {
  try {
    return parseRedisAddress(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message.replace(/^--queue: /, ''));
  }
}

/** `--queue`, shared by the coordinator and `fnn-sweep worker`. */
export function queueOption(what: string): Option {
  return new Option(
    '--queue <redis-url>',
    `${what} through a BullMQ queue on Redis: redis://[:password@]host[:port][/db], or rediss:// for TLS`,
  ).argParser(redisAddress);
}

/** `--queue-name`: coordinator and workers must agree. */
export function queueNameOption(): Option {
  return new Option('--queue-name <name>', 'the BullMQ queue to use (coordinator and workers must agree)')
    .argParser(parseQueueName)
    .default(DEFAULT_QUEUE_NAME);
}
