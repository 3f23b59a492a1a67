/**
 * HTML that is safe by construction: the only ways to make a SafeHtml are the `html` tagged
 * template, whose literal parts are the author's markup and whose every interpolated value is
 * escaped (unless it is SafeHtml itself), `inlineScript` for code this program ships and
 * `jsonScript` for data. A string can therefore not reach the page unescaped.
 */
export class SafeHtml {
  readonly #markup: string;

  /** Not callable from outside this module: the token is not exported. */
  constructor(token: symbol, markup: string) {
    if (token !== TOKEN) throw new TypeError('SafeHtml is made by html`...`, inlineScript() or jsonScript() only.');
    this.#markup = markup;
  }

  toString(): string {
    return this.#markup;
  }
}

const TOKEN = Symbol('SafeHtml');
const safe = (markup: string) => new SafeHtml(TOKEN, markup);

/** What a template may interpolate: text and numbers are escaped, lists are concatenated. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

/** html`<p>${text}</p>`: the literal parts are kept, every value is escaped. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  if (!Array.isArray(strings.raw)) throw new TypeError('html must be used as a tagged template.');
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return safe(out);
}

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.toString();
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/** Where inline code comes from, named so every use is visible in review. */
export type ScriptSource = 'report-client' | 'vendored-library' | 'live-update';

/**
 * A classic `<script>` element around code this program ships (its page script, or a vendored
 * library read from node_modules). `<script`, `</script` and `<!--` in the code are written with
 * `\x3C` for `<`, which means the same inside JavaScript strings, templates and regular
 * expressions, so nothing in the code can end the element or change how the HTML parser reads it.
 */
export function inlineScript(code: string, source: ScriptSource): SafeHtml {
  void source;
  return safe(`<script>${code.replace(/<(\/?script|!--)/gi, '\\x3C$1')}</script>`);
}

/**
 * Data for a page's script, as `<script type="application/json" id="…">`: read with
 * JSON.parse(element.textContent). `<`, `>`, `&` and the JavaScript line separators are written as
 * \u escapes, so no value (a run id, an error message) can close the element.
 */
export function jsonScript(id: string, value: unknown): SafeHtml {
  const json = (JSON.stringify(value) ?? 'null').replace(
    /[<>&\u2028\u2029]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return safe(`<script type="application/json" id="${escapeHtml(id)}">${json}</script>`);
}

/** Escapes text for an element's content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );
}
