/**
 * HTML that is safe by construction: the only ways to make a SafeHtml are the `html` tagged
 * template, whose literal parts are the author's markup and whose every interpolated value is
 * escaped (unless it is SafeHtml itself), and `trustedMarkup` for the output of a renderer we
 * run ourselves (vega's SVG). A string can therefore not reach the page unescaped.
 */
export class SafeHtml {
  readonly #markup: string;

  /** Not callable from outside this module: the token is not exported. */
  constructor(token: symbol, markup: string) {
    if (token !== TOKEN) throw new TypeError('SafeHtml is made by html`...` or trustedMarkup() only.');
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

/**
 * Markup from a renderer this program runs on data it passes as data (vega renders run ids as
 * SVG text nodes and escapes them itself), named so every such use is visible in review.
 */
export function trustedMarkup(markup: string, source: 'vega-svg'): SafeHtml {
  void source;
  return safe(markup);
}

/** Escapes text for an element's content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );
}
