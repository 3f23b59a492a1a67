import { ValueError, describeValue } from './errors.js';

/** A shape whose leading (batch) dimension, and possibly others, may be unknown (`null`). */
export type Shape = (number | null)[];

/** Keras's notation: `(None, 10)`, `(None, 28, 28, 1)`. */
export function formatShape(shape: Shape): string {
  const parts = shape.map((d) => (d === null ? 'None' : String(d)));
  return parts.length === 1 ? `(${parts[0]},)` : `(${parts.join(', ')})`;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Product of the known dimensions after the batch axis; throws if one is unknown. */
export function featureSize(shape: Shape, what: string): number {
  let size = 1;
  for (const d of shape.slice(1)) {
    if (d === null)
      throw new ValueError(
        `${what}: all dimensions after the batch axis must be known, but got ${formatShape(shape)}.`,
      );
    size *= d;
  }
  return size;
}

export function assertPositiveInt(value: unknown, argument: string, owner: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ValueError(`${owner}: expected ${argument} to be a positive integer, but got ${describeValue(value)}.`);
  }
  return value;
}
