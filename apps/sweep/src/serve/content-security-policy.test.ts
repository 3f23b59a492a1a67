import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, inlineScriptHashes } from './content-security-policy.js';

const sha = (code: string) => `'sha256-${createHash('sha256').update(code, 'utf8').digest('base64')}'`;

describe('the dashboard page’s Content-Security-Policy', () => {
  it('hashes each script a browser runs, not the JSON data block, each once', () => {
    const page =
      '<script>a()</script><script type="application/json" id="fnn-report-data">{"x":1}</script>' +
      '<SCRIPT defer>b()</SCRIPT ><script>a()</script>';
    expect(inlineScriptHashes(page)).toEqual([sha('a()'), sha('b()')]);
    // The hash of the empty script, as CSP Level 3's examples give it.
    expect(inlineScriptHashes('<script></script>')).toEqual(["'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"]);
  });

  it('allows nothing by default, and no script at all without hashes', () => {
    expect(contentSecurityPolicy([])).toBe(
      "default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(contentSecurityPolicy([sha('a()')])).toContain(`script-src ${sha('a()')} 'unsafe-eval';`);
  });
});
