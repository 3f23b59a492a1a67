import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { SseHub } from './sse-hub.js';

/** The part of a ServerResponse the hub uses, recording what it is sent. */
function fakeResponse(queued = 0) {
  const response = {
    status: 0,
    written: '',
    destroyed: false,
    writableEnded: false,
    writableLength: queued,
    writeHead(status: number) {
      response.status = status;
      return response;
    },
    write(text: string) {
      response.written += text;
      return true;
    },
    end(text?: string, done?: () => void) {
      response.written += text ?? '';
      response.writableEnded = true;
      done?.();
      return response;
    },
    on() {
      return response;
    },
    destroy() {
      response.destroyed = true;
    },
  };
  return response;
}
const asResponse = (r: ReturnType<typeof fakeResponse>) => r as unknown as ServerResponse;

describe('SseHub', () => {
  it('frames events (a line break in the data starts a new data field) and sends the current state on connect', async () => {
    const hub = new SseHub(() => ({ event: 'results', data: '{"a":1}' }));
    const client = fakeResponse();
    hub.add(asResponse(client));
    expect(client.status).toBe(200);
    expect(client.written).toBe('retry: 2000\n\nevent: results\ndata: {"a":1}\n\n');
    hub.publish(() => ({ event: 'note', data: 'one\ntwo\r\nthree' }));
    expect(client.written.endsWith('event: note\ndata: one\ndata: two\ndata: three\n\n')).toBe(true);
    await hub.close([{ event: 'end', data: '{}' }]);
    expect(client.written.endsWith('event: end\ndata: {}\n\n')).toBe(true);
    expect(client.writableEnded).toBe(true);
    const late = fakeResponse();
    hub.add(asResponse(late));
    expect(late.status).toBe(503);
  });

  it('drops a client that has fallen 8 MB behind instead of buffering more for it', async () => {
    const hub = new SseHub(() => ({ event: 'results', data: '{}' }));
    const slow = fakeResponse(8 * 1024 * 1024 + 1);
    const fast = fakeResponse();
    hub.add(asResponse(slow));
    hub.add(asResponse(fast));
    expect(slow.destroyed).toBe(true);
    hub.publish(() => ({ event: 'results', data: '{"b":2}' }));
    expect(slow.written).toBe('');
    expect(fast.written).toContain('{"b":2}');
    await hub.close();
  });

  it('lets at most maxClients in', async () => {
    const hub = new SseHub(() => ({ event: 'results', data: '{}' }), 2);
    const clients = [fakeResponse(), fakeResponse(), fakeResponse()];
    for (const c of clients) hub.add(asResponse(c));
    expect(clients.map((c) => c.status)).toEqual([200, 200, 503]);
    await hub.close();
  });
});
