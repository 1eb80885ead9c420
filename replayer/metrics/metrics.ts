/**
 * Run metrics: the one definition of what a run did for each group and app, used by `simulate`,
 * `diff` (consequences), `bugreport` and the TUI's consequences view. The definitions are written
 * once, in replayer/metrics/README.md; this file follows them.
 *
 * Fed one event at a time (Job, QueueState, GroupState, ModeSwitch, Process and GROUP_CREATE ioctls
 * through the group identities). A queue *executes* while it has a started job, is not blocked (a
 * QueueState with a blocked reason, e.g. BLOCKED_PROTM, until the GPU enters protected mode for its
 * group or an UNBLOCKED state arrives) and its group is resident (GroupState ACTIVE). Everything
 * interval-based is accumulated at the transitions of that predicate.
 */
import { BlockedReason, GpuMode, GroupStateKind, JobPhase, type BodyOf, type Event } from '../../proto/index.js';
import { appOfLabel, type GroupIdentities } from '../diff/identity.js';
import { DeviceCollector, type DeviceMetrics } from './devices.js';

export interface Metrics {
  jobsDone: number;
  jobsFailed: number;
  /** Time some queue of the group executed on the GPU (not blocked, not waiting for protected mode). */
  gpuNs: number;
  /** gpuNs / the run's span. */
  gpuShare: number;
  /** Time a started job of the group sat blocked waiting for protected mode. */
  blockedProtmNs: number;
  /** Time in MODE_PROTECTED while the group was the protected group. */
  protectedNs: number;
  protmEnters: number;
  protmExits: number;
  /** Submit (JOB_QUEUED) → first real execution, per job. */
  latencyP50Ns: number;
  latencyP99Ns: number;
  latencyMaxNs: number;
  /** Longest time the group had work (queued, started or preempted) and executed none of it. */
  longestStarvationNs: number;
  framesDone: number;
  /** Paced apps: vsyncs in the run while the app ran (0 = not paced or plan unknown). */
  framesExpected: number;
  /** Frames that completed after their deadline or whose deadline passed without completing. */
  lateFrames: number;
}

type Unit = 'ns' | 'count' | 'share';

/** Every metric with its label and unit, in report order: the one list every renderer uses. */
export const METRIC_DEFS: readonly { key: keyof Metrics; label: string; unit: Unit }[] = [
  { key: 'jobsDone', label: 'jobs done', unit: 'count' },
  { key: 'jobsFailed', label: 'jobs failed', unit: 'count' },
  { key: 'gpuNs', label: 'GPU time', unit: 'ns' },
  { key: 'gpuShare', label: 'GPU share of the run', unit: 'share' },
  { key: 'blockedProtmNs', label: 'blocked on protected mode', unit: 'ns' },
  { key: 'protectedNs', label: 'protected residency', unit: 'ns' },
  { key: 'protmEnters', label: 'PROTM enters', unit: 'count' },
  { key: 'protmExits', label: 'PROTM exits', unit: 'count' },
  { key: 'latencyP50Ns', label: 'submit→execution p50', unit: 'ns' },
  { key: 'latencyP99Ns', label: 'submit→execution p99', unit: 'ns' },
  { key: 'latencyMaxNs', label: 'submit→execution max', unit: 'ns' },
  { key: 'longestStarvationNs', label: 'longest starvation', unit: 'ns' },
  { key: 'framesDone', label: 'frames done', unit: 'count' },
  { key: 'framesExpected', label: 'frames expected', unit: 'count' },
  { key: 'lateFrames', label: 'late frames', unit: 'count' },
];

export const METRIC_NAMES: readonly (keyof Metrics)[] = METRIC_DEFS.map((d) => d.key);

export interface ConsequenceSet {
  /** The run's span: the requested duration when known, else first to last event. */
  spanNs: number;
  /** GPU in MODE_PROTECTED, whoever the group. */
  protectedNs: number;
  protmEnters: number;
  protmExits: number;
  totalGpuNs: number;
  groups: Map<string, Metrics>;
  apps: Map<string, Metrics>;
  /** Devices of a secure pipeline (decoder, display), by name (metrics/devices.ts). */
  devices: Map<string, DeviceMetrics>;
}

/** How an app is paced, from the scenario (for frames expected). */
export interface AppPlan { fps: number; startNs: number; stopNs: number }

