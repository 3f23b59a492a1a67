import type { RunResult } from '../executor.js';

/** The winner's test-set confusion matrix: counts[actual][predicted]. */
export interface ConfusionData {
  run: string;
  labels: string[];
  cells: { actual: string; predicted: string; count: number; share: number }[];
  total: number;
}

/** From the first finished run of the winning configuration that recorded one (null otherwise). */
export function confusionData(runs: RunResult[], winnerConfig: string | null): ConfusionData | null {
  const run = runs.find((r) => r.configId === winnerConfig && r.status === 'finished' && r.testConfusion);
  const counts = run?.testConfusion;
  // Checked here too: a queue worker's result reaches results.json without a run file's checks.
  if (!run || !counts || !isSquareCounts(counts)) return null;
  const labels = counts.map((_, i) => String(i));
  const cells = counts.flatMap((row, actual) => {
    const rowTotal = row.reduce((a, b) => a + b, 0);
    return row.map((count, predicted) => ({
      actual: labels[actual]!,
      predicted: labels[predicted]!,
      count,
      share: rowTotal > 0 ? count / rowTotal : 0,
    }));
  });
  return { run: run.id, labels, cells, total: cells.reduce((a, c) => a + c.count, 0) };
}

function isSquareCounts(counts: unknown): counts is number[][] {
  return (
    Array.isArray(counts) &&
    counts.every(
      (row) =>
        Array.isArray(row) &&
        row.length === counts.length &&
        row.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0),
    )
  );
}
