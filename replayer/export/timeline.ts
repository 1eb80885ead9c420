/**
 * The trace as a timeline of tracks, for the viewers people already use (Perfetto, Chrome's trace
 * viewer). One streaming pass over the events drives a `TimelineSink`; the Perfetto and Chrome
 * JSON writers are two sinks. Tracks in the order of the TUI's timeline (mode band, then one lane
 * per CSG slot), then the rest:
 *
 *   GPU
 *   ├─ GPU mode            slices: MODE_PROTECTED / ENTERING / EXITING / RESET intervals
 *   ├─ GPU mode (value)    counter: the GpuMode enum (0 NORMAL, 1 PROTECTED, 2 ENTERING, 3 EXITING, 4 RESET, 5 OFF)
 *   ├─ CSG slot N          slices: the group resident on the slot (GroupState ACTIVE on slot N → leaves ACTIVE)
 *   ├─ scheduler           instants: SchedDecision (named trigger → verdict), GroupState, QueueState
 *   ├─ FW GLB              instants: GLB requests and acks
 *   ├─ FW CSG N, CS M      instants: that CSG's / CS's requests and acks
 *   ├─ IRQ <line>          instants: JOB_IRQ / GPU_IRQ / MMU_IRQ
 *   ├─ doorbells, MMU      instants
 *   ├─ dma-heap            instants: heap calls; counter per heap: bytes allocated
 *   ├─ GPU reset           slices: RESET_BEGIN → RESET_END
 *   └─ device              instants: probe, faults, watchdog, logs
 *   <app> (one process per pid)
 *   ├─ ioctl               blocking ioctls as slices (their duration_ns), the others as instants
 *   └─ <app>:<k> queue Q   slices: jobs from JOB_STARTED/RESUMED to DONE/FAILED/.../PREEMPTED; one
 *                          track per (app, group lane, queue): a group created after another of the
 *                          same app was destroyed takes its lane, so tracks follow identities, not handles
 *
 * Every event has one primary mark (an instant, or the slice it begins) that carries its
 * arguments (args.ts) and its flows: an event with a cause ends flow `index + 1`, which starts at
 * the cause's mark. Marks go out `FLOW_WINDOW` events late, once the near effects that name them
 * have been read; the few links from further back are found first by a skim of the causes
 * (far-causes.ts). Memory does not grow with the trace's events. Slice tracks hold at most one
 * open slice, so slices nest trivially; all are closed at the last timestamp.
 */
import {
  GpuMode, GpuModeNames, GroupStateKind, HeapOp, IoctlCmd, IoctlCmdNames, JobPhase, ProcessOp, ResetPhase,
  FwIface, IrqLineNames, HeapOpNames, JobPhaseNames, ProcessOpNames, GroupStateKindNames, BlockedReasonNames,
  FaultKindNames, ResetKindNames, ResetPhaseNames, ProbeStageNames, LogLevelNames, AsCommandNames, WatchdogOpNames,
  ModeSwitchCauseNames, FwReqKind, FwAckKind, ERRNO_NAMES, PmOpNames, EglOpNames, type BodyOf, type Event,
} from '../../proto/index.js';
import { GroupIdentities, LabelInterner } from '../diff/identity.js';
import type { TraceFile } from '../trace-file.js';
import { argKey, type ArgParts, type ArgSource, type ArgWriter } from './arg-writer.js';
import { decisionName, fwNames, irqNames, writeEventArgs, writeEventHead, writeEventMiddle, writeEventTail } from './args.js';
import { bodyFields, MAX_FIELDS_LONG } from './args-cache.js';
import { farLinks } from './far-causes.js';

export type { ArgKey, ArgSource, ArgWriter } from './arg-writer.js';

