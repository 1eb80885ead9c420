/**
 * The cause links that reach further back than the export's flow window (a job whose cause is the
 * GROUP_SUBMIT of many events before): found by a skim of the decompressed chunks that reads each
 * event's `cause` (Event field 2, before the body) and skips the rest, so the timeline can put the
 * flow on the cause's mark when it goes out. Memory: 16 bytes per such link (0.4% of a stress
 * trace's events), none per event.
 */
import type { TraceFile } from '../trace-file.js';

/** The (cause, effect) pairs twice: sorted by cause (then effect), and by effect. */
export interface FarLinks {
  cause: Float64Array;
  effect: Float64Array;
  /** The same pairs in effect order. */
  byEffect: { cause: Float64Array; effect: Float64Array };
  length: number;
}

const EVENT_CAUSE_FIELD = 2;

/** Reads a varint at `p` of `b`; returns [value, next position]. */
function varint(b: Uint8Array, p: number, out: { v: number }): number {
  let v = 0, mul = 1, c: number;
  do {
    if (p >= b.length) { out.v = -1; return b.length; }
    c = b[p++]!;
    v += (c & 0x7f) * mul;
    mul *= 128;
  } while (c & 0x80 && mul < 2 ** 64);
  out.v = v;
  return p;
}

/**
 * Links of events in [from, to) to causes at least `minDistance` back and not before `from`.
 * A chunk that does not skim cleanly contributes nothing (the main pass reports it).
 */
export function farLinks(trace: TraceFile, from: number, to: number, minDistance: number): FarLinks {
  let cause = new Float64Array(1024), effect = new Float64Array(1024), n = 0;
  const num = { v: 0 };
  const onRead = trace.onRead;
  trace.onRead = undefined; // progress follows the main pass only
  try {
    for (const [k, c] of trace.chunks.entries()) {
      if (c.firstEvent + c.eventCount <= from) continue;
      if (c.firstEvent >= to) break;
      let raw: Uint8Array;
      try { raw = trace.chunkBytes(k); } catch { continue; }
      let p = 0;
      for (let j = 0; j < c.eventCount && p < raw.length; j++) {
        p = varint(raw, p, num);
        const end = p + num.v;
        if (num.v < 0 || end > raw.length) break;
        const i = c.firstEvent + j;
        // fields in ascending order: t (1), cause (2), then the body
        let q = p;
        while (q < end) {
          q = varint(raw, q, num);
          const field = Math.floor(num.v / 8), wire = num.v & 7;
          if (field > EVENT_CAUSE_FIELD || wire !== 0) break;
          q = varint(raw, q, num);
          if (field === EVENT_CAUSE_FIELD) {
            const d = num.v;
            if (d >= minDistance && i >= from && i < to && i - d >= from) {
              if (n === cause.length) {
                const nc = new Float64Array(n * 2); nc.set(cause); cause = nc;
                const ne = new Float64Array(n * 2); ne.set(effect); effect = ne;
              }
              cause[n] = i - d;
              effect[n] = i;
              n++;
            }
            break;
          }
        }
        p = end;
      }
    }
  } finally { trace.onRead = onRead; }
  // sort the pairs by cause (effects stay ascending within a cause: the sort is stable)
  const order = Array.from({ length: n }, (_, x) => x).sort((a, b) => cause[a]! - cause[b]! || a - b);
  const c2 = new Float64Array(n), e2 = new Float64Array(n);
  for (let x = 0; x < n; x++) { const o = order[x]!; c2[x] = cause[o]!; e2[x] = effect[o]!; }
  return { cause: c2, effect: e2, byEffect: { cause: cause.subarray(0, n), effect: effect.subarray(0, n) }, length: n };
}
