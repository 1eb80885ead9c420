/**
 * The trace as a timeline of tracks, for the viewers people already use (Perfetto, Chrome's trace
 * viewer). One pass over the events drives a `TimelineSink`; the Perfetto and Chrome JSON writers
 * are two sinks.
 *
 *   GPU
 *   ├─ CSG slot N          slices: the group resident on the slot (GroupState ACTIVE on slot N → leaves ACTIVE)
 *   ├─ GPU mode            slices: MODE_PROTECTED / ENTERING / EXITING / RESET intervals
 *   ├─ scheduler           instants: SchedDecision, GroupState, QueueState
 *   ├─ FW interface        instants: FW requests, acks, IRQs, doorbells, MMU commands, watchdog
 *   ├─ dma-heap            instants: heap calls; counter per heap: bytes allocated
 *   ├─ GPU reset           slices: RESET_BEGIN → RESET_END
 *   └─ device              instants: probe, faults, resets, logs
 *   <app> (one process per pid)
 *   ├─ ioctl               instants: the app's ioctls (name + errno)
 *   └─ <group> queue Q     slices: jobs from JOB_STARTED/RESUMED to DONE/FAILED/.../PREEMPTED
 *
 * Every event has one primary mark (an instant, or the slice it begins) that carries its flows:
 * an event with a cause ends flow `index + 1`, which starts at the cause's mark. Slice tracks hold
 * at most one open slice, so slices nest trivially; all are closed at the last timestamp.
 */
import {
  GpuMode, GpuModeNames, GroupStateKind, HeapOp, IoctlCmd, JobPhase, ProcessOp, ResetPhase,
  type Event,
} from '../../proto/index.js';
import { formatEvent } from '../format.js';
import { GroupIdentities, LabelInterner } from '../diff/identity.js';
import type { TraceFile } from '../trace-file.js';

export type ArgValue = string | number | boolean;
export type Args = ReadonlyArray<readonly [string, ArgValue]>;

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
  /** Display order among siblings. */
  order: number;
}

export interface TimelineSink {
  /** Declares a track; called once per track, before anything is placed on it. */
  track(d: TrackDecl): void;
  begin(ts: number, track: number, name: string, args: Args, flowOut: readonly number[], flowIn: number): void;
  end(ts: number, track: number): void;
  instant(ts: number, track: number, name: string, args: Args, flowOut: readonly number[], flowIn: number): void;
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

const T = { GPU: 1, MODE: 2, SCHED: 3, FW: 4, HEAP: 5, RESET: 6, DEVICE: 7 } as const;
const SLOT_BASE = 100;
const DYNAMIC_BASE = 1000;

/** Short name of an event: its description up to the first `key=value` (at most 3 words). */
export function shortName(ev: Event, index: number): string {
  const line = formatEvent(ev, index);
  const words = line.split(' ').slice(3); // "#i", time, family
  const out: string[] = [];
  for (const w of words) {
    if (w.includes('=') || w.startsWith('<-#') || out.length === 3) break;
    out.push(w);
  }
  const fam = line.split(' ')[2] ?? '';
  return out.length ? out.join(' ') : fam;
}

/** The event's description without the "#i time" prefix (the detail argument of every mark). */
function detail(ev: Event, index: number): string {
  const line = formatEvent(ev, index);
  const sp = line.indexOf(' ', line.indexOf(' ') + 1);
  return sp > 0 ? line.slice(sp + 1) : line;
}

class Builder {
  private readonly declared = new Set<number>();
  private readonly open = new Map<number, number>(); // track → 1 while a slice is open
  private nextUuid = DYNAMIC_BASE;
  private readonly dynamic = new Map<string, number>();
  private readonly ids = new GroupIdentities(new LabelInterner());
  private readonly comm = new Map<number, string>();
  private readonly heapUsed = new Map<string, number>();
  private readonly bufSize = new Map<number, { heap: string; size: number }>();
  private readonly groupSlot = new Map<number, number>();
  private readonly jobTrack = new Map<string, number>(); // open job slice per (group, queue, seqno)
  private lastTs = 0;