export interface TrackDecl {
  uuid: number;
  name: string;
  /** Parent track (0 = top level). */
  parent: number;
  kind: 'slices' | 'counter' | 'process';
  /** For process tracks. */
  pid?: number;
  /** For counter tracks. */
  unit?: 'bytes' | 'count';
  /** Display order among siblings (ascending). */
  order: number;
  /** One line saying what the track shows. */
  description?: string;
}

export interface TimelineSink {
  /** Declares a track; called once per track, before anything is placed on it. */
  track(d: TrackDecl): void;
  begin(ts: number, track: number, name: string, args: ArgSource | null, flowOut: readonly number[], flowIn: number): void;
  end(ts: number, track: number): void;
  /** A slice whose begin lies `dur` before `ts` (blocking ioctls, recorded at their end). */
  complete(ts: number, dur: number, track: number, name: string, args: ArgSource | null, flowOut: readonly number[], flowIn: number): void;
  instant(ts: number, track: number, name: string, args: ArgSource | null, flowOut: readonly number[], flowIn: number): void;
  counter(ts: number, track: number, value: number): void;
  finish(): void;
}

export interface TimelineOptions {
  /** Draw cause → effect flows (default true). */
  flows?: boolean;
  /** Events [from, to) (default: all). */
  from?: number;
  to?: number;
}

/**
 * Events a mark waits for the effects that follow it closely (a power of two; 99.6% of a stress
 * trace's causes are within 64 events). Links from further back come from far-causes.ts.
 */
export const FLOW_WINDOW = 256;

const T = { GPU: 1, MODE: 2, MODE_VALUE: 3, SCHED: 4, FW: 5, HEAP: 6, RESET: 7, DEVICE: 8, IRQ: 9, DOORBELL: 10, MMU: 11 } as const;
const SLOT_BASE = 100;
const DYNAMIC_BASE = 1000;
/** Sibling order under GPU: the TUI's mode band and CSG lanes first. */
const ORDER = { MODE: 0, MODE_VALUE: 1, SLOT: 10, SCHED: 100, FW: 200, IRQ: 300, DOORBELL: 310, MMU: 320, HEAP: 400, RESET: 500, DEVICE: 600 } as const;

const name = (t: Readonly<Record<number, string>>, v: number): string => t[v] ?? String(v);
const errnoOf = (r: number): string => `-${ERRNO_NAMES[-r] ?? String(-r)}`;

/** The mark's name for each event: short, from a small set where the event allows it. */
function computeName(ev: Event): string {
  const b = ev.body;
  switch (b.case) {
    case 'ioctl': return b.value.ret < 0 ? `${name(IoctlCmdNames, b.value.cmd)} ${errnoOf(b.value.ret)}` : name(IoctlCmdNames, b.value.cmd);
    case 'heap': return b.value.result < 0 ? `${name(HeapOpNames, b.value.op)} ${errnoOf(b.value.result)}` : name(HeapOpNames, b.value.op);
    case 'fwReq': {
      const v = b.value;
      const n = fwNames(v.iface, v.kind, v.bits, v.state);
      return v.kind === FwReqKind.REQ_EVENT_ACK ? `ack event ${n}` : v.kind === FwReqKind.REQ_WRITE ? `write ${n}`.trimEnd() : `req ${n}`;
    }
    case 'fwAck': {
      const v = b.value;
      const n = fwNames(v.iface, v.kind, v.bits, v.state);
      return v.kind === FwAckKind.ACK_EVENT ? `event ${n}` : `ack ${n}`;
    }
    case 'fwIrq': return `${name(IrqLineNames, b.value.line)} ${irqNames(b.value.line, b.value.status)}`;
    case 'doorbell': return `doorbell ${b.value.id}`;
    case 'modeSwitch': return `${name(GpuModeNames, b.value.to)} (${name(ModeSwitchCauseNames, b.value.cause)})`;
    case 'decision': return decisionName(b.value);
    case 'groupState': return name(GroupStateKindNames, b.value.to);
    case 'queueState': return `queue ${b.value.queue} ${name(BlockedReasonNames, b.value.blocked)}`;
    case 'job': return name(JobPhaseNames, b.value.phase);
    case 'fault': return name(FaultKindNames, b.value.kind);
    case 'reset': return `${name(ResetKindNames, b.value.kind)} ${name(ResetPhaseNames, b.value.phase)}`;
    case 'probe': return name(ProbeStageNames, b.value.stage);
    case 'log': return `log ${name(LogLevelNames, b.value.level)}`;
    case 'mmu': return name(AsCommandNames, b.value.cmd);
    case 'process': return name(ProcessOpNames, b.value.op);
    case 'watchdog': return name(WatchdogOpNames, b.value.op);
    case 'pm': return `PM ${name(PmOpNames, b.value.op)}`;
    case 'egl': return name(EglOpNames, b.value.op);
    case 'heapChoice': case 'devImport': case 'fence': case 'scanout': case 'tilerHeap': case 'vm': return b.case;
    case undefined: return 'unknown';
    default: {
      const never: never = b;
      return String(never);
    }
  }
}

