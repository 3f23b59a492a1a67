import { createServer, type RequestListener, type Server } from 'node:http';
import { ConfigError, errorMessage } from '../errors.js';
import type { ServeAddress } from './serve-options.js';

/** Open sockets at once (pages, their event streams, stray clients): a bound, not a tuning knob. */
const MAX_CONNECTIONS = 64;

/** Why listening failed, naming the option and what to do. */
function listenError(error: NodeJS.ErrnoException, { port, host }: ServeAddress): ConfigError {
  switch (error.code) {
    case 'EADDRINUSE':
      return new ConfigError(
        `--serve ${port}: port ${port} on ${host} is already in use; choose another port, or --serve 0 for any free one.`,
      );
    case 'EACCES':
      return new ConfigError(
        `--serve ${port}: not allowed to listen on port ${port} on ${host} (ports below 1024 need privileges); choose a port from 1024, or --serve 0.`,
      );
    case 'EADDRNOTAVAIL':
      return new ConfigError(
        `--host ${host}: this machine has no such address; expected one of its own, 127.0.0.1 or 0.0.0.0.`,
      );
    default:
      return new ConfigError(`--serve ${port} --host ${host}: could not listen: ${errorMessage(error)}`);
  }
}

/** Listens on the address (resolving with the port actually bound, for --serve 0) or rejects with a clear error. */
export async function listen(
  address: ServeAddress,
  listener: RequestListener,
): Promise<{ server: Server; port: number }> {
  // Requests are small GETs: whole request within 10 s (an event stream's response may last hours).
  const server = createServer({ requestTimeout: 10_000, headersTimeout: 10_000, maxHeaderSize: 8192 }, listener);
  server.maxConnections = MAX_CONNECTIONS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(listenError(error, address)));
    server.listen({ port: address.port, host: address.host, exclusive: true }, () => resolve());
  });
  const bound = server.address();
  return { server, port: typeof bound === 'object' && bound ? bound.port : address.port };
}

/** Stops listening and closes every connection, idle or streaming: an open browser must not keep the process alive. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
