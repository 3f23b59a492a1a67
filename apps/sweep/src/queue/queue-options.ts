import { InvalidArgumentError, Option } from 'commander';
import { readBoundedFile } from '../bounded-read.js';
import { ConfigError, describe } from '../errors.js';
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

/** A CA file holds a certificate or a few (a chain): a megabyte is far more than any. */
export const MAX_CA_BYTES = 1024 * 1024;

export interface QueueCa {
  path: string;
  pem: string;
}

/** Reads --queue-ca: a regular file of at most MAX_CA_BYTES holding PEM certificates. */
export function readQueueCa(path: string): QueueCa {
  let text: string;
  try {
    text = readBoundedFile(path, MAX_CA_BYTES).toString('utf8');
  } catch (error) {
    throw new InvalidArgumentError(`${(error as Error).message}.`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new InvalidArgumentError(
      'expected a file of PEM certificates (-----BEGIN CERTIFICATE-----), but it has none.',
    );
  }
  return { path, pem: text };
}

/** `--queue-ca`: the CA that signed a rediss:// server's certificate, when Node's own CAs do not include it. */
export function queueCaOption(): Option {
  return new Option(
    '--queue-ca <file.pem>',
    "rediss:// only: trust the server's certificate if this CA (PEM) signed it, instead of Node's trusted CAs (which NODE_EXTRA_CA_CERTS extends)",
  ).argParser(readQueueCa);
}

/** The address with --queue-ca's certificates; the CA is refused for a plain redis:// address (it would be ignored). */
export function withQueueCa(address: RedisAddress, ca: QueueCa | undefined): RedisAddress {
  if (!ca) return address;
  if (!address.tls) {
    throw new ConfigError(
      `--queue-ca ${ca.path}: a CA is for TLS, but --queue ${address.display} is not a rediss:// address.`,
    );
  }
  return { ...address, tls: { ...address.tls, ca: ca.pem } };
}
