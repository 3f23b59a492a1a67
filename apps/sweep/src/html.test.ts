import { describe, expect, it } from 'vitest';
import { SafeHtml, html, inlineScript, jsonScript } from './html.js';

// Class 6 of issue 11 (injection): every value that reaches report.html is escaped by construction.
describe('html tagged template', () => {
  it('escapes every interpolated value and keeps the literal markup', () => {
    const evil = `<img src=x onerror="alert('x')">&`;
    expect(html`<p title="${evil}">${evil}</p>`.toString()).toBe(
      '<p title="&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;">&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;</p>',
    );
    expect(html`<b>${42}</b>${null}${undefined}${false}`.toString()).toBe('<b>42</b>');
    // Nested templates and lists stay markup; strings inside lists are still escaped.
    expect(html`<ul>${['<a>', html`<li>${'<b>'}</li>`]}</ul>`.toString()).toBe('<ul>&lt;a&gt;<li>&lt;b&gt;</li></ul>');
  });

  it('cannot be forged: SafeHtml is made only by html``, inlineScript and jsonScript', () => {
    expect(() => new SafeHtml(Symbol('SafeHtml'), '<script>')).toThrow('SafeHtml is made by html`...`');
    // A plain object with the same shape is text, not markup.
    const fake = { toString: () => '<script>' } as unknown as string;
    expect(html`${fake}`.toString()).toBe('&lt;script&gt;');
  });

  it('writes inline code so that nothing in it can end its script element', () => {
    const code = 'const a = "</script><script>alert(1)</script>"; /* <!-- */ const b = /<SCRIPT/;';
    const element = inlineScript(code, 'report-client').toString();
    expect(element.match(/<\/script/gi)).toEqual(['</script']);
    expect(element).toBe(
      '<script>const a = "\\x3C/script>\\x3Cscript>alert(1)\\x3C/script>"; /* \\x3C!-- */ const b = /\\x3CSCRIPT/;</script>',
    );
    // The escape means the same to JavaScript: the string and what the regular expression matches are unchanged.
    const body = element.slice('<script>'.length, -'</script>'.length);
    const run = (src: string) =>
      new Function(`${src}; return [a, b.test('<SCRIPT'), b.test('xSCRIPT')];`)() as unknown[];
    expect(run(body)).toEqual(run(code));
    expect(run(body)).toEqual(['</script><script>alert(1)</script>', true, false]);
  });

  it('writes data as JSON that no value can end, and that parses back to the same value', () => {
    const value = { id: '</script><img src=x onerror=alert(1)>', note: 'a & b \u2028 <!--', n: [1, 2.5] };
    const element = jsonScript('fnn-data', value).toString();
    const inner = element.match(/^<script type="application\/json" id="fnn-data">(.*)<\/script>$/s)![1]!;
    expect(inner).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(inner)).toEqual(value);
  });
});
