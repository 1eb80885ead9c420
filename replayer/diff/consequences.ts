/**
 * Consequences of the scheduling decisions, per group identity and per app, from one pass over the
 * events (Job, ModeSwitch):
 *
 * - GPU time: sum of `Job.gpu_ns` on JOB_DONE; share = the group's GPU time / all groups' GPU time.
 * - Protected residency: virtual time in MODE_PROTECTED while the group was the active protected
 *   group (ModeSwitch.group); enters = switches to MODE_PROTECTED, exits = switches out of it.
 * - Submit-to-start latency: JOB_QUEUED → first JOB_STARTED of the same (group, queue, seqno).
 * - Frames past their deadline: jobs with a deadline that ended (DONE after it, or FAILED /
 *   TIMEDOUT / CANCELED) — a frame that never completes is late too.
 * - Longest starvation: the longest interval during which the group had queued (or preempted) jobs
 *   and none running.
 */
import { GpuMode, JobPhase, type Event } from '../../proto/index.js';
import { appOfLabel, type GroupIdentities } from './identity.js';

export interface Metrics {
  jobs: number;
  gpuNs: number;
  gpuShare: number;
  protectedNs: number;
  protmEnters: number;
  protmExits: number;
  latencyP50Ns: number;
  latencyP99Ns: number;
  latencyMaxNs: number;
  deadlineMisses: number;
  longestStarvationNs: number;
}

export const METRIC_NAMES: readonly (keyof Metrics)[] = [
  'jobs', 'gpuNs', 'gpuShare', 'protectedNs', 'protmEnters', 'protmExits',
  'latencyP50Ns', 'latencyP99Ns', 'latencyMaxNs', 'deadlineMisses', 'longestStarvationNs',
];

export interface ConsequenceSet {
  /** Virtual time covered (first to last event). */
  spanNs: number;
  /** GPU in MODE_PROTECTED, whoever the group. */
  protectedNs: number;
  protmEnters: number;
  protmExits: number;
  totalGpuNs: number;
  groups: Map<string, Metrics>;
  apps: Map<string, Metrics>;
}

interface GroupAcc {
  jobs: number;
  gpuNs: number;
  protectedNs: number;
  enters: number;
  exits: number;
  latencies: number[];
  misses: number;
  pending: number;
  running: number;
  waitingSince: number; // -1 when not starving
  longestStarvation: number;
}

const newAcc = (): GroupAcc => ({
  jobs: 0, gpuNs: 0, protectedNs: 0, enters: 0, exits: 0, latencies: [], misses: 0,
  pending: 0, running: 0, waitingSince: -1, longestStarvation: 0,
});

const JOB_QUEUED = 0, JOB_RUNNING = 1, JOB_PREEMPTED = 2;

export class ConsequenceCollector {
  private readonly acc = new Map<string, GroupAcc>();
  private readonly jobState = new Map<number, number>();
  private readonly queuedAt = new Map<number, number>();
  private firstT = -1;
  private lastT = 0;
  private protectedSince = -1;
  private protectedLabel = '';
  private protectedNs = 0;
  private enters = 0;
  private exits = 0;

  constructor(private readonly ids: GroupIdentities) {}

  private group(label: string): GroupAcc {
    let a = this.acc.get(label);
    if (!a) { a = newAcc(); this.acc.set(label, a); }
    return a;
  }

  /** Notes the time of an event the collector does not otherwise look at. */
  touch(t: number): void {
    if (this.firstT < 0) this.firstT = t;
    this.lastT = t;
  }

  onEvent(ev: Event): void {
    const t = ev.t;
    if (this.firstT < 0) this.firstT = t;
    this.lastT = t;
    const body = ev.body;
    if (body.case === 'job') this.onJob(body.value, t);
    else if (body.case === 'modeSwitch') {
      const m = body.value;
      const label = m.group !== 0 ? this.ids.labelOf(m.group) : this.protectedLabel;
      if (m.to === GpuMode.MODE_PROTECTED && m.from !== GpuMode.MODE_PROTECTED) {
        this.enters++;
        if (label) this.group(label).enters++;
        this.protectedSince = t;
        this.protectedLabel = label;
      } else if (m.from === GpuMode.MODE_PROTECTED && m.to !== GpuMode.MODE_PROTECTED) {
        this.exits++;
        const owner = this.protectedLabel || label;
        if (owner) this.group(owner).exits++;
        this.closeProtected(t);
      }
    }
  }

  private closeProtected(t: number): void {
    if (this.protectedSince < 0) return;
    const d = t - this.protectedSince;
    this.protectedNs += d;
    if (this.protectedLabel) this.group(this.protectedLabel).protectedNs += d;
    this.protectedSince = -1;
    this.protectedLabel = '';
  }

