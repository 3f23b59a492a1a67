import { createHash } from 'node:crypto';

/** Scripts a browser runs: any type but JSON data (the page's data block is not code). */
const SCRIPT = /<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi;

/** `'sha256-…'` of every inline script of a page that a browser would execute. */
export function inlineScriptHashes(page: string): string[] {
  const hashes = new Set<string>();
  for (const [, attributes, body] of page.matchAll(SCRIPT)) {
    if (/\btype\s*=\s*["']?application\/json/i.test(attributes ?? '')) continue;
    hashes.add(
      `'sha256-${createHash('sha256')
        .update(body ?? '', 'utf8')
        .digest('base64')}'`,
    );
  }
  return [...hashes];
}

/**
 * Nothing but this server and the page's own scripts (by hash, so an injected script would not
 * run): no other origin, no plugins, no forms, no framing. 'unsafe-eval' because vega compiles
 * its expressions and field accessors with `Function` (its browser build has no interpreter);
 * only the page's own scripts can reach it. Inline styles stay allowed (the page and its charts
 * set them; style cannot run code).
 */
export function contentSecurityPolicy(scriptHashes: readonly string[]): string {
  return [
    "default-src 'none'",
    `script-src ${scriptHashes.length > 0 ? `${scriptHashes.join(' ')} 'unsafe-eval'` : "'none'"}`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
