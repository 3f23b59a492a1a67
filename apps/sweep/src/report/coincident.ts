/**
 * Curves that lie on top of each other: same config and seed train the same numbers (`wide` and
 * `functional-wide`; `deep-dropout` and the first 5 epochs of `deep-dropout-50`). The page draws
 * each group's lines in turns (a dash each, at its own place in the pattern), so none hides another.
 */

/** The fields of a curve point this needs (curves.ts's CurvePoint has them). */
export interface XYPoint {
  key: string;
  metric: string;
  epoch: number;
  fraction: number;
  value: number;
}

/** Per x-axis and metric: groups of two or more keys whose curves coincide, keys in legend order. */
export type CoincidentGroups = Record<'epoch' | 'fraction', Record<string, string[][]>>;

/**
 * Two keys coincide when they share an x position and have the same value at every x they
 * share. Points are bucketed by (metric, x, value) first, so only keys meeting in a bucket are
 * compared: a grid of a thousand distinct runs costs one pass. (Coinciding is not transitive
 * where curves overlap in part; a key joins the first group met whose representative it matches.)
 */
export function coincidentGroups(points: XYPoint[], keys: string[]): CoincidentGroups {
  return { epoch: groupsAlong(points, keys, 'epoch'), fraction: groupsAlong(points, keys, 'fraction') };
}

function groupsAlong(points: XYPoint[], keys: string[], x: 'epoch' | 'fraction'): Record<string, string[][]> {
  const result: Record<string, string[][]> = {};
  for (const metric of new Set(points.map((p) => p.metric))) {
    const mine = points.filter((p) => p.metric === metric);
    const series = new Map<string, Map<number, number>>();
    // Buckets by x, then value (numbers as map keys: no number-to-string conversions).
    const byX = new Map<number, Map<number, string[]>>();
    for (const p of mine) {
      if (!series.has(p.key)) series.set(p.key, new Map());
      series.get(p.key)!.set(p[x], p.value);
      if (!byX.has(p[x])) byX.set(p[x], new Map());
      const byValue = byX.get(p[x])!;
      if (!byValue.has(p.value)) byValue.set(p.value, []);
      byValue.get(p.value)!.push(p.key);
    }
    const buckets = [...byX.values()].flatMap((byValue) => [...byValue.values()]).filter((b) => b.length > 1);
    const parent = new Map(keys.map((k) => [k, k]));
    const root = (k: string): string => {
      let r = k;
      while (parent.get(r) !== r) r = parent.get(r)!;
      // Path compression: later look-ups of k's chain take one step.
      for (let c = k; c !== r; ) {
        const next = parent.get(c)!;
        parent.set(c, r);
        c = next;
      }
      return r;
    };
    const checked = new Set<string>();
    for (const bucket of buckets) {
      // Each key meeting here is compared with one key of each group already met here: a bucket
      // where a thousand identical runs meet costs a thousand comparisons, not half a million.
      const met: string[] = [];
      for (const key of bucket) {
        for (const other of met) {
          if (root(other) === root(key)) break;
          const pair = `${other}\u0000${key}`;
          if (checked.has(pair)) continue;
          checked.add(pair);
          if (sameWhereShared(series.get(other)!, series.get(key)!)) {
            parent.set(root(key), root(other));
            break;
          }
        }
        if (!met.some((other) => root(other) === root(key))) met.push(key);
      }
    }
    const groups = new Map<string, string[]>();
    for (const key of keys.filter((k) => series.has(k))) {
      const r = root(key);
      groups.set(r, [...(groups.get(r) ?? []), key]);
    }
    const coinciding = [...groups.values()].filter((g) => g.length > 1);
    if (coinciding.length > 0) result[metric] = coinciding;
  }
  return result;
}

function sameWhereShared(a: Map<number, number>, b: Map<number, number>): boolean {
  for (const [x, value] of a) if (b.has(x) && b.get(x) !== value) return false;
  return true;
}
