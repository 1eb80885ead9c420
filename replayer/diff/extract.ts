/**
 * One pass over a trace for the diff: the decision sequence (event index, time, interned content id
 * per SchedDecision), the group identities over time, and the consequences (metrics per group/app).
 *
 * Fast path: when the source gives raw chunk bytes (a TraceFile does), events are skimmed: only the
 * families the diff reads (decision, process, GROUP_CREATE ioctls, group state, job, mode switch)
 * are decoded, every other event is skipped by its length. Otherwise every event is iterated.
 */
import {
  IoctlCmd, ProtoDecodeError, Reader, decodeGroupState, decodeIoctl, decodeJob, decodeModeSwitch,
  decodeProcess, decodeQueueState, type Event, type TraceHeader, decodeProbe, decodeHeapCall, decodeEglCall,
  decodeDeviceImport, decodeFence, decodeScanout, EventFields, EventBodyFieldNumbers, IoctlFields,
} from '../../proto/index.js';
import { ConsequenceCollector, type ConsequenceSet } from '../metrics/metrics.js';
import { metricsOptionsOf } from '../metrics/plan.js';
import { PlatformCollector, type PlatformRow } from '../metrics/platform-outcome.js';
import { DecisionInterner } from './decision-key.js';
import { GroupIdentities, LabelInterner } from './identity.js';
import { TraceError } from '../trace-file.js';
import type { CauseDistance, VirtualNs } from '../../proto/index.js';

/** The cause of an event rebuilt from the skimmed wire: none (the skimmer does not read causes). */
const NO_CAUSE = 0 as CauseDistance;

/** What the diff needs of a trace (a TraceFile satisfies it). */
export interface EventSource {
  /** The file, for errors (a TraceFile has it). */
  readonly path?: string;
  readonly header: TraceHeader;
  readonly eventCount: number;
  iterate(from?: number, to?: number): IterableIterator<Event>;
  event(i: number): Event;
  /** Chunk table and raw chunk bytes, for the skimming fast path (optional). */
  readonly chunks?: readonly { firstEvent: number; eventCount: number; firstTimeNs: number; offset?: number }[];
  chunkBytes?(k: number): Uint8Array;
  /** Chunk k does not decode: the source notes it and the pass goes on (TraceFile.skipUndecodable). */
  skipUndecodable?(k: number, why: string): void;
}

/** The decisions of one trace, as parallel arrays indexed by decision ordinal. */
export interface DecisionTrack {
  count: number;
  eventIndex: Float64Array;
  timeNs: Float64Array;
  /** Interned outcome (slots, CSG priorities, actions, evictions, protected verdict and group). */
  outcome: Int32Array;
  /** TickTrigger and protected-mode rule: the decision's reason, compared but not aligned on. */
  trigger: Int32Array;
  rule: Int32Array;
  /** 1 when the decision changes nothing on the GPU (every slot kept at its CSG priority, no verdict). */
  noop: Uint8Array;
  identities: GroupIdentities;
  consequences: ConsequenceSet;
  /** Devices, heaps and apps beyond the scheduler (metrics/platform-outcome.ts). */
  platform: PlatformRow[];
}

/** Shared between the two traces of one diff, so that equal content gets equal ids. */
export class DiffContext {
  readonly decisions = new DecisionInterner();
  constructor(readonly labels: LabelInterner) {}
}

/** Event.body field numbers the diff decodes (generated from csftrace.proto: proto/gen/fields.ts). */
const F_IOCTL = EventFields.ioctl, F_MODE_SWITCH = EventFields.modeSwitch, F_DECISION = EventFields.decision,
  F_GROUP_STATE = EventFields.groupState, F_QUEUE_STATE = EventFields.queueState, F_JOB = EventFields.job, F_PROCESS = EventFields.process;
const F_HEAP = EventFields.heap, F_PROBE = EventFields.probe, F_EGL = EventFields.egl;
/** The secure pipeline's device events (metrics/devices.ts). */
const F_DEV_IMPORT = EventFields.devImport, F_FENCE = EventFields.fence, F_SCANOUT = EventFields.scanout;
/** Event.t (a varint delta), the lowest body field number, and the tag of Ioctl.cmd (a varint). */
const F_T = EventFields.t, F_FIRST_BODY = Math.min(...Object.values(EventBodyFieldNumbers));
const TAG_IOCTL_CMD = IoctlFields.cmd << 3;

class Extractor {
  readonly ids: GroupIdentities;
  readonly cons: ConsequenceCollector;
  readonly platform = new PlatformCollector();
  private cap = 1024;
  count = 0;
  evIdx = new Float64Array(this.cap);
  time = new Float64Array(this.cap);
  outcome = new Int32Array(this.cap);
  trigger = new Int32Array(this.cap);
  rule = new Int32Array(this.cap);
  noop = new Uint8Array(this.cap);
  private readonly groupId: (h: number) => number;
  /** CSG priority per slot after the previous decision (-1 = empty), for the no-op test. */
  private readonly slotPrio = new Float64Array(64).fill(-1);

