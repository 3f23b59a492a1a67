import { ValueError } from '../errors.js';

/**
 * How deeply a model file's JSON may nest. tfjs-layers and Keras topologies need about 10 levels
 * (model → config → layers → layer → inbound_nodes → node → call → kwargs); deeper is refused
 * before any recursive code (key conversion, layer configs) can overflow the stack.
 */
export const MAX_JSON_DEPTH = 64;

/** Keys that would reach or replace prototypes when copied into an object; never part of a model. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Where in a JSON value something is: keys and list indexes from the root. */
export type JsonPath = (string | number)[];

export interface JsonProblem {
  path: JsonPath;
  /** What is wrong, to follow the path in a sentence. */
  problem: string;
}

/**
 * The first reason a parsed JSON value is unsafe to walk recursively or to copy key by key:
 * nesting deeper than `maxDepth`, or a `__proto__`/`constructor`/`prototype` key. Iterative, so it
 * cannot overflow the stack itself.
 */
export function findJsonProblem(root: unknown, maxDepth = MAX_JSON_DEPTH): JsonProblem | undefined {
  const stack: { value: unknown; path: JsonPath }[] = [{ value: root, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (path.length >= maxDepth) {
      return { path, problem: `nests deeper than ${maxDepth} levels, the most a model file may nest` };
    }
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: [...path, i] });
      continue;
    }
    const keys = Object.keys(value);
    for (const key of keys) {
      if (FORBIDDEN_KEYS.has(key)) {
        return {
          path: [...path, key],
          problem: `is a key named ${JSON.stringify(key)}, which a model file may not use`,
        };
      }
    }
    for (let i = keys.length - 1; i >= 0; i--) {
      stack.push({ value: (value as Record<string, unknown>)[keys[i]!], path: [...path, keys[i]!] });
    }
  }
  return undefined;
}

/** `['config', 'layers', 1, 'units']` → `config.layers[1].units` (under `root` when given). */
export function formatJsonPath(path: JsonPath, root = ''): string {
  let text = root;
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += /^[A-Za-z_$][\w$]*$/.test(part) ? `${text === '' ? '' : '.'}${part}` : `[${JSON.stringify(part)}]`;
  }
  return text === '' ? '(the top level)' : text;
}

/** Throws a ValueError naming `what` in `source` if `value` has a JsonProblem. */
export function assertSafeJson(value: unknown, source: string, what: string): void {
  const found = findJsonProblem(value);
  if (found) throw new ValueError(`${source}: ${formatJsonPath(found.path, what)} ${found.problem}.`);
}

/**
 * Where JSON text first opens more than `maxDepth` nested objects/lists (a character index), or
 * undefined. A linear scan run before `JSON.parse`, which takes seconds on millions of levels.
 */
export function findDeepNesting(text: string, maxDepth = MAX_JSON_DEPTH): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return i;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return undefined;
}
