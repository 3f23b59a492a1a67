// @fnn/data's bench (cold MNIST load, batch gathering throughput) lives with its package; run it
// here too so `pnpm bench` prints every table.
await import('../packages/data/bench/data.bench.mjs');
