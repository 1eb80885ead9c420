/**
 * The reading half of the replayer: opening a trace, formatting its events, the replayed state at a
 * position (reducer, keyframes, cursor, the keyframe index), filters and the state tables. Commands
 * that only read a trace (`info`, `events`, `state`, `where`, `note`, `trim`, `index`) import this
 * entry instead of index.ts, which adds diff, check, export, verify, metrics and bug reports and
 * with them the model (about 130 modules more to load at start-up; `state --at` spent most of its
 * time on them). index.ts re-exports everything here.
 */
export * from './trace-file.js';
export * from './format.js';
export { assumptionsOf, formatAssumptions, policyWithFixes, type HeaderAssumption } from './assumptions.js';
export { Replayer, type ReplayerOptions, type Keyframe, type KeyframeBatch } from './replayer.js';
export type { ReplayState, DeviceState, FwState, FwPending, SlotState, GroupRec, QueueRec, VmRec, BoRec, HeapRec, DmaBufRec, ProcessRec, SchedState, Counters } from './state.js';
export { cloneState, stateToJson } from './state.js';
export { initialState, applyEvent, finalizeState, HANDLERS } from './reducer.js';
export { Cursor, SeekError, resolvePosition, EFFECTS_WINDOW } from './cursor.js';
export { parseFilter, resolveFamily, FilterError, type Filter } from './filter.js';
export { renderState, formatTables, type StateTable } from './render-state.js';
export { formatBytes, formatBytesShort, formatNsExact } from '../proto/index.js';
export { encodeStateSnapshot, decodeStateSnapshot, SnapshotError, SNAPSHOT_ENCODING_JSON } from './snapshot.js';
export { parseTimeText, formatNs as formatTimeNs, looksLikeTime } from './time-text.js';
export { bitNames as fwBitNames, lookupFwName } from './fw-bits.js';
export { EVENT_FAMILIES, familyOf } from '../proto/index.js';
export { trimTrace, rangeWindow, aroundWindow, shiftStateIndices, TrimError, type TrimWindow, type TrimResult } from './trim.js';
export { UserError, isUserError } from '../proto/index.js';
export { writeKeyframeIndex, loadKeyframeIndex, openKeyframeIndex, stateAtIndexed, keyframeIndexPath, INDEX_KEYFRAME_EVERY, type IndexLoad, type IndexOpen, type KeyframeIndex } from './keyframe-index.js';
