import type { ResultsFile } from '../results-store.js';

/** The reproducibility table: what results.json recorded, in words; older results files have less. */
export function environmentRows(sweep: ResultsFile['sweep']): [string, string][] {
  const env = sweep.environment;
  const rows: [string, string | null | undefined][] = [
    ['command', env?.command],
    ['git commit', env ? (env.gitCommit ?? 'not in a git repository') : undefined],
    ['@fnn/sweep', env?.packageVersion],
    ['Node.js', env?.node],
    ['OS', env?.os],
    ['CPU', env?.cpu],
    ['backend', env?.backend ?? sweep.backend],
    ['seeds', env?.seeds.join(', ')],
    ['data', sweep.data],
    ['data fingerprint (SHA-256)', env?.dataFingerprint],
    ['started', sweep.startedAt],
    ['finished', sweep.finishedAt],
  ];
  return rows.filter((r): r is [string, string] => typeof r[1] === 'string' && r[1] !== '');
}
