import type { ServerResponse } from 'node:http';

/** Browsers (tabs) watching at once; more get 503 rather than each costing a copy of every update. */
export const MAX_SSE_CLIENTS = 16;
/** A client this far behind (bytes queued) is too slow to follow; it is dropped, not buffered for. */
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;
/** A comment line this often keeps proxies and idle timeouts from closing a quiet stream. */
const HEARTBEAT_MS = 15_000;
/** How long a browser waits before it reconnects after a lost connection. */
const RETRY_MS = 2_000;

/** One server-sent event: a name and its data (JSON, so one line). */
export interface SseEvent {
  event: string;
  data: string;
}

function frame({ event, data }: SseEvent): string {
  // SSE ends a data field at a line break: each line of the data goes in a field of its own.
  return `event: ${event}\n${data
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}\n`)
    .join('')}\n`;
}

/**
 * The open `/events` streams: every client gets the current state when it connects and each
 * update after; at most `maxClients` at once.
 */
export class SseHub {
  private readonly clients = new Set<ServerResponse>();
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;

  constructor(
    /** The state a client gets on connecting (called then, so it is always current). */
    private readonly current: () => SseEvent,
    private readonly maxClients = MAX_SSE_CLIENTS,
  ) {
    this.heartbeat = setInterval(() => this.write(': keep-alive\n\n'), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Takes over a GET /events response: the stream, or 503 when full or closed. */
  add(response: ServerResponse): void {
    if (this.closed || this.clients.size >= this.maxClients) {
      response.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '10' });
      response.end(`At most ${this.maxClients} pages can watch this sweep at once.\n`);
      return;
    }
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
    });
    this.clients.add(response);
    response.on('close', () => this.clients.delete(response));
    this.send(response, `retry: ${RETRY_MS}\n\n${frame(this.current())}`);
  }

  /** Sends an event to every client (built only when someone is watching). */
  publish(event: () => SseEvent): void {
    if (this.clients.size > 0) this.write(frame(event()));
  }

  /**
   * Sends `last` (e.g. the final state and "the sweep ended") and ends every stream; resolves
   * when they are flushed (at most `flushMs`: a stalled client does not hold up the exit).
   * Later clients get 503.
   */
  close(last: readonly SseEvent[] = [], flushMs = 1000): Promise<void> {
    this.closed = true;
    clearInterval(this.heartbeat);
    const text = last.map(frame).join('');
    const flushed = [...this.clients].map(
      (response) => new Promise<void>((resolve) => response.end(text, () => resolve())),
    );
    this.clients.clear();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, flushMs);
      timer.unref();
    });
    return Promise.race([Promise.all(flushed).then(() => {}), timeout]).finally(() => clearTimeout(timer));
  }

  private write(text: string): void {
    for (const response of this.clients) this.send(response, text);
  }

  private send(response: ServerResponse, text: string): void {
    // Gone (its 'close' is on its way): nothing to write to.
    if (response.destroyed || response.writableEnded) return;
    if (response.writableLength > MAX_QUEUED_BYTES) {
      this.clients.delete(response);
      response.destroy();
      return;
    }
    response.write(text);
  }
}