export interface MetricsOptions {
  /** The run's requested duration (the span of gpuShare; default: first to last event). */
  durationNs?: number | undefined;
  /** Per app name (Process comm): its pacing, for frames expected. */
  plan?: ReadonlyMap<string, AppPlan> | undefined;
}

interface QueueAcc {
  group: GroupAcc;
  running: number;
  blocked: boolean;
  blockedProtm: boolean;
  exec: boolean;
  since: number;
  /** Started jobs that have not executed yet (their submit→execution latency is open). */
  waiting: number[];
}

interface GroupAcc {
  label: string;
  resident: boolean;
  queues: Map<number, QueueAcc>;
  /** Jobs queued, started or preempted and not ended. */
  live: number;
  executing: number;
  jobsDone: number;
  jobsFailed: number;
  gpuNs: number;
  blockedProtmNs: number;
  blockedSince: number;
  protectedNs: number;
  enters: number;
  exits: number;
  latencies: number[];
  starvingSince: number;
  longestStarvation: number;
  framesDone: number;
  lateFrames: number;
  /** Frame number → deadline of frames submitted and not completed. */
  openFrames: Map<number, number>;
}

interface JobRec { queue: QueueAcc; queuedAt: number; started: boolean; frame: number; deadline: number }

const NO_TIME = -1;

export class ConsequenceCollector {
  private readonly acc = new Map<string, GroupAcc>();
  private readonly byHandle = new Map<number, GroupAcc>();
  private readonly jobs = new Map<number, JobRec>();
  private firstT = NO_TIME;
  private lastT = 0;
  private protectedSince = NO_TIME;
  private protectedGroup: GroupAcc | undefined;
  private protectedNs = 0;
  private enters = 0;
  private exits = 0;
  private readonly devs = new DeviceCollector();

  constructor(private readonly ids: GroupIdentities, private readonly opts: MetricsOptions = {}) {}

  /** Notes the time of an event the collector does not otherwise look at. */
  touch(t: number): void {
    if (this.firstT < 0) this.firstT = t;
    this.lastT = t;
  }

  /** The group accumulator of a handle now (a handle's identity changes when it is reused). */
  private group(handle: number): GroupAcc {
    const label = this.ids.labelOf(handle);
    let g = this.byHandle.get(handle);
    if (g && g.label === label) return g;
    g = this.acc.get(label);
    if (!g) {
      g = {
        label, resident: true, queues: new Map(), live: 0, executing: 0,
        jobsDone: 0, jobsFailed: 0, gpuNs: 0, blockedProtmNs: 0, blockedSince: NO_TIME, protectedNs: 0,
        enters: 0, exits: 0, latencies: [], starvingSince: NO_TIME, longestStarvation: 0,
        framesDone: 0, lateFrames: 0, openFrames: new Map(),
      };
      this.acc.set(label, g);
    }
    this.byHandle.set(handle, g);
    return g;
  }

  private queue(g: GroupAcc, q: number): QueueAcc {
    let x = g.queues.get(q);
    if (!x) {
      x = { group: g, running: 0, blocked: false, blockedProtm: false, exec: false, since: 0, waiting: [] };
      g.queues.set(q, x);
    }
    return x;
  }

  onEvent(ev: Pick<Event, 't' | 'body'>): void {
    const t = ev.t;
    if (this.firstT < 0) this.firstT = t;
    this.lastT = t;
    const body = ev.body;
    switch (body.case) {
      case 'job': this.onJob(body.value, t); break;
      case 'queueState': {
        const s = body.value;
        const q = this.queue(this.group(s.group), s.queue);
        q.blocked = s.blocked !== BlockedReason.CS_STATUS_BLOCKED_REASON_UNBLOCKED;
        q.blockedProtm = s.blocked === BlockedReason.BLOCKED_PROTM;
        this.update(q, t);
        break;
      }
      case 'groupState': {
        const s = body.value;
        if (s.to === GroupStateKind.GROUP_DESTROYED) break;
        const g = this.group(s.group);
        g.resident = s.to === GroupStateKind.PANTHOR_CS_GROUP_ACTIVE && s.csgSlot >= 0;
        for (const q of g.queues.values()) this.update(q, t);
        break;
      }
      case 'modeSwitch': this.onModeSwitch(body.value, t); break;
      case 'scanout': case 'fence': case 'devImport': this.devs.onEvent(ev); break;
      default: break;
    }
  }

