/**
 * replayer/: reading traces (trace-file), formatting events, state reconstruction, cursor, query,
 * check, diff, verify/rerun, export, bugreport. The TUI and the CLI import only this file.
 */
export * from './trace-file.js';
export * from './format.js';
export {
  diffTraces, diffReport, decisionLine,
  type TraceDiff, type DiffInput, type DiffOptions, type DiffReport, type ReportOptions, type HeaderDifference,
  type DecisionLine, type DivergenceSide, type FirstDivergence, type HunkReport, type MetricsDelta, type Metrics,
} from './diff/diff.js';
export { renderDiffText, consequencesTable, formatTable, type TextTable } from './diff/render.js';
export { DiffNavigator, type HunkPosition, type DiffSide } from './diff/navigator.js';
export { alignSequences, type Hunk, type Alignment } from './diff/myers.js';
export { syntheticEvents, syntheticHeader, type SyntheticOptions } from './diff/synthetic.js';
