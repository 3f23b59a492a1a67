import { isIP } from 'node:net';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError, describe } from '../errors.js';

/** The port `--serve` listens on when none is given (uncommon, so rarely taken). */
export const DEFAULT_SERVE_PORT = 8765;

/** Where the live dashboard listens: `--serve [port]` on `--host` (loopback unless asked). */
export interface ServeAddress {
  /** 0: any free port (the printed URL names the one chosen). */
  port: number;
  host: string;
}

/** A TCP port: 0 (any free one) to 65535. */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d{1,5}$/.test(value.trim()) || port > 65535) {
    throw new InvalidArgumentError(
      `expected --serve to be a port number in [0, 65535] (0: any free port), but got ${describe(value)}.`,
    );
  }
  return port;
}

/** An IP literal (IPv6 with or without brackets) or `localhost`: names other than these would need DNS. */
export function parseHost(value: string): string {
  const bare = value.replace(/^\[(.*)\]$/, '$1');
  if (bare === 'localhost' || isIP(bare) !== 0) return bare;
  throw new InvalidArgumentError(
    `expected --host to be an IP address (e.g. 127.0.0.1, ::1, 0.0.0.0) or localhost, but got ${describe(value)}.`,
  );
}

/** `--serve [port]`: the option without a value serves on DEFAULT_SERVE_PORT. */
export function serveOption(): Option {
  return new Option(
    '--serve [port]',
    `serve a live report page while the sweep runs, updated as epochs end (default port ${DEFAULT_SERVE_PORT}; 0: any free port)`,
  )
    .argParser(parsePort)
    .preset(String(DEFAULT_SERVE_PORT));
}

export function hostOption(): Option {
  return new Option(
    '--host <addr>',
    'the address --serve listens on (default 127.0.0.1, this machine only; 0.0.0.0 lets anyone who can reach it read the page)',
  ).argParser(parseHost);
}

/** --serve and --host as commander parsed them. */
export interface ServeOptions {
  serve?: number;
  host?: string;
}

/** Adds --serve [port] and --host <addr>. */
export function addServeOptions(program: Command): Command {
  return program.addOption(serveOption()).addOption(hostOption());
}

/** The checked --serve/--host pair, or null without --serve (--host alone is refused). */
export function serveFrom(o: ServeOptions): ServeAddress | null {
  if (o.serve === undefined) {
    if (o.host !== undefined) throw new ConfigError(`--host ${o.host} is where --serve listens; add --serve [port].`);
    return null;
  }
  return { port: o.serve, host: o.host ?? '127.0.0.1' };
}
