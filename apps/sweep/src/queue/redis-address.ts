import { isIP } from 'node:net';
import { ConfigError, describe } from '../errors.js';

/** Where a Redis server is, as ioredis takes it, plus the address to print (password masked). */
export interface RedisAddress {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  /**
   * Set for `rediss://`: TLS, checking the server's certificate against `host` (SNI names only
   * a host name, never an IP address), with Node's trusted CAs (NODE_EXTRA_CA_CERTS included)
   * or only `ca` (PEM, from --queue-ca).
   */
  tls?: { servername?: string; ca?: string };
  /** `redis://:***@host:6379/0`: safe to print and to write into files. */
  display: string;
}

/**
 * Parses `redis://[[user]:password@]host[:port][/db]` or `rediss://…` (TLS), as `--queue` takes it.
 * The error names the option and shows the value with its password masked.
 */
export function parseRedisAddress(value: string, option = '--queue'): RedisAddress {
  const fail = (why: string): never => {
    throw new ConfigError(
      `${option}: expected redis://[:password@]host[:port][/db] (or rediss:// for TLS), but got ${describe(mask(value))}: ${why}.`,
    );
  };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail('not a URL');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') fail(`the scheme is ${describe(url.protocol)}`);
  if (url.hostname === '') fail('no host');
  if (url.search !== '' || url.hash !== '') fail('query strings and fragments are not supported');
  const port = url.port === '' ? 6379 : Number(url.port);
  const dbText = url.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d{1,5}$/.test(dbText)) fail(`the database ${describe(dbText)} is not a number`);
  const db = dbText === '' ? 0 : Number(dbText);
  const username = url.username ? decodeURIComponent(url.username) : undefined;
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    host,
    port,
    db,
    ...(username ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(url.protocol === 'rediss:' ? { tls: isIP(host) ? {} : { servername: host } } : {}),
    display: `${url.protocol}//${credentials(username, password)}${url.hostname}:${port}/${db}`,
  };
}

function credentials(username: string | undefined, password: string | undefined): string {
  if (password !== undefined) return `${username ?? ''}:***@`;
  return username ? `${username}@` : '';
}

/** The text with the password of every URL in it replaced by `***` (for messages that quote an address). */
export function mask(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:@/\s'"[\]]*):[^@/\s'"[\]]*@/gi, '$1:***@');
}