  constructor(private readonly sink: TimelineSink, private readonly effects: Map<number, number[]> | undefined,
              private readonly flows: boolean) {
    this.declare({ uuid: T.GPU, name: 'GPU', parent: 0, kind: 'process', pid: 0, order: 0 });
    this.declare({ uuid: T.MODE, name: 'GPU mode', parent: T.GPU, kind: 'slices', order: 1 });
    this.declare({ uuid: T.SCHED, name: 'scheduler', parent: T.GPU, kind: 'slices', order: 2 });
    this.declare({ uuid: T.FW, name: 'FW interface', parent: T.GPU, kind: 'slices', order: 50 });
    this.declare({ uuid: T.HEAP, name: 'dma-heap', parent: T.GPU, kind: 'slices', order: 60 });
    this.declare({ uuid: T.RESET, name: 'GPU reset', parent: T.GPU, kind: 'slices', order: 70 });
    this.declare({ uuid: T.DEVICE, name: 'device', parent: T.GPU, kind: 'slices', order: 80 });
  }

  private declare(d: TrackDecl): number {
    if (!this.declared.has(d.uuid)) { this.declared.add(d.uuid); this.sink.track(d); }
    return d.uuid;
  }

  private dyn(key: string, make: (uuid: number) => Omit<TrackDecl, 'uuid'>): number {
    let u = this.dynamic.get(key);
    if (u === undefined) {
      u = this.nextUuid++;
      this.dynamic.set(key, u);
      this.declare({ uuid: u, ...make(u) });
    }
    return u;
  }

  private slotTrack(slot: number): number {
    return this.declare({ uuid: SLOT_BASE + slot, name: `CSG slot ${slot}`, parent: T.GPU, kind: 'slices', order: 10 + slot });
  }

  private processTrack(pid: number): number {
    return this.dyn(`pid:${pid}`, () => ({ name: this.comm.get(pid) ?? `pid ${pid}`, parent: 0, kind: 'process', pid, order: 100 + pid }));
  }

  private begin(ts: number, track: number, name: string, args: Args, out: readonly number[], inn: number): void {
    if (this.open.has(track)) this.sink.end(ts, track);
    this.open.set(track, 1);
    this.sink.begin(ts, track, name, args, out, inn);
  }

  private end(ts: number, track: number): void {
    if (this.open.delete(track)) this.sink.end(ts, track);
  }

