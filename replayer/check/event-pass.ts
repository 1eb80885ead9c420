/**
 * The check's pass over a trace: each chunk's decompressed bytes (TraceFile.chunkBytes) read one
 * event at a time, the event's body decoded by its family's generated decoder into a fresh message,
 * and handed out in an envelope (`{ t, cause, body }`) reused for every event of its family: one
 * object an event instead of three. An event is valid until the callback returns; no rule or handler
 * keeps one (families.test.ts poisons each event once its hooks have run).
 *
 * The families whose message is flat (scalar fields only: FW requests, acks and IRQs, mode switches,
 * doorbells, jobs, ...: all but ioctls and decisions, nine events in ten) are decoded into one
 * message per family, reused like the envelope (decodeXInto), so a body is valid until the callback
 * returns too (families.test.ts holds the rules and the check's handlers to it).
 *
 * The pass takes only what it expects: anything else (a body field twice, an unknown field, a chunk
 * that ends early or has bytes left, a body that does not decode) goes, from that event to the end
 * of its chunk, through TraceFile.forEach, which decodes, notes and skips exactly as every other
 * pass does. So does a trace with lost chunks (its causes are renumbered there).
 *
 *   chunk bytes ──► [len][t][cause][body field: len, bytes] ──► decode<Family>(bytes) ──► fn(envelope, i, family)
 */
import {
  EventBodyFieldNumbers, ProtoDecodeError, Reader, decodeDeviceImport, decodeDeviceImportInto, decodeDoorbellInto,
  decodeEglCallInto, decodeFaultInto, decodeFenceInto, decodeFwAckInto, decodeFwIrqInto, decodeFwRequestInto,
  decodeGroupStateInto, decodeHeapCallInto, decodeJobInto, decodeLogInto, decodeMmuCommandInto, decodeModeSwitchInto,
  decodePmInto, decodeProbeInto, decodeProcessInto, decodeQueueStateInto, decodeResetInto, decodeScanoutInto,
  decodeTilerHeapEventInto, decodeVmEventInto, decodeWatchdogInto, decodeDoorbell, decodeEglCall, decodeFault, decodeFence,
  decodeFwAck, decodeFwIrq, decodeFwRequest, decodeGroupState, decodeHeapCall, decodeHeapChoice, decodeIoctl, decodeJob,
  decodeLog, decodeMmuCommand, decodeModeSwitch, decodePm, decodeProbe, decodeProcess, decodeQueueState, decodeReset,
  decodeSchedDecision, decodeScanout, decodeTilerHeapEvent, decodeVmEvent, decodeWatchdog, type Event, type EventFamily,
} from '../../proto/index.js';
import type { TraceFile } from '../trace-file.js';
import type { CauseDistance, VirtualNs } from '../../proto/index.js';

type BodyDecoder = (r: Reader, end: number, depth?: number) => unknown;

/** The decoder of each family's message (as decodeEvent calls them). */
const BODY_DECODERS: Readonly<Record<EventFamily, BodyDecoder>> = {
  ioctl: decodeIoctl, heap: decodeHeapCall, fwReq: decodeFwRequest, fwAck: decodeFwAck, fwIrq: decodeFwIrq,
  modeSwitch: decodeModeSwitch, decision: decodeSchedDecision, groupState: decodeGroupState, queueState: decodeQueueState,
  job: decodeJob, fault: decodeFault, reset: decodeReset, probe: decodeProbe, log: decodeLog, doorbell: decodeDoorbell,
  mmu: decodeMmuCommand, process: decodeProcess, watchdog: decodeWatchdog, pm: decodePm, egl: decodeEglCall,
  heapChoice: decodeHeapChoice, devImport: decodeDeviceImport, fence: decodeFence, scanout: decodeScanout,
  tilerHeap: decodeTilerHeapEvent, vm: decodeVmEvent,
};

type IntoDecoder = (r: Reader, end: number, m: never) => unknown;

/** The decoders into a given message, of the families whose message is flat. */
const INTO_DECODERS: Partial<Readonly<Record<EventFamily, IntoDecoder>>> = {
  heap: decodeHeapCallInto, fwReq: decodeFwRequestInto, fwAck: decodeFwAckInto, fwIrq: decodeFwIrqInto,
  modeSwitch: decodeModeSwitchInto, groupState: decodeGroupStateInto, queueState: decodeQueueStateInto, job: decodeJobInto,
  fault: decodeFaultInto, reset: decodeResetInto, probe: decodeProbeInto, log: decodeLogInto, doorbell: decodeDoorbellInto,
  mmu: decodeMmuCommandInto, process: decodeProcessInto, watchdog: decodeWatchdogInto, pm: decodePmInto, egl: decodeEglCallInto,
  devImport: decodeDeviceImportInto, fence: decodeFenceInto, scanout: decodeScanoutInto, tilerHeap: decodeTilerHeapEventInto,
  vm: decodeVmEventInto,
};

/** The families whose bodies the pass decodes into one reused message each. */
export const REUSED_BODY_FAMILIES: ReadonlySet<string> = new Set(Object.keys(INTO_DECODERS));

