import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { errorMessage } from '../errors.js';
import { contentSecurityPolicy } from './content-security-policy.js';
import { hostAllowed } from './host-check.js';

/** What the three routes serve; nothing else is reachable (no file is ever read from a request path). */
export interface DashboardRoutes {
  /** The Host header values that name this server (see host-check.ts). */
  allowedHosts: ReadonlySet<string>;
  /** `/`: the report page with the live script, and the hashes of its scripts (for the CSP). */
  page(): Promise<{ html: string; scriptHashes: readonly string[] }>;
  /** `/results.json`: the sweep as the page shows it now. */
  results(): string;
  /** `/events`: takes over the response as a server-sent event stream. */
  events(response: ServerResponse): void;
}

const HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
  'Content-Security-Policy': contentSecurityPolicy([]),
};

function reply(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  response.end(`${text}\n`);
}

/**
 * A read-only server: GET and HEAD of `/`, `/events` and `/results.json` (a query string is
 * ignored), after checking that the Host header names this server (a DNS-rebinding page's
 * does not). Any other method is 405, any other path 404 — `/../etc/passwd` included, as it
 * is compared as text, never resolved.
 */
export function dashboardRequestListener(routes: DashboardRoutes): RequestListener {
  return (request: IncomingMessage, response: ServerResponse) => {
    for (const [name, value] of Object.entries(HEADERS)) response.setHeader(name, value);
    if (!hostAllowed(request.headers.host, routes.allowedHosts)) {
      reply(response, 403, 'This dashboard answers only under the address it listens on.');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      reply(response, 405, 'The dashboard is read-only: GET and HEAD only.', {
        Allow: 'GET, HEAD',
        Connection: 'close',
      });
      return;
    }
    const path = (request.url ?? '').split('?')[0];
    if (path === '/') servePage(routes, response);
    else if (path === '/results.json') {
      response.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
      response.end(routes.results());
    } else if (path === '/events') {
      if (request.method === 'HEAD') {
        response.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8' });
        response.end();
      } else routes.events(response);
    } else reply(response, 404, 'Not found: the dashboard serves /, /events and /results.json only.');
  };
}

function servePage(routes: DashboardRoutes, response: ServerResponse): void {
  routes.page().then(
    ({ html, scriptHashes }) => {
      response.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Security-Policy': contentSecurityPolicy(scriptHashes),
      });
      response.end(html);
    },
    (error: unknown) => reply(response, 500, `The page could not be drawn: ${errorMessage(error)}`),
  );
}
