// Keras auto-names layers and models by type with a per-type counter starting at 1:
// dense_1, dense_2, input_1, batch_normalization_1, sequential_1.
const counters = new Map<string, number>();

/** `BatchNormalization` -> `batch_normalization`, `Conv2D` -> `conv2d`, `MaxPooling2D` -> `max_pooling2d`. */
export function toSnakeCase(name: string): string {
  return name
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

export function uniqueName(prefix: string): string {
  const next = (counters.get(prefix) ?? 0) + 1;
  counters.set(prefix, next);
  return `${prefix}_${next}`;
}

/** Restarts every counter, like Keras's `clear_session()`: the next Dense is `dense_1` again. */
export function resetNames(): void {
  counters.clear();
}
