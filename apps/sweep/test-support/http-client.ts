import { request } from 'node:http';

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One raw HTTP request: the path goes out exactly as given (no `..` resolution, unlike fetch)
 * and the Host header is the one given (or the server's own address).
 */
export function httpRequest(
  port: number,
  options: { path?: string; method?: string; host?: string; address?: string } = {},
): Promise<HttpReply> {
  const address = options.address ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: address,
        port,
        method: options.method ?? 'GET',
        // A connection of its own: a pooled one could be one the server has just closed.
        agent: false,
        path: options.path ?? '/',
        setHost: false,
        headers: { Host: options.host ?? `${address}:${port}` },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** A server-sent event stream read by a plain HTTP client: the events so far, and a way to wait for more. */
export class EventStream {
  readonly events: { event: string; data: string }[] = [];
  status = 0;
  ended = false;
  private buffer = '';
  private readonly waiters = new Set<() => void>();
  private readonly req;

  constructor(port: number, path = '/events') {
    this.req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      this.status = res.statusCode ?? 0;
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        this.buffer += d;
        let cut = this.buffer.indexOf('\n\n');
        while (cut >= 0) {
          this.parse(this.buffer.slice(0, cut));
          this.buffer = this.buffer.slice(cut + 2);
          cut = this.buffer.indexOf('\n\n');
        }
        this.notify();
      });
      res.on('end', () => {
        this.ended = true;
        this.notify();
      });
    });
    this.req.on('error', () => {
      this.ended = true;
      this.notify();
    });
    this.req.end();
  }

  /** Resolves once `ready()` holds (checked after every chunk); rejects after `timeoutMs`. */
  until(ready: () => boolean, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!ready()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`the condition did not hold within ${timeoutMs} ms; events: ${JSON.stringify(this.events)}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  close(): void {
    this.req.destroy();
  }

  private parse(block: string): void {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length > 0) this.events.push({ event, data: data.join('\n') });
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
