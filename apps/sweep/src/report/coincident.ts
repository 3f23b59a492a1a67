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
 * compared: a grid of a thousand distinct runs costs one pass.
 */
export function coincidentGroups(points: XYPoint[], keys: string[]): CoincidentGroups {
  return { epoch: groupsAlong(points, keys, 'epoch'), fraction: groupsAlong(points, keys, 'fraction') };
}

function groupsAlong(points: XYPoint[], keys: string[], x: 'epoch' | 'fraction'): Record<string, string[][]> {
  const result: Record<string, string[][]> = {};
  for (const metric of new Set(points.map((p) => p.metric))) {
    const mine = points.filter((p) => p.metric === metric);
    const series = new Map<string, Map<number, number>>();
    const buckets = new Map<string, Set<string>>();
    for (const p of mine) {
      if (!series.has(p.key)) series.set(p.key, new Map());
      series.get(p.key)!.set(p[x], p.value);
      const bucket = `${p[x]}|${p.value}`;
      if (!buckets.has(bucket)) buckets.set(bucket, new Set());
      buckets.get(bucket)!.add(p.key);
    }
    const parent = new Map(keys.map((k) => [k, k]));
    const root = (k: string): string => (parent.get(k) === k ? k : root(parent.get(k)!));
    const checked = new Set<string>();
    for (const bucket of buckets.values()) {
      const met = [...bucket];
      for (let i = 0; i < met.length; i++)
        for (let j = i + 1; j < met.length; j++) {
          const pair = `${met[i]}\u0000${met[j]}`;
          if (root(met[i]!) === root(met[j]!) || checked.has(pair)) continue;
          checked.add(pair);
          if (sameWhereShared(series.get(met[i]!)!, series.get(met[j]!)!)) parent.set(root(met[j]!), root(met[i]!));
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
