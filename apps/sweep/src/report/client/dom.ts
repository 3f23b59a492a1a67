/**
 * The page script's DOM helpers (plain browser JavaScript, inlined into report.html). Every value
 * from the report data reaches the page as a text node or an attribute value set with
 * setAttribute: the script never parses data as markup.
 */
export const DOM_SCRIPT = `
const SVG_NS = 'http://www.w3.org/2000/svg';

function setAttrs(node, attrs) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value === true ? '' : String(value));
  }
  return node;
}

function appendAll(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function el(tag, attrs, ...children) {
  return appendAll(setAttrs(document.createElement(tag), attrs), children);
}

function svgEl(tag, attrs, ...children) {
  return appendAll(setAttrs(document.createElementNS(SVG_NS, tag), attrs), children);
}

function section(title, ...children) {
  return el('section', { class: 'block' }, el('h2', null, title), children);
}

function pct(value) {
  return value === null || value === undefined ? '–' : (value * 100).toFixed(2);
}

function fixed(value, digits) {
  return value === null || value === undefined ? '–' : Number(value).toFixed(digits);
}
`;