  private onModeSwitch(m: BodyOf<'modeSwitch'>, t: number): void {
    if (m.to === GpuMode.MODE_PROTECTED && m.from !== GpuMode.MODE_PROTECTED) {
      this.enters++;
      const g = m.group !== 0 ? this.group(m.group) : undefined;
      if (g) {
        g.enters++;
        // Protected mode is what the blocked queues of this group waited for.
        for (const q of g.queues.values()) {
          if (q.blockedProtm) { q.blocked = false; q.blockedProtm = false; this.update(q, t); }
        }
      }
      this.protectedSince = t;
      this.protectedGroup = g;
    } else if (m.from === GpuMode.MODE_PROTECTED && m.to !== GpuMode.MODE_PROTECTED) {
      this.exits++;
      const owner = this.protectedGroup ?? (m.group !== 0 ? this.group(m.group) : undefined);
      if (owner) owner.exits++;
      this.closeProtected(t);
    }
  }

  private closeProtected(t: number): void {
    if (this.protectedSince < 0) return;
    const d = t - this.protectedSince;
    this.protectedNs += d;
    if (this.protectedGroup) this.protectedGroup.protectedNs += d;
    this.protectedSince = NO_TIME;
    this.protectedGroup = undefined;
  }

  private onJob(j: BodyOf<'job'>, t: number): void {
    const g = this.group(j.group);
    const q = this.queue(g, j.queue);
    // (group, queue, seqno) packed into one exact number: handle < 2^16, queue < 2^5, seqno < 2^32.
    const key = (j.group & 0xffff) * 2 ** 37 + (j.queue & 0x1f) * 2 ** 32 + (j.seqno % 2 ** 32);
    const rec = this.jobs.get(key);
    switch (j.phase) {
      case JobPhase.JOB_QUEUED:
        if (!rec) {
          this.jobs.set(key, { queue: q, queuedAt: t, started: false, frame: j.frame, deadline: j.deadlineNs });
          g.live++;
          if (j.frame > 0 && j.deadlineNs > 0 && !g.openFrames.has(j.frame)) g.openFrames.set(j.frame, j.deadlineNs);
        }
        break;
      case JobPhase.JOB_STARTED:
      case JobPhase.JOB_RESUMED:
        if (rec && !rec.started) {
          rec.started = true;
          q.running++;
          if (j.phase === JobPhase.JOB_STARTED) q.waiting.push(key);
        }
        break;
      case JobPhase.JOB_PREEMPTED:
        if (rec && rec.started) { rec.started = false; q.running--; }
        break;
      case JobPhase.JOB_DONE:
      case JobPhase.JOB_FAILED:
      case JobPhase.JOB_TIMEDOUT:
      case JobPhase.JOB_CANCELED: {
        if (j.phase === JobPhase.JOB_DONE) g.jobsDone++; else g.jobsFailed++;
        if (rec) {
          if (rec.started) q.running--;
          g.live--;
          this.jobs.delete(key);
          const w = q.waiting.indexOf(key);
          if (w >= 0) q.waiting.splice(w, 1);
        }
        const frame = rec?.frame ?? j.frame;
        const deadline = rec?.deadline || j.deadlineNs;
        if (frame > 0 && g.openFrames.has(frame)) {
          g.openFrames.delete(frame);
          if (j.phase === JobPhase.JOB_DONE) g.framesDone++;
          if (deadline > 0 && (j.phase !== JobPhase.JOB_DONE || t > deadline)) g.lateFrames++;
        } else if (frame > 0 && j.phase === JobPhase.JOB_DONE && deadline === 0) g.framesDone++;
        break;
      }
      default: break;
    }
    this.update(q, t);
  }

  /** Re-evaluates whether queue `q` executes, accumulating the group's intervals at a transition. */
  private update(q: QueueAcc, t: number): void {
    const g = q.group;
    const exec = q.running > 0 && !q.blocked && g.resident;
    if (exec !== q.exec) {
      if (exec) {
        q.since = t;
        g.executing++;
        for (const key of q.waiting) {
          const rec = this.jobs.get(key);
          if (rec) g.latencies.push(t - rec.queuedAt);
        }
        q.waiting.length = 0;
      } else {
        g.gpuNs += t - q.since;
        g.executing--;
      }
      q.exec = exec;
    }
    let n = 0;
    for (const x of g.queues.values()) if (x.running > 0 && x.blockedProtm) n++;
    if (n > 0 && g.blockedSince < 0) g.blockedSince = t;
    else if (n === 0 && g.blockedSince >= 0) { g.blockedProtmNs += t - g.blockedSince; g.blockedSince = NO_TIME; }
    const starving = g.live > 0 && g.executing === 0;
    if (starving && g.starvingSince < 0) g.starvingSince = t;
    else if (!starving && g.starvingSince >= 0) {
      g.longestStarvation = Math.max(g.longestStarvation, t - g.starvingSince);
      g.starvingSince = NO_TIME;
    }
  }