/** What a mark's name depends on, as one number per family (-1: not cached). */
function nameKey(ev: Event): number {
  const b = ev.body;
  switch (b.case) {
    case 'ioctl': return b.value.cmd * 4096 + Math.min(4095, Math.max(0, -b.value.ret));
    case 'fwReq': case 'fwAck': {
      const v = b.value;
      return (v.bits >>> 0) * 1024 + v.iface * 256 + v.kind * 64 + (v.state & 63);
    }
    case 'fwIrq': return b.value.line * 2 ** 32 + (b.value.status >>> 0);
    case 'doorbell': return b.value.id;
    case 'modeSwitch': return b.value.to * 256 + b.value.cause;
    case 'decision': return b.value.trigger * 256 + b.value.protm;
    case 'queueState': return b.value.queue * 256 + b.value.blocked;
    case 'job': return b.value.phase;
    default: return -1;
  }
}

/** Mark names, cached per family and key: the same string objects again (cheap to intern). */
class Names {
  private readonly cache = new Map<string, Map<number, string>>();
  of(ev: Event): string {
    const c = ev.body.case;
    const key = nameKey(ev);
    if (c === undefined || key < 0) return computeName(ev);
    let m = this.cache.get(c);
    if (!m) { m = new Map(); this.cache.set(c, m); }
    let s = m.get(key);
    if (s === undefined) {
      s = computeName(ev);
      if (m.size < 4096) m.set(key, s);
    }
    return s;
  }
}

/** The arguments of the event being placed (one object, refilled per event). */
class EventArgs implements ArgSource, ArgParts {
  ev!: Event;
  index = 0;
  readonly fields = new Float64Array(MAX_FIELDS_LONG);
  count = 0;
  parts: ArgParts | undefined;
  /** Refills for event `index`. */
  set(ev: Event, index: number): void {
    this.ev = ev;
    this.index = index;
    this.count = bodyFields(ev, this.fields);
    this.parts = this.count === 0 ? undefined : this;
  }
  writeArgs(w: ArgWriter): void { writeEventArgs(w, this.ev, this.index); }
  writeHead(w: ArgWriter): void { writeEventHead(w, this.ev, this.index); }
  writeBody(w: ArgWriter): void { writeEventMiddle(w, this.ev); }
  writeTail(w: ArgWriter): void { writeEventTail(w, this.ev); }
}

const REF_KEYS = { event: argKey('event'), group: argKey('group'), groupLabel: argKey('group_label') } as const;

/** The arguments of a slice drawn from an event (slot residency, mode intervals): a few keys. */
class RefArgs implements ArgSource {
  index = 0;
  group = 0;
  label = '';
  writeArgs(w: ArgWriter): void {
    w.int(REF_KEYS.event, this.index);
    if (this.group !== 0) { w.int(REF_KEYS.group, this.group); w.sym(REF_KEYS.groupLabel, this.label); }
  }
}