/** Something the pass does not take: the rest of the chunk goes through TraceFile.forEach. */
class Unexpected extends Error {}
const UNEXPECTED = new Unexpected();

/**
 * Calls fn(ev, i, family) for events [from, to) of the trace (default: all), in order; `family` is
 * the family number (familyNumber()), -1 for an event of no family (a newer schema's, or one a
 * damaged chunk lost).
 */
export function forEachEventReused(trace: TraceFile, fn: (ev: Event, index: number, family: number) => void,
                                   from = 0, to = trace.eventCount): void {
  const byFamily = (ev: Event, i: number): void => {
    const c = ev.body.case;
    fn(ev, i, c === undefined ? -1 : EventBodyFieldNumbers[c] - 10);
  };
  from = Math.max(0, from);
  to = Math.min(trace.eventCount, to);
  if (from >= to) return;
  const chunks = trace.chunks;
  if (chunks.some((c) => c.origFirstEvent !== c.firstEvent)) { trace.forEach(byFamily, from, to); return; }
  // field number → decoder, case and the envelope reused for the family
  const decoders: (BodyDecoder | undefined)[] = [];
  const envelopes: (Event | undefined)[] = [];
  // field number → decoder into the family's reused message, and that message
  const intos: (IntoDecoder | undefined)[] = [];
  const values: unknown[] = [];
  const none = new Reader(new Uint8Array(0));
  for (const fam of Object.keys(BODY_DECODERS) as EventFamily[]) {
    const field = EventBodyFieldNumbers[fam];
    decoders[field] = BODY_DECODERS[fam];
    envelopes[field] = { t: 0, cause: 0, body: { case: fam, value: undefined } } as unknown as Event;
    intos[field] = INTO_DECODERS[fam];
    values[field] = INTO_DECODERS[fam] ? BODY_DECODERS[fam](none, 0) : undefined;
  }
  const empty: Event = { t: 0 as VirtualNs, cause: 0 as CauseDistance, body: { case: undefined } };
  for (let k = 0; k < chunks.length; k++) {
    const c = chunks[k]!;
    const first = c.firstEvent;
    const n = c.eventCount;
    if (first + n <= from) continue;
    if (first >= to) return;
    // events [a, b) of the chunk are handed out (those before a are read for their times only)
    const a = Math.max(0, from - first), b = Math.min(n, to - first);
    const raw = trace.chunkBytes(k);
    const len = raw.length;
    const r = new Reader(raw);
    let t = c.firstTimeNs;
    let j = 0;
    let inFn = false;
    try {
      for (; j < b; j++) {
        let p = r.pos;
        if (p >= len) throw UNEXPECTED;
        let size = raw[p]!;
        if (size < 128) p++; else { size = r.uint32(); p = r.pos; }
        const end = p + size;
        if (end > len) throw UNEXPECTED;
        let dt = 0, cause = 0, field = 0, bStart = 0, bEnd = 0;
        while (p < end) {
          const tag = raw[p++]!;
          if (tag === 8) {
            const v = raw[p]!;
            if (v < 128) { p++; dt = v; } else { r.pos = p; dt = r.uint64(); p = r.pos; }
          } else if (tag === 16) {
            const v = raw[p]!;
            if (v < 128) { p++; cause = v; } else { r.pos = p; cause = r.uint32(); p = r.pos; }
          } else {
            // a body: tags 82..226 fit in one byte for fields 10..28; two bytes from field 16 on
            let tg = tag;
            if (tg >= 128) { r.pos = p - 1; tg = r.uint32(); p = r.pos; }
            const f = tg >>> 3;
            if ((tg & 7) !== 2 || field !== 0 || decoders[f] === undefined) throw UNEXPECTED;
            let l = raw[p]!;
            if (l < 128) p++; else { r.pos = p; l = r.uint32(); p = r.pos; }
            field = f; bStart = p; bEnd = p + l;
            if (bEnd > end) throw UNEXPECTED;
            p = bEnd;
          }
        }
        if (p !== end) throw UNEXPECTED;
        t += dt;
        if (j < a) { r.pos = end; continue; }
        let ev: Event;
        if (field === 0) {
          ev = empty;
        } else {
          r.pos = bStart;
          const into = intos[field];
          const v = into !== undefined ? into(r, bEnd, values[field] as never) : decoders[field]!(r, bEnd, 1);
          if (r.pos !== bEnd) throw UNEXPECTED;
          ev = envelopes[field]!;
          (ev.body as { value: unknown }).value = v;
        }
        r.pos = end;
        // the last event of the chunk goes out once the chunk is known to end there
        if (j === n - 1 && end !== len) throw UNEXPECTED;
        ev.t = t as VirtualNs;
        ev.cause = cause as CauseDistance;
        inFn = true;
        fn(ev, first + j, field === 0 ? -1 : field - 10);
        inFn = false;
      }
    } catch (e) {
      if (inFn || (e !== UNEXPECTED && !(e instanceof ProtoDecodeError))) throw e;
      // from event j on, as every other pass reads it
      trace.forEach(byFamily, first + Math.max(j, a), first + b);
    }
  }
}
