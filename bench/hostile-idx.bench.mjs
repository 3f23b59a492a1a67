// @fnn/data's hostile-file bench (time and peak memory to refuse a gzip bomb, headers declaring
// 2^31 items, a device link, a named pipe) lives with its package; run it here too.
await import('../packages/data/bench/hostile-idx.bench.mjs');