interface Lane { pid: number; lane: number; app: string }

class Builder {
  private readonly declared = new Set<number>();
  private readonly open = new Set<number>();
  private nextUuid = DYNAMIC_BASE;
  private readonly dynamic = new Map<string, number>();
  private readonly ids = new GroupIdentities(new LabelInterner());
  private readonly comm = new Map<number, string>();
  private readonly heapUsed = new Map<string, number>();
  private readonly bufSize = new Map<number, { heap: string; size: number }>();
  private readonly groupSlot = new Map<number, number>();
  private readonly jobTrack = new Map<string, number>(); // open job slice per (group, queue, seqno)
  /** Lanes per pid: the group handle holding each (0 = free). */
  private readonly lanes = new Map<number, number[]>();
  private readonly laneOf = new Map<number, Lane>();
  /** Per ioctl track: the end of the last blocking ioctl drawn there. */
  private readonly ioctlEnd = new Map<number, number>();
  private readonly evArgs = new EventArgs();
  private readonly names = new Names();
  private readonly refArgs = new RefArgs();
  private modeDrawn = false;
  private lastTs = 0;

  constructor(private readonly sink: TimelineSink) {
    this.declare({ uuid: T.GPU, name: 'GPU', parent: 0, kind: 'slices', order: 0, description: 'The simulated Mali CSF GPU. Timestamps are virtual nanoseconds of the simulation, not wall-clock time.' });
    this.declare({ uuid: T.MODE, name: 'GPU mode', parent: T.GPU, kind: 'slices', order: ORDER.MODE, description: 'Intervals out of normal mode: MODE_PROTECTED, MODE_ENTERING, MODE_EXITING, MODE_RESET' });
    this.declare({ uuid: T.SCHED, name: 'scheduler', parent: T.GPU, kind: 'slices', order: ORDER.SCHED, description: 'Scheduling decisions (named trigger → protected-mode verdict), group and queue state changes' });
    this.declare({ uuid: T.FW, name: 'FW interface', parent: T.GPU, kind: 'slices', order: ORDER.FW, description: 'Host ↔ firmware requests and acks, one track per interface (GLB, CSG n, CSG n CS m)' });
    this.declare({ uuid: T.HEAP, name: 'dma-heap', parent: T.GPU, kind: 'slices', order: ORDER.HEAP, description: 'dma-heap calls' });
    this.declare({ uuid: T.RESET, name: 'GPU reset', parent: T.GPU, kind: 'slices', order: ORDER.RESET });
    this.declare({ uuid: T.DEVICE, name: 'device', parent: T.GPU, kind: 'slices', order: ORDER.DEVICE, description: 'Probe, faults, resets, watchdog, logs' });
  }

  private declare(d: TrackDecl): number {
    if (!this.declared.has(d.uuid)) { this.declared.add(d.uuid); this.sink.track(d); }
    return d.uuid;
  }

  private dyn(key: string, make: () => Omit<TrackDecl, 'uuid'>): number {
    let u = this.dynamic.get(key);
    if (u === undefined) {
      u = this.nextUuid++;
      this.dynamic.set(key, u);
      this.declare({ uuid: u, ...make() });
    }
    return u;
  }

  private slotTrack(slot: number): number {
    return this.declare({ uuid: SLOT_BASE + slot, name: `CSG slot ${slot}`, parent: T.GPU, kind: 'slices', order: ORDER.SLOT + slot });
  }

  private modeValueTrack(): number {
    return this.declare({ uuid: T.MODE_VALUE, name: 'GPU mode (value)', parent: T.GPU, kind: 'counter', unit: 'count', order: ORDER.MODE_VALUE,
      description: 'GpuMode: 0 NORMAL, 1 PROTECTED, 2 ENTERING, 3 EXITING, 4 RESET, 5 OFF' });
  }

