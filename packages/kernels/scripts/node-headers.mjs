// Where Node's C headers for this Node are on disk. node-gyp downloads them when it finds none,
// and nothing may be downloaded during an install, so both build scripts look for them first.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** A directory holding include/node/node_api.h for this Node, or null. */
export function findNodeDir() {
  const candidates = [
    process.env.npm_config_nodedir,
    dirname(dirname(process.execPath)),
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'node-gyp', process.versions.node),
  ];
  return candidates.find((dir) => dir && existsSync(join(dir, 'include', 'node', 'node_api.h'))) ?? null;
}
