import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/** 127.0.0.0/8, ::1 and localhost: reachable from this machine only. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host) || /^::ffff:127\./i.test(host);
}

/** 0.0.0.0 and :: listen on every interface. */
export function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

/** The host as a URL writes it: an IPv6 address in brackets. */
export function urlHost(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

/**
 * The Host header values a browser sends to this server: the address it listens on with its
 * port, `localhost` for a loopback address, and every interface's address for a wildcard. A
 * DNS-rebinding page reaches the server under its own domain name, which is not among them.
 */
export function allowedHosts(host: string, port: number): Set<string> {
  const names = [host];
  if (isLoopback(host) || isWildcard(host)) names.push('localhost', '127.0.0.1', '::1');
  if (isWildcard(host)) {
    for (const addresses of Object.values(networkInterfaces())) for (const a of addresses ?? []) names.push(a.address);
  }
  const allowed = new Set<string>();
  for (const name of names) {
    allowed.add(`${urlHost(name)}:${port}`.toLowerCase());
    // A browser leaves the default port out of the Host header.
    if (port === 80) allowed.add(urlHost(name).toLowerCase());
  }
  return allowed;
}

/** Whether a request's Host header names this server (a missing header does not). */
export function hostAllowed(header: string | undefined, allowed: ReadonlySet<string>): boolean {
  return header !== undefined && allowed.has(header.toLowerCase());
}