  constructor(private readonly ctx: DiffContext, header: TraceHeader) {
    this.ids = new GroupIdentities(ctx.labels);
    this.cons = new ConsequenceCollector(this.ids, metricsOptionsOf(header));
    this.groupId = (h) => this.ids.idOf(h);
  }

  feed(ev: Event, i: number): void {
    this.ids.onEvent(ev, i);
    this.cons.onEvent(ev);
    this.platform.onEvent(ev);
    if (ev.body.case === 'decision') this.push(i, ev.t, this.ctx.decisions.idOf(ev.body.value, this.groupId));
  }

  private push(i: number, t: number, outcome: number): void {
    if (this.count === this.cap) {
      this.cap *= 2;
      const e2 = new Float64Array(this.cap); e2.set(this.evIdx); this.evIdx = e2;
      const t2 = new Float64Array(this.cap); t2.set(this.time); this.time = t2;
      const k2 = new Int32Array(this.cap); k2.set(this.outcome); this.outcome = k2;
      const g2 = new Int32Array(this.cap); g2.set(this.trigger); this.trigger = g2;
      const r2 = new Int32Array(this.cap); r2.set(this.rule); this.rule = r2;
      const n2 = new Uint8Array(this.cap); n2.set(this.noop); this.noop = n2;
    }
    const d = this.ctx.decisions;
    this.evIdx[this.count] = i;
    this.time[this.count] = t;
    this.outcome[this.count] = outcome;
    this.trigger[this.count] = d.lastTrigger;
    this.rule[this.count] = d.lastRule;
    this.noop[this.count] = d.lastIsNoop(this.slotPrio) ? 1 : 0;
    this.count++;
  }

  /** Index of the event skim is at (the one a ProtoDecodeError is about). */
  at = 0;

  /**
   * Skims one chunk's raw events, decoding only the families above. Returns the index after the
   * last event read.
   */
  skim(bytes: Uint8Array, firstEvent: number, firstTimeNs: number): number {
    const r = new Reader(bytes);
    const raw = bytes, len = bytes.length;
    let t = firstTimeNs, i = firstEvent;
    // the event's head read at `p`, a varint of one byte (most lengths, tags, time deltas and causes)
    // straight from the bytes, a longer one through the Reader (which also throws where they end)
    let p = 0;
    while (p < len) {
      this.at = i;
      let n = raw[p]!;
      if (n < 128) p++; else { r.pos = p; n = r.uint32(); p = r.pos; }
      const end = p + n;
      if (end > len) throw new ProtoDecodeError(`event of ${n} bytes runs past the chunk`, p);
      let dt = 0, field = 0, bStart = 0, bEnd = 0;
      while (p < end) {
        let tag = raw[p]!;
        if (tag < 128) p++; else { r.pos = p; tag = r.uint32(); p = r.pos; }
        const f = tag >>> 3, wt = tag & 7;
        if (f === F_T && wt === 0) {
          const c = raw[p];
          if (c !== undefined && c < 128) { p++; dt = c; } else { r.pos = p; dt = r.uint64(); p = r.pos; }
        } else if (wt === 2 && f >= F_FIRST_BODY) {
          let l = raw[p];
          if (l !== undefined && l < 128) p++; else { r.pos = p; l = r.uint32(); p = r.pos; }
          field = f; bStart = p; bEnd = p + l;
          if (bEnd > end) throw new ProtoDecodeError('event body runs past the event', p);
          p = bEnd;
        } else if (wt === 0 && p < end && raw[p]! < 128) p++; // the cause, most often (at the event's end: the Reader's error)
        else { r.pos = p; r.skip(wt, end); p = r.pos; }
      }
      t += dt;
      let ev: Event | undefined;
      switch (field) {
        case F_DECISION:
          // Straight from the wire into the key: no message objects for the most frequent family.
          r.pos = bStart;
          this.push(i, t, this.ctx.decisions.idOfBytes(r, bEnd, this.groupId));
          break;
        case F_JOB: r.pos = bStart; ev = { t: t as VirtualNs, cause: NO_CAUSE, body: { case: 'job', value: decodeJob(r, bEnd) } }; break;
        case F_QUEUE_STATE: r.pos = bStart; ev = { t: t as VirtualNs, cause: NO_CAUSE, body: { case: 'queueState', value: decodeQueueState(r, bEnd) } }; break;
        case F_MODE_SWITCH: r.pos = bStart; ev = { t: t as VirtualNs, cause: NO_CAUSE, body: { case: 'modeSwitch', value: decodeModeSwitch(r, bEnd) } }; break;
        case F_GROUP_STATE: r.pos = bStart; ev = { t: t as VirtualNs, cause: NO_CAUSE, body: { case: 'groupState', value: decodeGroupState(r, bEnd) } }; break;
        case F_PROCESS: r.pos = bStart; ev = { t: t as VirtualNs, cause: NO_CAUSE, body: { case: 'process', value: decodeProcess(r, bEnd) } }; break;
        case F_HEAP: r.pos = bStart; ev = { t: t as VirtualNs, cause: NO_CAUSE, body: { case: 'heap', value: decodeHeapCall(r, bEnd) } }; break;
        case F_PROBE: r.pos = bStart; ev = { t: t as VirtualNs, cause: NO_CAUSE, body: { case: 'probe', value: decodeProbe(r, bEnd) } }; break;
        case F_EGL: r.pos = bStart; ev = { t: t as VirtualNs, cause: NO_CAUSE, body: { case: 'egl', value: decodeEglCall(r, bEnd) } }; break;
        case F_DEV_IMPORT: r.pos = bStart; ev = { t: t as VirtualNs, cause: NO_CAUSE, body: { case: 'devImport', value: decodeDeviceImport(r, bEnd) } }; break;
        case F_FENCE: r.pos = bStart; ev = { t: t as VirtualNs, cause: NO_CAUSE, body: { case: 'fence', value: decodeFence(r, bEnd) } }; break;
        case F_SCANOUT: r.pos = bStart; ev = { t: t as VirtualNs, cause: NO_CAUSE, body: { case: 'scanout', value: decodeScanout(r, bEnd) } }; break;
        case F_IOCTL: {
          // Only GROUP_CREATE matters (identities): peek at Ioctl.cmd before decoding.
          r.pos = bStart;
          let cmd = 0;
          while (r.pos < bEnd) {
            const tag = r.uint32();
            if (tag === TAG_IOCTL_CMD) { cmd = r.uint32(); break; }
            r.skip(tag & 7, bEnd);
          }
          if (cmd === IoctlCmd.GROUP_CREATE) { r.pos = bStart; ev = { t: t as VirtualNs, cause: NO_CAUSE, body: { case: 'ioctl', value: decodeIoctl(r, bEnd) } }; }
          break;
        }
        default: break;
      }
      p = end;
      if (ev) this.feed(ev, i);
      else this.cons.touch(t);
      i++;
    }
    return i;
  }