  private processTrack(pid: number): number {
    return this.dyn(`pid:${pid}`, () => ({ name: this.comm.get(pid) ?? `pid ${pid}`, parent: 0, kind: 'process', pid, order: 100 + pid }));
  }

  /** FW and IRQ tracks by a number (the hot path: no key string per event). */
  private readonly numbered = new Map<number, number>();

  private fwTrack(iface: number, csg: number, cs: number): number {
    const key = iface * 2 ** 20 + csg * 1024 + cs;
    let u = this.numbered.get(key);
    if (u === undefined) { u = this.makeFwTrack(iface, csg, cs); this.numbered.set(key, u); }
    return u;
  }

  private makeFwTrack(iface: number, csg: number, cs: number): number {
    if (iface === FwIface.GLB) return this.dyn('fw:glb', () => ({ name: 'FW GLB', parent: T.FW, kind: 'slices', order: 0 }));
    if (iface === FwIface.CSG) return this.dyn(`fw:${csg}`, () => ({ name: `FW CSG ${csg}`, parent: T.FW, kind: 'slices', order: 1 + csg * 64 }));
    return this.dyn(`fw:${csg}:${cs}`, () => ({ name: `FW CSG ${csg} CS ${cs}`, parent: T.FW, kind: 'slices', order: 2 + csg * 64 + cs }));
  }

  private begin(ts: number, track: number, name: string, args: ArgSource | null, out: readonly number[], inn: number): void {
    if (this.open.has(track)) this.sink.end(ts, track);
    this.open.add(track);
    this.sink.begin(ts, track, name, args, out, inn);
  }

  private end(ts: number, track: number): void {
    if (this.open.delete(track)) this.sink.end(ts, track);
  }

  private ref(i: number, group: number): ArgSource {
    this.refArgs.index = i;
    this.refArgs.group = group;
    this.refArgs.label = group ? this.ids.labelOf(group) : '';
    return this.refArgs;
  }

  /** Mode interval names (`MODE_PROTECTED game:1`) per mode and group label: the same string objects again. */
  private readonly modeNames = new Map<number, Map<string | undefined, string>>();

  private modeName(to: number, label: string | undefined): string {
    let m = this.modeNames.get(to);
    if (!m) { m = new Map(); this.modeNames.set(to, m); }
    let s = m.get(label);
    if (s === undefined) {
      s = `${GpuModeNames[to] ?? to}${label !== undefined ? ` ${label}` : ''}`;
      if (m.size < 4096) m.set(label, s);
    }
    return s;
  }

  /** The lane (per pid) of a group: the first one free when the group is first seen. */
  private lane(group: number, pid: number): Lane {
    let l = this.laneOf.get(group);
    if (l) return l;
    let list = this.lanes.get(pid);
    if (!list) { list = []; this.lanes.set(pid, list); }
    let k = list.indexOf(0);
    if (k < 0) { k = list.length; list.push(0); }
    list[k] = group;
    const label = this.ids.labelOf(group);
    const app = pid !== 0 ? (this.comm.get(pid) ?? `pid ${pid}`) : label.includes(':') ? label.slice(0, label.lastIndexOf(':')) : label;
    l = { pid, lane: k, app };
    this.laneOf.set(group, l);
    return l;
  }

  private releaseLane(group: number): void {
    const l = this.laneOf.get(group);
    if (!l) return;
    this.laneOf.delete(group);
    const list = this.lanes.get(l.pid);
    if (list && list[l.lane] === group) list[l.lane] = 0;
  }

