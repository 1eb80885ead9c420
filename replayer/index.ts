/**
 * replayer/: reading traces (trace-file), formatting events, state reconstruction, cursor, query,
 * check, diff, verify/rerun, export, bugreport. The TUI and the CLI import only this file.
 */
export * from './trace-file.js';
export * from './format.js';
export { assumptionsOf, formatAssumptions, policyWithFixes, type HeaderAssumption } from './assumptions.js';
export {
  diffTraces, diffReport, decisionLine, DEFAULT_WINDOW_NS,
  type TraceDiff, type Difference, type ReasonDifference, type HunkRow, type ReasonReport, type DiffInput, type DiffOptions, type DiffReport, type ReportOptions, type HeaderDifference,
  type DecisionLine, type DivergenceSide, type FirstDivergence, type HunkReport, type MetricsDelta, type Metrics,
} from './diff/diff.js';
export { renderDiffText, consequencesTable, formatTable, type TextTable } from './diff/render.js';
export { DiffNavigator, type HunkPosition, type DiffSide } from './diff/navigator.js';
export { alignSequences, type Hunk, type Alignment } from './diff/myers.js';
export { Replayer, type ReplayerOptions, type Keyframe, type KeyframeBatch } from './replayer.js';
export type { ReplayState, DeviceState, FwState, FwPending, SlotState, GroupRec, QueueRec, VmRec, BoRec, HeapRec, DmaBufRec, ProcessRec, SchedState, Counters } from './state.js';
export { cloneState, stateToJson } from './state.js';
export { initialState, applyEvent, finalizeState, HANDLERS } from './reducer.js';
export { Cursor, SeekError, resolvePosition, EFFECTS_WINDOW } from './cursor.js';
export { parseFilter, resolveFamily, FilterError, type Filter } from './filter.js';
export { explainDecision, explainSchedDecision, ruleSentence, RULE_SENTENCES } from './explain.js';
export { renderState, formatTables, type StateTable } from './render-state.js';
export { formatBytes, formatBytesShort, formatNsExact } from '../proto/index.js';
export { encodeStateSnapshot, decodeStateSnapshot, SnapshotError, SNAPSHOT_ENCODING_JSON } from './snapshot.js';
export { parseTimeText, formatNs as formatTimeNs, looksLikeTime } from './time-text.js';
export { bitNames as fwBitNames, lookupFwName } from './fw-bits.js';
export { EVENT_FAMILIES, familyOf } from '../proto/index.js';
export { trimTrace, rangeWindow, aroundWindow, shiftStateIndices, TrimError, type TrimWindow, type TrimResult } from './trim.js';
export { checkTrace, formatCheckReport, checkReportToJson, isClean } from './check/check.js';
export { runChecks, type CheckReport, type CheckRule, type CheckOptions, type Violation, type RuleSummary, type Severity } from './check/engine.js';
export { CHECK_RULES } from './check/rules.js';
export { exportTrace, isExportFormat, looksLikeExport, traceMetadata, EXPORT_FORMATS, type ExportFormat, type ExportOptions } from './export/export.js';
export { buildTimeline, type TimelineSink, type TrackDecl, type TimelineOptions } from './export/timeline.js';
export { verifyTrace, normalizeEventInit, type VerifyResult, type VerifyOptions } from './verify.js';
export { configFromHeader, modelVersionNote, RerunError, type RerunOverrides } from './rerun.js';
export { buildBugReport, trimToFit, BUNDLE_TRACE, BUNDLE_SCENARIO, type BugReport, type BugReportOptions } from './bugreport.js';
export { asciiTimeline, type AsciiTimelineOptions } from './ascii-timeline.js';
export { traceConsequences } from './diff/extract.js';
export { ConsequenceCollector, METRIC_DEFS, METRIC_NAMES, type ConsequenceSet, type AppPlan, type MetricsOptions } from './metrics/metrics.js';
export { DEVICE_METRIC_DEFS, DEVICE_METRIC_NAMES, type DeviceMetrics } from './metrics/devices.js';
export { GroupIdentities, LabelInterner } from './diff/identity.js';
export { planOfScenario, metricsOptionsOf } from './metrics/plan.js';
export { UserError, isUserError } from '../proto/index.js';
export { MetricsSink } from './metrics/sink.js';
export { writeKeyframeIndex, loadKeyframeIndex, openKeyframeIndex, stateAtIndexed, keyframeIndexPath, INDEX_KEYFRAME_EVERY, type IndexLoad, type IndexOpen, type KeyframeIndex } from './keyframe-index.js';
export { SCHED_RULE_SENTENCES, TICK_TRIGGER_SENTENCES, CHECK_RULE_TEXT, type CheckRuleId, type CheckRuleText } from './rule-text.js';
