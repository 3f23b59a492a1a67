/**
 * How each legend key is told apart even where curves coincide: a colour, a dash pattern and a
 * point shape that cycle at different lengths (7 runs: no two share colour and dash).
 */
export const STYLE_SCRIPT = `
const COLORS = [
  '#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#b79a20', '#b279a2', '#ff9da6', '#9d755d', '#79706e',
  '#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#393b79', '#637939',
];
const DASHES = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3]];
const SHAPES = ['circle', 'square', 'triangle-up', 'diamond', 'cross', 'triangle-down'];
const SHAPE_PATHS = {
  circle: 'M20.5 8a3.5 3.5 0 1 0 7 0a3.5 3.5 0 1 0 -7 0z',
  square: 'M21 5h6v6h-6z',
  'triangle-up': 'M24 4l4 7h-8z',
  diamond: 'M24 3.5l4 4.5l-4 4.5l-4 -4.5z',
  cross: 'M23 4h2v3h3v2h-3v3h-2v-3h-3v-2h3z',
  'triangle-down': 'M20 5h8l-4 7z',
};

/**
 * Earlier keys are drawn wider and with larger points, under the later ones: where curves
 * coincide, the one below still shows as an outline around the one on top.
 */
function keyStyle(index, count) {
  const below = count > 1 ? 1 - index / (count - 1) : 0;
  return {
    color: COLORS[index % COLORS.length],
    dash: DASHES[index % DASHES.length],
    shape: SHAPES[index % SHAPES.length],
    width: 1.5 + 1.5 * below,
    size: 26 + 40 * below,
  };
}

/** A legend swatch: the key's line (colour, dash, width) with its point shape. */
function swatch(index, count) {
  const s = keyStyle(index, count);
  return svgEl(
    'svg',
    { width: 36, height: 16, viewBox: '0 0 36 16', 'aria-hidden': 'true', class: 'swatch' },
    svgEl('line', { x1: 2, y1: 8, x2: 34, y2: 8, stroke: s.color, 'stroke-width': s.width, 'stroke-dasharray': s.dash.join(' ') }),
    svgEl('path', { d: SHAPE_PATHS[s.shape], fill: s.color }),
  );
}

/** A dash length of the pattern coinciding curves share: each shows one dash in turn. */
const TURN_DASH = 7;

/**
 * The style of the j-th of m coinciding curves: its dash at its own place in a pattern of m
 * dashes (a zero-length dash first shifts it: strokeDash has no offset channel), and points
 * from large to small so the one below rings the one above.
 */
function turnStyle({ j, m }, pick) {
  if (pick === 'dash') return j === 0 ? [TURN_DASH, (m - 1) * TURN_DASH] : [0, j * TURN_DASH, TURN_DASH, (m - 1 - j) * TURN_DASH];
  return 24 + (96 * (m - 1 - j)) / (m - 1);
}

// An explicit ordinal scale: left to vega-lite, the widths and sizes of an 'ordinal' channel get a
// linear scale, which with one key has a zero-width domain and draws NaN paths.
function scaleFor(data, pick, turns) {
  const domain = data.curves.keys.map((k) => k.key);
  const range = domain.map((key, i) =>
    turns && turns.has(key) && (pick === 'dash' || pick === 'size') ? turnStyle(turns.get(key), pick) : keyStyle(i, domain.length)[pick],
  );
  return { type: 'ordinal', domain, range };
}
`;
