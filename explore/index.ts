/**
 * explore/: finding failing schedules and running many. The schedule fuzzer (fuzz.ts) over
 * generated scenarios (generate.ts), the shrinker (shrink.ts), the sweep matrix (sweep.ts), each
 * made of in-process model runs (run.ts) on a local worker-thread pool (piscina) or on BullMQ over
 * Redis (queue.ts). The CLI imports only this file.
 */
export { runOne, configOf, rootKindOf, type RunSpec, type RunResult, type Finding, type AppFigures } from './run.js';
export { generateScenario, docText, durationText, type ScenarioDoc, type AppDoc } from './generate.js';
export {
  runFailure, differentialFailure, reproduces, expectationOf, expectationLine, expectationText, firstResult, DIFF_METRICS,
  type PropertyOptions, type Failure, type Expectation, type Differential, type DiffMetric,
} from './property.js';
export { LocalPool, runOrdered, defaultThreads, type Runner } from './pool.js';
export { QueueRunner, startWorker, parseQueueUrl, QueueUrlError, RunFailedError, DEFAULT_QUEUE_NAME, RUN_ATTEMPTS, type WorkerOptions } from './queue.js';
export { fuzz, replayCase, caseSpecs, caseText, type FuzzOptions, type FuzzOutcome, type FuzzFound, type ReplayOutcome } from './fuzz.js';
export { shrink, candidates, docOf, type ShrinkOptions, type ShrinkOutcome } from './shrink.js';
export {
  sweep, sweepCells, readResults, cellKey, sweepTable, sweepCsv, sweepJsonLines, sweepRow, SWEEP_COLUMNS,
  type SweepOptions, type SweepScenario, type SweepCell, type SweepProgress,
} from './sweep.js';
