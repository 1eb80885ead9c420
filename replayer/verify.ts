/**
 * `verify`: re-simulates a trace from its header and compares the new run with the recording,
 * event by event (the encoded bytes of each event, so every field counts), stopping at the first
 * difference. Memory stays bounded: the recording is read sequentially and the simulation is
 * stopped as soon as it differs.
 */
import { simulate, type TraceSink } from '../hw-model/index.js';
import { decodeEvent, encodeEvent, Reader, Writer, type Event, type EventInit } from '../proto/index.js';
import { configFromHeader, modelVersionNote } from './rerun.js';
import type { TraceFile } from './trace-file.js';

export interface VerifyResult {
  identical: boolean;
  /** Events compared (equal ones, plus the differing one when there is a difference). */
  compared: number;
  recordedEvents: number;
  /** The first differing index (in the trace's numbering) and both sides (undefined = no such event). */
  firstDifference?: { index: number; recorded?: Event; simulated?: EventInit; fields: string[] };
  /** Notes: another model version, a recording cut short. */
  notes: string[];
}

class Stop extends Error {}

/** An EventInit as the decoder would give it back (every field present), e.g. to format it. */
export function normalizeEventInit(ev: EventInit): Event {
  const w = new Writer(256);
  encodeEvent(w, ev);
  const buf = w.finish();
  return decodeEvent(new Reader(buf), buf.length);
}

function bytesOf(w: Writer, ev: EventInit): Uint8Array {
  w.reset();
  encodeEvent(w, ev);
  return w.view_();
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
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
  const it = trace.iterate();
  const wa = new Writer(256);
  const wb = new Writer(256);
  let compared = 0;
  let diff: VerifyResult['firstDifference'];
  let simCount = 0;
  const sink: TraceSink = {
    onEvent(ev: EventInit, index: number) {
      simCount = index + 1;
      const k = index - offset;
      if (k < 0) return;
      if (k >= n) {
        // A trimmed trace is a window: the run goes on after it.
        if (!trimmed) diff = { index: k, simulated: { ...ev }, fields: ['(the recording ends here)'] };
        throw new Stop();
      }
      const rec = it.next().value as Event;
      compared++;
      // In a window, a cause before the window's first event is recorded as none.
      const sim = trimmed && ev.cause && ev.cause > k ? { ...ev, cause: 0 } : ev;
      if (!sameBytes(bytesOf(wa, rec), bytesOf(wb, sim))) {
        diff = { index: k, recorded: rec, simulated: { ...sim }, fields: differingFields(rec, sim) };
        throw new Stop();
      }
    },
  };
  try {
    simulate(cfg, {
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