  finish(): DecisionTrack {
    const c = this.count;
    return {
      count: c,
      eventIndex: this.evIdx.subarray(0, c),
      timeNs: this.time.subarray(0, c),
      outcome: this.outcome.subarray(0, c),
      trigger: this.trigger.subarray(0, c),
      rule: this.rule.subarray(0, c),
      noop: this.noop.subarray(0, c),
      identities: this.ids,
      consequences: this.cons.finish(),
      platform: this.platform.finish(),
    };
  }
}

export function extractDecisions(src: EventSource, ctx: DiffContext): DecisionTrack {
  const x = new Extractor(ctx, src.header);
  if (src.chunks && src.chunkBytes) {
    for (const [k, c] of src.chunks.entries()) {
      // as the trace's own reader words it: "<file>: chunk at byte N: event I: problem"
      const where = `${src.path || '<memory>'}: chunk at byte ${c.offset ?? '?'}`;
      let end: number;
      try { end = x.skim(src.chunkBytes(k), c.firstEvent, c.firstTimeNs); }
      catch (e) {
        if (!(e instanceof ProtoDecodeError)) throw e;
        if (!src.skipUndecodable) throw new TraceError(`${where}: event ${x.at}: ${e.message}`, 'E_CORRUPT');
        src.skipUndecodable(k, `chunk at byte ${c.offset ?? '?'}: event ${x.at}: ${e.message}`);
        continue;
      }
      if (end !== c.firstEvent + c.eventCount) {
        const why = `chunk at byte ${c.offset ?? '?'}: holds ${end - c.firstEvent} events, its header says ${c.eventCount}`;
        if (!src.skipUndecodable) throw new TraceError(`${src.path || '<memory>'}: ${why}`, 'E_CORRUPT');
        src.skipUndecodable(k, why);
      }
    }
  } else {
    let i = 0;
    for (const ev of src.iterate(0, src.eventCount)) x.feed(ev, i++);
  }
  return x.finish();
}

/** Decision count and consequences of one trace (the metrics of a bug report). */
export function traceConsequences(src: EventSource): { decisions: number; consequences: ConsequenceSet } {
  const t = extractDecisions(src, new DiffContext(new LabelInterner()));
  return { decisions: t.count, consequences: t.consequences };
}
