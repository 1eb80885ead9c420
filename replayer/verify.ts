/**
 * `verify`: re-simulates a trace from its header and compares the new run with the recording,
 * event by event (the encoded bytes of each event, so every field counts), stopping at the first
 * difference. Memory stays bounded: the recording is read sequentially and the simulation is
 * stopped as soon as it differs.
 *
 * A whole recording (not a trimmed window, no chunk missing) is compared as it lies in its chunks:
 * each simulated event is encoded as the recorder stores it (time as the distance from the previous
 * event, cause as the backwards distance) and held against the stored bytes, so the recording is
 * never decoded (verify then runs at 0.8–0.9 of `simulate`'s speed instead of 0.75). Where the
 * bytes differ, both events are decoded and compared field by field, as a window's are.
 */
import { runModel, type TracePartsSink } from '../hw-model/index.js';
import { decodeEvent, encodeEvent, Reader, Writer, type Event, type EventInit } from '../proto/index.js';
import { configFromHeader, modelVersionNote } from './rerun.js';
import type { TraceFile } from './trace-file.js';

export interface VerifyResult {
  identical: boolean;
  /** Events compared (equal ones, plus the differing one when there is a difference). */
  compared: number;
  recordedEvents: number;
  /** The first differing index (in the trace's numbering) and both sides (undefined = no such event). */
  firstDifference?: { index: number; recorded?: Event; simulated?: EventInit; fields: string[] } | undefined;
  /** Notes: another model version, a recording cut short. */
  notes: string[];
}

class Stop extends Error {}

/** The writer normalizeEventInit encodes with (its `finish()` copies: nothing decoded refers to it). */
const normalizer = new Writer(256);

/** An EventInit as the decoder would give it back (every field present), e.g. to format it. */
export function normalizeEventInit(ev: EventInit): Event {
  normalizer.reset();
  encodeEvent(normalizer, ev);
  const buf = normalizer.finish();
  return decodeEvent(new Reader(buf), buf.length);
}

function bytesOf(w: Writer, ev: EventInit): Uint8Array {
  w.reset();
  encodeEvent(w, ev);
  return w.view_();
}

/**
 * A comparer of simulated events, in order, with the bytes the recording stores for them: event k
 * encoded with its time as the distance from the previous one (the chunk's first time at a chunk's
 * start), against the k-th length-delimited event of the chunks read one after the other.
 */
function storedEvents(trace: TraceFile, w: Writer): (t: number, cause: number, body: EventInit['body'], k: number) => boolean {
  let chunk = -1, r = new Reader(new Uint8Array(0)), end = 0, prevT = 0;
  // the event as the recorder stores it, in one object reused for every event (encodeEvent reads it at once)
  const stored: EventInit = { t: 0, cause: 0, body: undefined };
  return (t, cause, body, k) => {
    while (k >= end) {
      const c = trace.chunks[++chunk];
      if (c === undefined) return false; // past the last chunk (callers stop at eventCount): a difference
      r = new Reader(trace.chunkBytes(chunk));
      end = c.firstEvent + c.eventCount;
      prevT = c.firstTimeNs;
    }
    stored.t = t - prevT;
    stored.cause = cause;
    stored.body = body;
    w.reset();
    encodeEvent(w, stored);
    prevT = t;
    // a length past the chunk's end is a difference too: the decoded comparison names it
    let n: number;
    try { n = r.uint32(); } catch { return false; }
    const at = r.pos;
    r.pos = Math.min(at + n, r.buf.length);
    return at + n <= r.buf.length && sameBytes(w.buf, r.buf, at, n, w.pos);
  };
}

/** Whether the first `aLen` bytes of `a` (all of it by default) equal the `n` bytes of `b` from `at` (all of `b` by default). */
function sameBytes(a: Uint8Array, b: Uint8Array, at = 0, n = b.length, aLen = a.length): boolean {
  if (aLen !== n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[at + i]) return false;
  return true;
}

