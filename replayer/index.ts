/**
 * replayer/: reading traces (trace-file), formatting events, state reconstruction, cursor, query,
 * check, diff, verify/rerun, export, bugreport. The TUI and the CLI import only this file, or
 * read.ts (its reading half, everything here without the model) where that is all they need.
 */
export * from './read.js';
export {
  diffTraces, diffReport, decisionLine, DEFAULT_WINDOW_NS,
  type TraceDiff, type Difference, type ReasonDifference, type HunkRow, type ReasonReport, type DiffInput, type DiffOptions, type DiffReport, type ReportOptions, type HeaderDifference,
  type DecisionLine, type DivergenceSide, type FirstDivergence, type HunkReport, type MetricsDelta, type Metrics,
} from './diff/diff.js';
export { renderDiffText, consequencesTable, formatTable, type TextTable } from './diff/render.js';
export { DiffNavigator, type HunkPosition, type DiffSide } from './diff/navigator.js';
export { alignSequences, type Hunk, type Alignment } from './diff/myers.js';
export { explainDecision, explainSchedDecision, ruleSentence, RULE_SENTENCES } from './explain.js';
export { checkTrace, formatCheckReport, checkReportToJson, isClean } from './check/check.js';
export { runChecks, type CheckReport, type CheckRule, type CheckOptions, type Violation, type RuleSummary, type Severity } from './check/engine.js';
export { CHECK_RULES } from './check/rules.js';
export { exportTrace, isExportFormat, looksLikeExport, traceMetadata, EXPORT_FORMATS, type ExportFormat, type ExportOptions } from './export/export.js';
export { buildTimeline, type TimelineSink, type TrackDecl, type TimelineOptions } from './export/timeline.js';
// JSON lines written as bytes (`events --json` loads them when asked: read.ts stays light)
export { JsonBytes } from './export/json-bytes.js';
export { JsonBodies, writeEventLine } from './export/jsonl.js';
export { verifyTrace, normalizeEventInit, type VerifyResult, type VerifyOptions } from './verify.js';
export { configFromHeader, modelVersionNote, RerunError, type RerunOverrides } from './rerun.js';
export { buildBugReport, trimToFit, BUNDLE_TRACE, BUNDLE_SCENARIO, type BugReport, type BugReportOptions } from './bugreport.js';
export { asciiTimeline, type AsciiTimelineOptions } from './ascii-timeline.js';
export { traceConsequences } from './diff/extract.js';
export { ConsequenceCollector, METRIC_DEFS, METRIC_NAMES, type ConsequenceSet, type AppPlan, type MetricsOptions } from './metrics/metrics.js';
export { DEVICE_METRIC_DEFS, DEVICE_METRIC_NAMES, type DeviceMetrics } from './metrics/devices.js';
export { GroupIdentities, LabelInterner } from './diff/identity.js';
export { planOfScenario, metricsOptionsOf } from './metrics/plan.js';
export { MetricsSink } from './metrics/sink.js';
export { SCHED_RULE_SENTENCES, TICK_TRIGGER_SENTENCES, CHECK_RULE_TEXT, type CheckRuleId, type CheckRuleText } from './rule-text.js';