  event(ev: Event, i: number, out: readonly number[], inn: number): void {
    const ts = ev.t;
    this.lastTs = ts;
    this.ids.onEvent(ev, i);
    const args = this.evArgs;
    args.set(ev, i);
    const b = ev.body;
    switch (b.case) {
      case 'process': {
        const p = b.value;
        if (p.op === ProcessOp.PROC_START && p.comm) this.comm.set(p.pid, p.comm);
        this.sink.instant(ts, this.processTrack(p.pid), this.names.of(ev), args, out, inn);
        return;
      }
      case 'ioctl':
        this.ioctlEvent(ev, b.value, ts, args, out, inn);
        return;
      case 'heap':
        this.heapEvent(ev, b.value, ts, args, out, inn);
        return;
      case 'modeSwitch': {
        const m = b.value;
        const value = this.modeValueTrack();
        if (!this.modeDrawn) { this.sink.counter(ts, value, m.from); this.modeDrawn = true; }
        this.end(ts, T.MODE);
        this.sink.counter(ts, value, m.to);
        if (m.to !== GpuMode.MODE_NORMAL && m.to !== GpuMode.MODE_OFF) {
          // the interval's slice is the switch's mark: it carries the event's arguments and flows
          this.begin(ts, T.MODE, this.modeName(m.to, m.group ? this.ids.labelOf(m.group) : undefined), args, out, inn);
        } else {
          this.sink.instant(ts, T.MODE, this.names.of(ev), args, out, inn);
        }
        return;
      }
      case 'groupState':
        this.groupStateEvent(ev, b.value, i, ts, args, out, inn);
        return;
      case 'decision':
      case 'queueState':
        this.sink.instant(ts, T.SCHED, this.names.of(ev), args, out, inn);
        return;
      case 'job':
        this.jobEvent(ev, b.value, ts, args, out, inn);
        return;
      case 'reset': {
        const r = b.value;
        const nm = this.names.of(ev);
        this.sink.instant(ts, T.DEVICE, nm, args, out, inn);
        if (r.phase === ResetPhase.RESET_BEGIN) this.begin(ts, T.RESET, nm, this.ref(i, 0), [], 0);
        else this.end(ts, T.RESET);
        return;
      }
      case 'fwReq': case 'fwAck': {
        const v = b.value;
        this.sink.instant(ts, this.fwTrack(v.iface, v.csg, v.cs), this.names.of(ev), args, out, inn);
        return;
      }
      case 'fwIrq': {
        const line = b.value.line;
        let track = this.numbered.get(-1 - line);
        if (track === undefined) {
          track = this.dyn(`irq:${line}`, () => ({ name: `IRQ ${name(IrqLineNames, line)}`, parent: T.GPU, kind: 'slices', order: ORDER.IRQ + line }));
          this.numbered.set(-1 - line, track);
        }
        this.sink.instant(ts, track, this.names.of(ev), args, out, inn);
        return;
      }
      case 'doorbell':
        this.sink.instant(ts, this.declare({ uuid: T.DOORBELL, name: 'doorbells', parent: T.GPU, kind: 'slices', order: ORDER.DOORBELL }), this.names.of(ev), args, out, inn);
        return;
      case 'mmu':
        this.sink.instant(ts, this.declare({ uuid: T.MMU, name: 'MMU', parent: T.GPU, kind: 'slices', order: ORDER.MMU }), this.names.of(ev), args, out, inn);
        return;
      case 'watchdog': case 'fault': case 'probe': case 'log': case 'pm': case 'egl': case undefined:
      case 'heapChoice': case 'devImport': case 'fence': case 'scanout': case 'tilerHeap': case 'vm':
        this.sink.instant(ts, T.DEVICE, this.names.of(ev), args, out, inn);
        return;
      default: {
        const never: never = b;
        void never;
      }
    }
  }