  /** The metrics so far, closing every open interval at the last event (or the run's end). */
  finish(): ConsequenceSet {
    const first = this.firstT < 0 ? 0 : this.firstT;
    const end = Math.max(this.lastT, this.opts.durationNs ?? 0);
    const span = this.opts.durationNs ?? (this.firstT < 0 ? 0 : this.lastT - first);
    this.closeProtected(end);
    let totalGpu = 0;
    for (const g of this.acc.values()) {
      for (const q of g.queues.values()) if (q.exec) { g.gpuNs += end - q.since; q.since = end; }
      if (g.blockedSince >= 0) { g.blockedProtmNs += end - g.blockedSince; g.blockedSince = end; }
      if (g.starvingSince >= 0) g.longestStarvation = Math.max(g.longestStarvation, end - g.starvingSince);
      for (const deadline of g.openFrames.values()) if (deadline <= end) g.lateFrames++;
      g.openFrames.clear();
      totalGpu += g.gpuNs;
    }
    const groups = new Map<string, Metrics>();
    const appAccs = new Map<string, GroupAcc[]>();
    for (const label of [...this.acc.keys()].sort()) {
      if (label === '-' || label.startsWith('#')) continue;
      const a = this.acc.get(label)!;
      groups.set(label, toMetrics([a], span, 0));
      const app = appOfLabel(label);
      const list = appAccs.get(app) ?? [];
      list.push(a);
      appAccs.set(app, list);
    }
    const apps = new Map<string, Metrics>();
    for (const app of [...appAccs.keys()].sort()) {
      apps.set(app, toMetrics(appAccs.get(app)!, span, expectedFrames(this.opts.plan?.get(app), first, end)));
    }
    return {
      spanNs: span, protectedNs: this.protectedNs, protmEnters: this.enters, protmExits: this.exits, totalGpuNs: totalGpu, groups, apps,
      devices: this.devs.finish(),
    };
  }
}

/** Vsyncs of a paced app inside [from, to] while it ran. */
function expectedFrames(p: AppPlan | undefined, from: number, to: number): number {
  if (!p || p.fps <= 0) return 0;
  const a = Math.max(p.startNs, from);
  const b = p.stopNs > 0 ? Math.min(p.stopNs, to) : to;
  return b > a ? Math.floor(((b - a) * p.fps) / 1e9) : 0;
}

function toMetrics(accs: GroupAcc[], span: number, framesExpected: number): Metrics {
  let n = 0;
  for (const a of accs) n += a.latencies.length;
  const lat = new Float64Array(n);
  let p = 0;
  for (const a of accs) { lat.set(a.latencies, p); p += a.latencies.length; }
  lat.sort();
  const m: Metrics = {
    jobsDone: 0, jobsFailed: 0, gpuNs: 0, gpuShare: 0, blockedProtmNs: 0, protectedNs: 0, protmEnters: 0, protmExits: 0,
    latencyP50Ns: percentile(lat, 0.5), latencyP99Ns: percentile(lat, 0.99), latencyMaxNs: lat[lat.length - 1] ?? 0,
    longestStarvationNs: 0, framesDone: 0, framesExpected, lateFrames: 0,
  };
  for (const a of accs) {
    m.jobsDone += a.jobsDone;
    m.jobsFailed += a.jobsFailed;
    m.gpuNs += a.gpuNs;
    m.blockedProtmNs += a.blockedProtmNs;
    m.protectedNs += a.protectedNs;
    m.protmEnters += a.enters;
    m.protmExits += a.exits;
    m.longestStarvationNs = Math.max(m.longestStarvationNs, a.longestStarvation);
    m.framesDone += a.framesDone;
    m.lateFrames += a.lateFrames;
  }
  m.gpuShare = span > 0 ? m.gpuNs / span : 0;
  return m;
}

/** Nearest-rank percentile of sorted values (0 when empty). */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}
