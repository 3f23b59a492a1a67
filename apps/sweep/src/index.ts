// @fnn/sweep: the whole public surface (the CLI is dist/cli.js).
export { ConfigError, InterruptedError } from './errors.js';
export {
  defaultRuns,
  validateRunConfig,
  describeArchitecture,
  DEFAULT_RUN_IDS,
  DEFAULT_SEED,
  LESSON_VAL_ACCURACY,
  HIDDEN_ACTIVATIONS,
  OPTIMIZERS,
  type RunConfig,
  type HiddenActivation,
  type OptimizerName,
  type ModelApi,
} from './run-config.js';
export { expandGrid, loadGrid, MAX_GRID_RUNS, type GridSpec } from './grid.js';
export { countParams, estimateCost, longestFirst, planSlots, type SlotPlan, type SlotRequest } from './schedule.js';
export type {
  RunExecutor,
  RunContext,
  RunResult,
  RunProgress,
  RunStatus,
  EpochHistory,
  FinalMetrics,
} from './executor.js';
export { LocalExecutor, type LocalExecutorOptions } from './local-executor.js';
export { InProcessEngine, TrainerEngine } from './engines.js';
export { runTask, evaluate, type FitEngine, type FitHooks, type FitRequest, type EpochLogs } from './run-task.js';
export { buildModel, buildCompiledModel, MNIST_SHAPE, type ModelShape } from './build-model.js';
export { loadSweepData, type SweepData, type SweepDataOptions } from './sweep-data.js';
export { costSettings } from './sweep-setup.js';
export { runSweep, placeholder, type SweepRequest, type SweepOutcome } from './sweep.js';
export {
  ResultsStore,
  RESULTS_SCHEMA_VERSION,
  type SweepPlan,
  type SweepMeta,
  type ResultsFile,
} from './results-store.js';
export { writeFileAtomic, writeJsonAtomic } from './atomic-write.js';
export { readCheckpoint, writeCheckpoint, type Checkpoint } from './checkpoint.js';
export {
  compare,
  findWinner,
  winnerLine,
  formatTable,
  lessonCheck,
  stat,
  type ComparisonRow,
  type Winner,
  type Stat,
} from './comparison.js';
export { resultsToCsv, historyToCsv, CSV_HEADER, HISTORY_CSV_HEADER } from './csv.js';
export { renderReport, REPORT_DATA_ID, type ReportOptions } from './report/render-report.js';
export { reportData, type ReportData } from './report/report-data.js';
export { CURVE_METRICS } from './report/curves.js';
export { collectEnvironment, type SweepEnvironment } from './environment.js';
export { PlainProgress, TerminalProgress, type ProgressDisplay } from './progress.js';
export { parseSettings, createProgram, withRepeats, type SweepSettings } from './options.js';
export {
  AshaScheduler,
  rungsFor,
  describeDecision,
  ASHA_METRICS,
  type AshaSettings,
  type AshaMetric,
  type AshaMode,
  type RungDecision,
} from './search/asha.js';
export { parseSpace, loadSpace, spaceToGrid, SPACE_FIELDS, type SearchSpace, type Domain } from './search/space.js';
export { sampleTrials, describeTrial } from './search/sample.js';
export { restoreAshaScheduler, saveAshaState, type SearchPlan, type SearchRecord } from './search/search-plan.js';
export { ashaSummary } from './search/summary.js';
export { ashaStartOrder } from './search/search-options.js';
export { isSettled } from './executor.js';
export { folderCheckpoints, type CheckpointStore } from './checkpoint-store.js';
export { QueueExecutor, type QueueExecutorOptions } from './queue/queue-executor.js';
export { QueueWorker, type QueueWorkerOptions } from './queue/queue-worker.js';
export { connectCoordinator, type CoordinatorRequest } from './queue/coordinator.js';
export { parseRedisAddress, type RedisAddress } from './queue/redis-address.js';
export { checkRedis, connectionOptions, type RedisServerInfo } from './queue/redis-check.js';
export { RedisCheckpointStore, checkpointKeys } from './queue/redis-checkpoints.js';
export { dataFingerprint } from './queue/data-fingerprint.js';
export { decodeRunJob, jobIdFor, sweepIdFor, RUN_JOB_NAME, type RunJob, type JobData } from './queue/run-job.js';
