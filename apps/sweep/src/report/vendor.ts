import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { inlineScript, type SafeHtml } from '../html.js';

/** The browser (UMD) builds the report inlines, in load order: vega-embed needs the other two. */
const BUNDLES = [
  { pkg: 'vega', file: 'vega.min.js' },
  { pkg: 'vega-lite', file: 'vega-lite.min.js' },
  { pkg: 'vega-embed', file: 'vega-embed.min.js' },
] as const;
/** Far above the real builds (about 0.5 MB, 0.25 MB, 0.1 MB): a larger file is not one of them. */
const MAX_BUNDLE_BYTES = 4 << 20;

let cached: SafeHtml[] | null = null;

/**
 * vega, vega-lite and vega-embed as inline scripts, read once from node_modules (each package's
 * build/ folder, next to the entry its "exports" resolves to), so the page draws offline.
 */
export function vendoredScripts(): SafeHtml[] {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  cached = BUNDLES.map(({ pkg, file }) => {
    const path = join(dirname(require.resolve(pkg)), file);
    const bytes = statSync(path).size;
    if (bytes > MAX_BUNDLE_BYTES) {
      throw new Error(`${path}: ${bytes} bytes; expected ${pkg}'s browser build of at most ${MAX_BUNDLE_BYTES} bytes.`);
    }
    return inlineScript(readFileSync(path, 'utf8'), 'vendored-library');
  });
  return cached;
}