/** Names of the top-level fields that differ (t, cause, family, or fields of the body). */
function differingFields(a: Event, b: EventInit): string[] {
  const out: string[] = [];
  if (a.t !== (b.t ?? 0)) out.push('t');
  if (a.cause !== (b.cause ?? 0)) out.push('cause');
  if (a.body.case !== b.body?.case) { out.push('type'); return out; }
  const av = a.body.value as unknown as Record<string, unknown>;
  const bv = (b.body?.value ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(av)) {
    const x = JSON.stringify(av[k]);
    const y = JSON.stringify(bv[k] ?? defaultLike(av[k]));
    if (x !== y) out.push(`${a.body.case}.${k}`);
  }
  return out;
}

function defaultLike(v: unknown): unknown {
  if (typeof v === 'number') return 0;
  if (typeof v === 'string') return '';
  if (typeof v === 'boolean') return false;
  if (Array.isArray(v)) return [];
  return v;
}

export interface VerifyOptions {
  onProgress?: (now: number, duration: number, compared: number) => void;
}

/** Re-simulates the trace's run and compares it with the recording. */
export function verifyTrace(trace: TraceFile, opts: VerifyOptions = {}): VerifyResult {
  const where = trace.path || 'trace';
  const cfg = configFromHeader(trace.header, where);
  const notes: string[] = [];
  const mv = modelVersionNote(trace.header);
  if (mv) notes.push(mv);
  const trimmed = trace.header.trimmedFrom;
  const offset = trimmed ? trimmed.firstEvent : 0;
  const n = trace.eventCount;
  const wa = new Writer(256);
  const wb = new Writer(256);
  let compared = 0;
  let diff: VerifyResult['firstDifference'];
  let simCount = 0;
  /** Compares the simulated event k with recorded event k (both decoded); false and `diff` set when they differ. */
  const compareDecoded = (k: number, ev: EventInit, rec: Event): boolean => {
    // In a window, a cause before the window's first event is recorded as none.
    const sim = trimmed && ev.cause && ev.cause > k ? { ...ev, cause: 0 } : ev;
    if (sameBytes(bytesOf(wa, rec), bytesOf(wb, sim))) return true;
    diff = { index: k, recorded: rec, simulated: { ...sim }, fields: differingFields(rec, sim) };
    return false;
  };
  const sameAsRecorded = trimmed === undefined && trace.chunks.every((c) => c.origFirstEvent === c.firstEvent)
    ? storedEvents(trace, wb) : undefined;
  const it = sameAsRecorded ? undefined : trace.iterate();
  // a parts sink: the bus builds no event object, except here for an event that differs
  const sink: TracePartsSink = {
    onEventParts(t: number, cause: number, body: EventInit['body'], index: number) {
      simCount = index + 1;
      const k = index - offset;
      if (k < 0) return;
      if (k >= n) {
        // A trimmed trace is a window: the run goes on after it.
        if (!trimmed) diff = { index: k, simulated: { t, cause, body }, fields: ['(the recording ends here)'] };
        throw new Stop();
      }
      compared++;
      if (sameAsRecorded ? sameAsRecorded(t, cause, body, k) : false) return;
      if (!compareDecoded(k, { t, cause, body }, sameAsRecorded ? trace.event(k) : it!.next().value as Event)) throw new Stop();
    },
  };
  try {
    // the model alone: simulate's run summary would be computed for nothing
    runModel(cfg, {
      sinks: [sink],
      onProgress: opts.onProgress ? (now, duration) => opts.onProgress!(now, duration, compared) : undefined,
    });
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
  }
  if (!diff && compared < n) {
    diff = { index: compared, recorded: trace.event(compared), fields: ['(the re-simulation ends here)'] };
  }
  if (diff && trimmed === undefined && diff.recorded === undefined && simCount > n && trace.lastTimeNs < trace.header.durationNs) {
    notes.push(`the recording ends at event ${n} before its requested duration (stopped early?)`);
  }
  return { identical: diff === undefined, compared, recordedEvents: n, firstDifference: diff, notes };
}