  /** The timeline of ioctl event `i` (see event). */
  private ioctlEvent(ev: Event, v: BodyOf<'ioctl'>, ts: number, args: EventArgs, out: readonly number[], inn: number): void {
    const proc = this.processTrack(v.pid);
    let nm = this.names.of(ev);
    if (v.cmd === IoctlCmd.GROUP_CREATE && v.ret === 0 && v.args.case === 'groupCreate') {
      const g = v.args.value.groupHandle;
      this.lane(g, v.pid);
      nm = `GROUP_CREATE ${this.ids.labelOf(g)}`;
    }
    if (v.durationNs > 0) {
      // blocking: a slice on the first ioctl lane of the pid free at its start
      const start = ts - v.durationNs;
      let k = 0, track = 0;
      for (;;) {
        const kk = k;
        track = this.dyn(`ioctl:${v.pid}:${kk}`, () => ({ name: kk === 0 ? 'ioctl' : `ioctl (${kk + 1})`, parent: proc, kind: 'slices', order: kk }));
        if ((this.ioctlEnd.get(track) ?? -1) <= start) break;
        k++;
      }
      this.ioctlEnd.set(track, ts);
      this.sink.complete(ts, v.durationNs, track, nm, args, out, inn);
      return;
    }
    const track = this.dyn(`ioctl:${v.pid}:0`, () => ({ name: 'ioctl', parent: proc, kind: 'slices', order: 0 }));
    this.sink.instant(ts, track, nm, args, out, inn);
    return;
  }

  /** The timeline of heap event `i` (see event). */
  private heapEvent(ev: Event, h: BodyOf<'heap'>, ts: number, args: EventArgs, out: readonly number[], inn: number): void {
    this.sink.instant(ts, T.HEAP, this.names.of(ev), args, out, inn);
    if (h.result !== 0) return;
    let delta = 0, heap = h.heapName;
    if (h.op === HeapOp.DMA_HEAP_BUFFER_ALLOC) {
      delta = h.size;
      this.bufSize.set(h.bufferId, { heap, size: h.size });
    } else if (h.op === HeapOp.DMA_BUF_RELEASE) {
      const known = this.bufSize.get(h.bufferId);
      if (known) { delta = -known.size; heap = heap || known.heap; this.bufSize.delete(h.bufferId); }
    }
    if (delta !== 0 && heap) {
      const track = this.dyn(`heap:${heap}`, () => ({ name: `heap ${heap} allocated`, parent: T.GPU, kind: 'counter', unit: 'bytes', order: ORDER.HEAP + 1 }));
      const v = (this.heapUsed.get(heap) ?? 0) + delta;
      this.heapUsed.set(heap, v);
      this.sink.counter(ts, track, v);
    }
    return;
  }

  /** The timeline of groupState event `i` (see event). */
  private groupStateEvent(ev: Event, g: BodyOf<'groupState'>, i: number, ts: number, args: EventArgs, out: readonly number[], inn: number): void {
    const label = this.ids.labelOf(g.group);
    const prev = this.groupSlot.get(g.group);
    if (prev !== undefined && (g.to !== GroupStateKind.PANTHOR_CS_GROUP_ACTIVE || g.csgSlot !== prev)) {
      this.end(ts, this.slotTrack(prev));
      this.groupSlot.delete(g.group);
    }
    this.sink.instant(ts, T.SCHED, `${label} ${this.names.of(ev)}`, args, out, inn);
    if (g.to === GroupStateKind.PANTHOR_CS_GROUP_ACTIVE && g.csgSlot >= 0 && prev !== g.csgSlot) {
      // Another group still drawn on this slot has left it (its own event may come later).
      for (const [other, s] of this.groupSlot) if (s === g.csgSlot) this.groupSlot.delete(other);
      this.begin(ts, this.slotTrack(g.csgSlot), label, this.ref(i, g.group), [], 0);
      this.groupSlot.set(g.group, g.csgSlot);
    }
    if (g.to === GroupStateKind.GROUP_DESTROYED) this.releaseLane(g.group);
    return;
  }