  private onJob(j: Extract<Event['body'], { case: 'job' }>['value'], t: number): void {
    const g = this.group(this.ids.labelOf(j.group));
    // (group, queue, seqno) packed into one exact number: handle < 2^16, queue < 2^5, seqno < 2^32.
    const key = (j.group & 0xffff) * 2 ** 37 + (j.queue & 0x1f) * 2 ** 32 + (j.seqno % 2 ** 32);
    const st = this.jobState.get(key);
    switch (j.phase) {
      case JobPhase.JOB_QUEUED:
        if (st === undefined) { this.jobState.set(key, JOB_QUEUED); this.queuedAt.set(key, t); g.pending++; }
        break;
      case JobPhase.JOB_STARTED:
        if (st === JOB_QUEUED) {
          const q = this.queuedAt.get(key);
          if (q !== undefined) g.latencies.push(t - q);
          this.jobState.set(key, JOB_RUNNING); g.pending--; g.running++;
        }
        break;
      case JobPhase.JOB_PREEMPTED:
        if (st === JOB_RUNNING) { this.jobState.set(key, JOB_PREEMPTED); g.running--; g.pending++; }
        break;
      case JobPhase.JOB_RESUMED:
        if (st === JOB_PREEMPTED) { this.jobState.set(key, JOB_RUNNING); g.pending--; g.running++; }
        break;
      case JobPhase.JOB_DONE:
      case JobPhase.JOB_FAILED:
      case JobPhase.JOB_TIMEDOUT:
      case JobPhase.JOB_CANCELED:
        if (j.phase === JobPhase.JOB_DONE) { g.jobs++; g.gpuNs += j.gpuNs; }
        if (j.deadlineNs > 0 && (j.phase !== JobPhase.JOB_DONE || t > j.deadlineNs)) g.misses++;
        if (st === JOB_RUNNING) g.running--;
        else if (st === JOB_QUEUED || st === JOB_PREEMPTED) g.pending--;
        this.jobState.delete(key);
        this.queuedAt.delete(key);
        break;
      default:
        break;
    }
    const starving = g.pending > 0 && g.running === 0;
    if (starving && g.waitingSince < 0) g.waitingSince = t;
    else if (!starving && g.waitingSince >= 0) {
      g.longestStarvation = Math.max(g.longestStarvation, t - g.waitingSince);
      g.waitingSince = -1;
    }
  }

  finish(): ConsequenceSet {
    const end = this.lastT;
    this.closeProtected(end);
    let totalGpu = 0;
    for (const a of this.acc.values()) {
      totalGpu += a.gpuNs;
      if (a.waitingSince >= 0) {
        a.longestStarvation = Math.max(a.longestStarvation, end - a.waitingSince);
        a.waitingSince = -1;
      }
    }
    const groups = new Map<string, Metrics>();
    const appAccs = new Map<string, GroupAcc[]>();
    for (const label of [...this.acc.keys()].sort()) {
      const a = this.acc.get(label)!;
      groups.set(label, toMetrics([a], totalGpu));
      const app = appOfLabel(label);
      const list = appAccs.get(app) ?? [];
      list.push(a);
      appAccs.set(app, list);
    }
    const apps = new Map<string, Metrics>();
    for (const app of [...appAccs.keys()].sort()) apps.set(app, toMetrics(appAccs.get(app)!, totalGpu));
    return {
      spanNs: this.firstT < 0 ? 0 : end - this.firstT,
      protectedNs: this.protectedNs,
      protmEnters: this.enters,
      protmExits: this.exits,
      totalGpuNs: totalGpu,
      groups,
      apps,
    };
  }
}

function toMetrics(accs: GroupAcc[], totalGpu: number): Metrics {
  let lat: Float64Array;
  if (accs.length === 1) lat = Float64Array.from(accs[0].latencies);
  else {
    let n = 0;
    for (const a of accs) n += a.latencies.length;
    lat = new Float64Array(n);
    let p = 0;
    for (const a of accs) { lat.set(a.latencies, p); p += a.latencies.length; }
  }
  lat.sort();
  const m: Metrics = {
    jobs: 0, gpuNs: 0, gpuShare: 0, protectedNs: 0, protmEnters: 0, protmExits: 0,
    latencyP50Ns: percentile(lat, 0.5), latencyP99Ns: percentile(lat, 0.99),
    latencyMaxNs: lat.length ? lat[lat.length - 1] : 0,
    deadlineMisses: 0, longestStarvationNs: 0,
  };
  for (const a of accs) {
    m.jobs += a.jobs;
    m.gpuNs += a.gpuNs;
    m.protectedNs += a.protectedNs;
    m.protmEnters += a.enters;
    m.protmExits += a.exits;
    m.deadlineMisses += a.misses;
    m.longestStarvationNs = Math.max(m.longestStarvationNs, a.longestStarvation);
  }
  m.gpuShare = totalGpu > 0 ? m.gpuNs / totalGpu : 0;
  return m;
}

/** Nearest-rank percentile of sorted values (0 when empty). */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}
