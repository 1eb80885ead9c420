/**
 * Trimming: a window of a trace as a self-contained trace.
 *
 *   original ──Replayer.rawStateAt(from − 1)──► state before the window ──shift indices──► StateSnapshot
 *            └─events [from, to]── causes reaching before `from` dropped ─────────────────► chunks
 *   header: the original's (scenario, seed, policy, ...) + TrimRange (where the window came from)
 *
 * Indices in the trimmed trace count from its event 0, so every index-valued field of the snapshot
 * (`idx`, `index`, `*Idx`) is mapped v → v − from, and an index before the window (not in this trace)
 * becomes −1, the state's "none". With that, the state at trimmed event k equals the original's
 * state at event from + k under the same mapping (`shiftStateIndices`), field by field, and trimming
 * a trimmed trace composes (shift by a then b = shift by a + b).
 *
 * Pure: takes a TraceFile and hands the container's bytes to `write`; the CLI owns the file.
 */
import { UserError } from '../proto/index.js';
import { ContainerWriter, type EventInit, type NoteInit, type TraceHeaderInit, type TrimRangeInit } from '../proto/index.js';
import { Replayer } from './replayer.js';
import { encodeStateSnapshot, SNAPSHOT_ENCODING_JSON } from './snapshot.js';
import type { ReplayState } from './state.js';
import type { TraceFile } from './trace-file.js';

export class TrimError extends UserError {
  constructor(message: string, readonly code = 'E_TRIM') { super(message); this.name = 'TrimError'; }
}

/** An inclusive event range of a trace. */
export interface TrimWindow { from: number; to: number }

/** The window `[from, to]` checked against the trace (inclusive both ends). */
export function rangeWindow(trace: TraceFile, from: number, to: number): TrimWindow {
  const n = trace.eventCount;
  const where = trace.path || 'trace';
  if (n === 0) throw new TrimError(`${where}: the trace has no events to trim`);
  if (!Number.isInteger(from) || !Number.isInteger(to)) throw new TrimError(`${where}: --from/--to must be event indices`);
  if (from < 0 || from >= n) throw new TrimError(`${where}: --from ${from} is outside the trace (events 0..${n - 1})`);
  if (to < from || to >= n) throw new TrimError(`${where}: --to ${to} must be in ${from}..${n - 1}`);
  return { from, to };
}

/**
 * The events within `windowNs` of virtual time centred on event `at` (at least event `at` itself).
 */
export function aroundWindow(trace: TraceFile, at: number, windowNs: number): TrimWindow {
  const n = trace.eventCount;
  const where = trace.path || 'trace';
  if (!Number.isInteger(at) || at < 0 || at >= n) throw new TrimError(`${where}: --around ${at} is outside the trace (events 0..${n - 1})`);
  if (!(windowNs > 0)) throw new TrimError(`${where}: --window must be a positive time (e.g. 50ms)`);
  const t = trace.timeOf(at);
  const half = Math.floor(windowNs / 2);
  const from = Math.min(at, trace.indexAtTime(Math.max(0, t - half)));
  const to = Math.max(at, trace.indexAtTime(t + (windowNs - half) + 1) - 1);
  return { from, to: Math.min(to, n - 1) };
}

/** Event indices that a trimmed window shifts: keys named `idx`/`index` or ending in `Idx`. */
function isIndexKey(k: string): boolean {
  return k === 'idx' || k === 'index' || k.endsWith('Idx');
}

/**
 * A copy of a replayed state in the coordinates of a trace trimmed to start at event `by`: every
 * event index v ≥ by becomes v − by, every index before it −1 (not in the trimmed trace).
 */
export function shiftStateIndices<T>(state: T, by: number): T {
  const walk = (v: unknown, indexValued: boolean): unknown => {
    if (typeof v === 'number') return !indexValued || v < 0 ? v : v >= by ? v - by : -1;
    if (Array.isArray(v)) return v.map((x) => walk(x, indexValued));
    if (v === null || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = walk(x, isIndexKey(k));
    return out;
  };
  return walk(state, false) as T;
}

export interface TrimResult {
  window: TrimWindow;
  events: number;
  range: TrimRangeInit;
  notesKept: number;
}

/**
 * Writes the window as a trace to `write`. Notes inside the window are kept (re-indexed); the header
 * keeps scenario, seed, policy and everything else, plus `trimmed_from` in original coordinates
 * (composed when the input is itself trimmed).
 */
export function trimTrace(trace: TraceFile, w: TrimWindow, write: (bytes: Uint8Array) => void,
                          opts: { replayer?: Replayer } = {}): TrimResult {
  const { from, to } = rangeWindow(trace, w.from, w.to);
  const replayer = opts.replayer ?? Replayer.open(trace);
  const before: ReplayState = replayer.rawStateAt(from - 1);
  const shifted = shiftStateIndices(before, from);
  const prior = trace.header.trimmedFrom;
  const base = prior ? prior.firstEvent : 0;
  const range: TrimRangeInit = {
    firstEvent: base + from,
    lastEvent: base + to,
    originalEvents: prior ? prior.originalEvents : trace.eventCount,
    firstTimeNs: trace.timeOf(from),
    lastTimeNs: trace.timeOf(to),
  };
  const notes: NoteInit[] = trace.notes
    .filter((n) => n.eventIndex >= from && n.eventIndex <= to)
    .map((n) => ({ eventIndex: n.eventIndex - from, text: n.text }));
  const h = trace.header;
  const header: TraceHeaderInit = {
    formatVersion: h.formatVersion, producer: h.producer, modelVersion: h.modelVersion,
    scenarioName: h.scenarioName, scenarioText: h.scenarioText, seed: h.seed, policy: h.policy,
    heapPolicy: h.heapPolicy, heapNameSource: h.heapNameSource, durationNs: h.durationNs,
    metadata: { ...h.metadata }, notes, trimmedFrom: range, wallClockUnixMs: h.wallClockUnixMs,
    fwAssumptions: h.fwAssumptions.map((a) => ({ ...a })), reviewFixes: h.reviewFixes,
  };
  const cw = new ContainerWriter(header, { write });
  cw.writeSnapshot({
    eventIndex: base + from,
    timeNs: from > 0 ? trace.timeOf(from - 1) : before.t,
    state: encodeStateSnapshot(shifted),
    encoding: SNAPSHOT_ENCODING_JSON,
  });
  let i = from;
  for (const ev of trace.iterate(from, to + 1)) {
    // A cause before the window is not in the trimmed trace: drop the link rather than point elsewhere.
    const cause = ev.cause !== 0 && i - ev.cause >= from ? ev.cause : 0;
    const out: EventInit = { t: ev.t, cause, body: ev.body };
    cw.add(out);
    i++;
  }
  cw.finish();
  return { window: { from, to }, events: to - from + 1, range, notesKept: notes.length };
}