  /** The timeline of job event `i` (see event). */
  private jobEvent(ev: Event, j: BodyOf<'job'>, ts: number, args: EventArgs, out: readonly number[], inn: number): void {
    const l = this.lane(j.group, j.pid);
    const parent = l.pid !== 0 ? this.processTrack(l.pid)
      : this.dyn(`app:${l.app}`, () => ({ name: l.app, parent: 0, kind: 'process', pid: 0, order: 5000 }));
    const track = this.dyn(`job:${l.pid}:${l.app}:${l.lane}:${j.queue}`, () => ({ name: `${l.app}:${l.lane} queue ${j.queue}`, parent, kind: 'slices', order: 10 + l.lane * 64 + j.queue }));
    const key = `${j.group}:${j.queue}:${j.seqno}`;
    if (j.phase === JobPhase.JOB_STARTED || j.phase === JobPhase.JOB_RESUMED) {
      const what = j.frame ? `frame ${j.frame}` : `job ${j.seqno}`;
      this.begin(ts, track, `${what}${j.protRegion ? ' (protected)' : ''}`, args, out, inn);
      this.jobTrack.set(key, track);
      return;
    }
    if (j.phase !== JobPhase.JOB_QUEUED) {
      const open = this.jobTrack.get(key);
      if (open !== undefined) { this.end(ts, open); this.jobTrack.delete(key); }
    }
    this.sink.instant(ts, track, this.names.of(ev), args, out, inn);
    return;
  }

  finish(): void {
    for (const track of [...this.open]) this.end(this.lastTs, track);
    this.sink.finish();
  }
}

/**
 * Drives `sink` with the timeline of `trace`: one pass, memory bounded by `FLOW_WINDOW` (each
 * event's mark goes out once the events that may carry its flows have been read).
 */
export function buildTimeline(trace: TraceFile, sink: TimelineSink, opts: TimelineOptions = {}): void {
  const from = Math.max(0, opts.from ?? 0), to = Math.min(trace.eventCount, opts.to ?? trace.eventCount);
  const flows = opts.flows ?? true;
  const b = new Builder(sink);
  if (!flows) {
    trace.forEach((ev, i) => { b.event(ev, i, NO_FLOWS, 0); }, from, to);
    b.finish();
    return;
  }
  const W = FLOW_WINDOW, M = W - 1;
  const far = farLinks(trace, from, to, W);
  let farOut = 0, farIn = 0;
  const ring = new Array<Event | undefined>(W);
  const head = new Float64Array(W).fill(-1); // per cause: its latest effect in the window
  const next = new Float64Array(W);          // per effect: the previous effect of the same cause
  const drawn = new Uint8Array(W);           // per effect: its flow starts at its cause
  const out: number[] = [];
  const emit = (i: number): void => {
    const s = i & M;
    const ev = ring[s]!;
    ring[s] = undefined;
    if (out.length !== 0) out.length = 0;
    for (let e = head[s]!; e >= 0; e = next[e & M]!) out.push(e + 1); // indices masked into the window
    while (farOut < far.length && far.cause[farOut]! < i) farOut++;
    while (farOut < far.length && far.cause[farOut] === i) out.push(far.effect[farOut++]! + 1);
    b.event(ev, i, out, drawn[s] ? i + 1 : 0);
  };
  trace.forEach((ev, j) => {
    if (j - W >= from) emit(j - W);
    const s = j & M;
    ring[s] = ev;
    head[s] = -1;
    next[s] = -1;
    drawn[s] = 0;
    if (ev.cause === 0) return;
    const c = j - ev.cause;
    if (c < from) return; // a cause before `from` has nothing to flow from
    if (ev.cause < W) {
      next[s] = head[c & M]!;
      head[c & M] = j;
      drawn[s] = 1;
      return;
    }
    const byEffect = far.byEffect;
    while (farIn < far.length && byEffect.effect[farIn]! < j) farIn++;
    if (farIn < far.length && byEffect.effect[farIn] === j && byEffect.cause[farIn] === c) drawn[s] = 1;
  }, from, to);
  for (let i = Math.max(from, to - W); i < to; i++) emit(i);
  b.finish();
}

const NO_FLOWS: readonly number[] = [];
