import type { RedisOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { ConfigError, errorMessage } from '../errors.js';
import type { RedisAddress } from './redis-address.js';

/** BullMQ's scripts need Redis 6.2 or newer. */
const MIN_VERSION = [6, 2] as const;

/**
 * How long the probe waits for a Redis to answer. A Redis answers INFO in milliseconds (a TLS
 * handshake across the world in well under one second); the rest of the 10 s promised is margin
 * for starting up and exiting on a loaded machine.
 */
const CHECK_TIMEOUT_MS = 6000;

/**
 * ioredis options for long-lived connections (BullMQ's workers, queues and events): commands
 * wait while the connection is re-established (`maxRetriesPerRequest: null`), as BullMQ requires,
 * so a restarting Redis pauses the sweep instead of failing it.
 */
export function connectionOptions(address: RedisAddress): RedisOptions {
  return {
    host: address.host,
    port: address.port,
    db: address.db,
    ...(address.username ? { username: address.username } : {}),
    ...(address.password !== undefined ? { password: address.password } : {}),
    ...(address.tls ? { tls: address.tls } : {}),
    maxRetriesPerRequest: null,
  };
}

export interface RedisServerInfo {
  version: string;
  /** A warning to print (e.g. an eviction policy that may drop jobs), or null. */
  warning: string | null;
}

/**
 * Connects once and asks the server who it is, failing within `timeoutMs` with an error that
 * says what went wrong: unreachable, wrong or missing password, not a Redis, too old. Long-lived
 * connections retry forever, so this check is what turns a wrong address into an error rather
 * than a hang.
 */
export async function checkRedis(address: RedisAddress, timeoutMs = CHECK_TIMEOUT_MS): Promise<RedisServerInfo> {
  const client = new Redis({
    ...connectionOptions(address),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    // Closing a connection the other side never answers: ioredis waits 2 s by default, which
    // kept the process from exiting that long after the error.
    disconnectTimeout: 100,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: true,
    retryStrategy: () => null,
  });
  let lastError: unknown = null;
  client.on('error', (error) => (lastError = error));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    const info = await Promise.race([
      (async () => {
        await client.connect();
        const server = await client.info('server');
        let policy: string | null = null;
        try {
          const reply = (await client.call('CONFIG', 'GET', 'maxmemory-policy')) as string[];
          policy = reply[1] ?? null;
        } catch {
          // Managed Redis services often disable CONFIG: nothing to check then.
        }
        return { server, policy };
      })(),
      deadline,
    ]);
    const version = /redis_version:(\S+)/.exec(info.server)?.[1];
    if (!version)
      throw new ConfigError(`${address.display} answered INFO without a redis_version: not a Redis server?`);
    const [major = 0, minor = 0] = version.split('.').map(Number);
    if (major < MIN_VERSION[0] || (major === MIN_VERSION[0] && minor < MIN_VERSION[1])) {
      throw new ConfigError(
        `${address.display} runs Redis ${version}; the queue (BullMQ) needs Redis ${MIN_VERSION.join('.')} or newer.`,
      );
    }
    const warning =
      info.policy !== null && info.policy !== 'noeviction'
        ? `Redis at ${address.display} has maxmemory-policy ${info.policy}: it may evict queued jobs under memory pressure; set it to noeviction.`
        : null;
    return { version, warning };
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(explain(address, lastError ?? error, timeoutMs));
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

/** Node's codes for a server certificate that does not verify (a CA it does not know, another host's name). */
const TLS_TRUST_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** One sentence for what a failed connection attempt means. */
function explain(address: RedisAddress, error: unknown, timeoutMs: number): string {
  const text = errorMessage(error);
  const code = (error as { code?: string })?.code ?? '';
  const where = `Redis at ${address.display}`;
  if (/WRONGPASS|invalid password|invalid username-password/i.test(text))
    return `${where} refused the password (${text.trim()}).`;
  if (/NOAUTH|Authentication required/i.test(text))
    return `${where} requires a password: give it as redis://:<password>@${address.host}:${address.port}.`;
  if (TLS_TRUST_CODES.has(code) || /certificate/i.test(text)) {
    return (
      `${where} presented a TLS certificate this machine does not trust (${text}): give the CA that signed it ` +
      'with --queue-ca <file.pem> (or in NODE_EXTRA_CA_CERTS), and the host name or IP address the certificate names.'
    );
  }
  if (/wrong version number|packet length too long|EPROTO/i.test(text) || code === 'EPROTO') {
    return `${where}: the TLS handshake failed (${text}): is the server listening with TLS on that port (rediss://), or without (redis://)?`;
  }
  if (code === 'ECONNRESET' && !address.tls)
    return `${where} reset the connection (${text}): if it serves TLS, use rediss:// instead of redis://.`;
  if (code === 'ECONNREFUSED') return `cannot reach ${where}: connection refused (is redis-server running there?).`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `cannot reach ${where}: unknown host ${address.host}.`;
  if (/Protocol error|unexpected|parse/i.test(text)) return `${where} did not answer like a Redis server (${text}).`;
  if (/timed out|ETIMEDOUT|Command timed out/i.test(text) || code === 'ETIMEDOUT')
    return `no answer from ${where} within ${timeoutMs / 1000} s: the host is unreachable, or the server there is not a Redis.`;
  return `cannot use ${where}: ${text}.`;
}