  event(ev: Event, i: number): void {
    const ts = ev.t;
    this.lastTs = ts;
    this.ids.onEvent(ev, i);
    const out = this.flows ? (this.effects?.get(i) ?? []).map((e) => e + 1) : [];
    const inn = this.flows && ev.cause !== 0 ? i + 1 : 0;
    const args: [string, ArgValue][] = [['event', i], ['detail', detail(ev, i)]];
    const name = shortName(ev, i);
    const b = ev.body;
    switch (b.case) {
      case 'process': {
        const p = b.value;
        if (p.op === ProcessOp.PROC_START && p.comm) this.comm.set(p.pid, p.comm);
        this.sink.instant(ts, this.processTrack(p.pid), name, args, out, inn);
        return;
      }
      case 'ioctl': {
        const v = b.value;
        const proc = this.processTrack(v.pid);
        const track = this.dyn(`ioctl:${v.pid}`, () => ({ name: 'ioctl', parent: proc, kind: 'slices', order: 0 }));
        if (v.ret !== 0) args.push(['ret', v.ret]);
        this.sink.instant(ts, track, v.cmd === IoctlCmd.GROUP_CREATE && v.ret === 0 && v.args.case === 'groupCreate'
          ? `GROUP_CREATE ${this.ids.labelOf(v.args.value.groupHandle)}` : name, args, out, inn);
        return;
      }
      case 'heap': {
        const h = b.value;
        this.sink.instant(ts, T.HEAP, name, args, out, inn);
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
          const track = this.dyn(`heap:${heap}`, () => ({ name: `heap ${heap} allocated`, parent: T.GPU, kind: 'counter', unit: 'bytes', order: 61 }));
          const v = (this.heapUsed.get(heap) ?? 0) + delta;
          this.heapUsed.set(heap, v);
          this.sink.counter(ts, track, v);
        }
        return;
      }
      case 'modeSwitch': {
        const m = b.value;
        this.end(ts, T.MODE);
        this.sink.instant(ts, T.MODE, name, args, out, inn);
        if (m.to !== GpuMode.MODE_NORMAL && m.to !== GpuMode.MODE_OFF) {
          const who = m.group ? ` ${this.ids.labelOf(m.group)}` : '';
          this.begin(ts, T.MODE, `${GpuModeNames[m.to] ?? m.to}${who}`, [['event', i]], [], 0);
        }
        return;
      }
      case 'groupState': {
        const g = b.value;
        const label = this.ids.labelOf(g.group);
        const prev = this.groupSlot.get(g.group);
        if (prev !== undefined && (g.to !== GroupStateKind.PANTHOR_CS_GROUP_ACTIVE || g.csgSlot !== prev)) {
          this.end(ts, this.slotTrack(prev));
          this.groupSlot.delete(g.group);
        }
        this.sink.instant(ts, T.SCHED, `${label} ${name}`, args, out, inn);
        if (g.to === GroupStateKind.PANTHOR_CS_GROUP_ACTIVE && g.csgSlot >= 0 && prev !== g.csgSlot) {
          // Another group still drawn on this slot has left it (its own event may come later).
          for (const [other, s] of this.groupSlot) if (s === g.csgSlot) this.groupSlot.delete(other);
          this.begin(ts, this.slotTrack(g.csgSlot), label, [['group', g.group], ['event', i]], [], 0);
          this.groupSlot.set(g.group, g.csgSlot);
        }
        return;
      }
      case 'decision':
      case 'queueState':
        this.sink.instant(ts, T.SCHED, name, args, out, inn);
        return;
      case 'job': {
        const j = b.value;
        const label = this.ids.labelOf(j.group);
        const app = label.includes(':') ? label.slice(0, label.lastIndexOf(':')) : label;
        const pidKey = j.pid !== 0 ? j.pid : undefined;
        const parent = pidKey !== undefined ? this.processTrack(pidKey) : this.dyn(`app:${app}`, () => ({ name: app, parent: 0, kind: 'process', pid: 0, order: 5000 }));
        const track = this.dyn(`job:${label}:${j.queue}`, () => ({ name: `${label} queue ${j.queue}`, parent, kind: 'slices', order: 10 + j.queue }));
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
        this.sink.instant(ts, track, name, args, out, inn);
        return;
      }
      case 'reset': {
        const r = b.value;
        this.sink.instant(ts, T.DEVICE, name, args, out, inn);
        if (r.phase === ResetPhase.RESET_BEGIN) this.begin(ts, T.RESET, name, [['event', i]], [], 0);
        else this.end(ts, T.RESET);
        return;
      }
      case 'fwReq': case 'fwAck': case 'fwIrq': case 'doorbell': case 'mmu': case 'watchdog':
        this.sink.instant(ts, T.FW, name, args, out, inn);
        return;
      case 'fault': case 'probe': case 'log': case 'tilerHeap': case 'vm': case undefined:
        this.sink.instant(ts, T.DEVICE, name, args, out, inn);
        return;
      default: {
        const never: never = b;
        void never;
      }
    }
  }

  finish(): void {
    for (const track of [...this.open.keys()]) this.end(this.lastTs, track);
    this.sink.finish();
  }
}

/** Drives `sink` with the timeline of `trace` (two passes when flows are on: causes, then marks). */
export function buildTimeline(trace: TraceFile, sink: TimelineSink, opts: TimelineOptions = {}): void {
  const from = Math.max(0, opts.from ?? 0), to = Math.min(trace.eventCount, opts.to ?? trace.eventCount);
  const flows = opts.flows ?? true;
  let effects: Map<number, number[]> | undefined;
  if (flows) {
    effects = new Map();
    let i = from;
    for (const ev of trace.iterate(from, to)) {
      if (ev.cause !== 0 && i - ev.cause >= from) {
        const c = i - ev.cause;
        const list = effects.get(c);
        if (list) list.push(i); else effects.set(c, [i]);
      }
      i++;
    }
  }
  const b = new Builder(sink, effects, flows);
  let i = from;
  for (const ev of trace.iterate(from, to)) {
    // An effect whose cause lies before `from` has nothing to flow from.
    const e = ev.cause !== 0 && i - ev.cause < from ? { t: ev.t, cause: 0, body: ev.body } as Event : ev;
    b.event(e, i);
    i++;
  }
  b.finish();
}
