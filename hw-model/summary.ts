/**
 * The run summary, computed from the event stream alone (a TraceSink), so that the same numbers
 * can be computed from a recorded trace: events by family, the groups (with the app that owns
 * them, priority and jobs), protected-mode residency, mode switches by cause, ioctl errors by
 * command and errno, faults and resets. Time-based metrics per group and app (GPU time, starvation,
 * latency, frames) are the replayer's metrics module's, so that every command reports the same. `finalize()` returns plain data; `formatSummary()` renders it as text.
 */
import {
  ERRNO_NAMES, EVENT_FAMILIES, FAMILY_COUNT, GpuMode, IoctlCmdNames, JobPhase, ModeSwitchCauseNames, ProcessOp, ResetPhase,
  familyNumber, type EventFamily, type EventInit, type IoctlInit, type JobInit, GROUP_PRIORITY_NAMES,
} from '../proto/index.js';
import type { TracePartsSink, TraceSink } from './sim/index.js';
import { formatNs, type Ns } from './sim/index.js';

export interface GroupSummary {
  pid: number;
  /** comm of the owning process ("" when the trace has no PROC_START for it). */
  app: string;
  group: number;
  priority: number;
  isProtected: boolean;
  jobsDone: number;
  jobsFailed: number;
}

export interface SummaryData {
  events: number;
  durationNs: number;
  /** Every family in schema order, with its count (zeros included). */
  families: { family: string; count: number }[];
  groups: GroupSummary[];
  protectedNs: number;
  /** protectedNs / duration, 0..1. */
  protectedResidency: number;
  modeSwitches: { total: number; enters: number; exits: number; byCause: { cause: string; count: number }[] };
  ioctls: number;
  ioctlErrors: { cmd: string; errno: string; count: number }[];
  faults: number;
  resets: number;
}

interface GroupAcc { pid: number; group: number; priority: number; isProtected: boolean; done: number; failed: number }

const ERRNO = ERRNO_NAMES;

/** Family number by case name (a Map lookup: cheaper than the schema's table, once per event). */
const FAMILY_INDEX: ReadonlyMap<EventFamily, number> = new Map(EVENT_FAMILIES.map((f) => [f, familyNumber(f)]));
const F_JOB = familyNumber('job'), F_FW_REQ = familyNumber('fwReq'), F_FW_ACK = familyNumber('fwAck');
const F_IOCTL = familyNumber('ioctl'), F_MMU = familyNumber('mmu'), F_FW_IRQ = familyNumber('fwIrq');
const F_DOORBELL = familyNumber('doorbell'), F_GROUP_STATE = familyNumber('groupState');
const F_MODE_SWITCH = familyNumber('modeSwitch'), F_PROCESS = familyNumber('process');
const F_FAULT = familyNumber('fault'), F_RESET = familyNumber('reset');

export class SummarySink implements TraceSink, TracePartsSink {
  private count = 0;
  private lastT = 0;
  private readonly families = new Float64Array(FAMILY_COUNT);
  private readonly comm = new Map<number, string>();
  /** pid → group handle → counters. */
  private readonly groups = new Map<number, Map<number, GroupAcc>>();
  /** group handle → pid of its last GROUP_CREATE / GroupState (for jobs that carry no pid). */
  private readonly groupPid = new Map<number, number>();
  /**
   * Start time of the running job per key group * 64 + queue (NaN: none), for jobs whose DONE
   * carries no gpu_ns: rows of 64 keys (key / 64 → Float64Array indexed by key % 64), so the
   * per-job updates store unboxed doubles instead of setting and deleting Map entries.
   */
  private protectedSince = -1;
  private protectedNs = 0;
  private switches = 0;
  private enters = 0;
  private exits = 0;
  private readonly byCause = new Map<number, number>();
  private ioctls = 0;
  private readonly ioctlErrors = new Map<string, number>();
  private faults = 0;
  private resets = 0;

  /** An event object (a trace read back). */
  onEvent(ev: EventInit, index: number): void {
    this.onEventParts(ev.t ?? 0, ev.cause ?? 0, ev.body, index);
  }

  /** An event as its parts (TracePartsSink: the model then builds no Event object for it). */
  onEventParts(t: number, _cause: number, body: EventInit['body'], _index: number): void {
    this.count++;
    this.lastT = t;
    if (!body) return;
    const fam = this.families;
    // The frequent families first; each case counts its own family.
    switch (body.case) {
      case 'job': fam[F_JOB]!++; this.onJob(body.value); return;
      case 'fwReq': fam[F_FW_REQ]!++; return;
      case 'fwAck': fam[F_FW_ACK]!++; return;
      case 'ioctl': fam[F_IOCTL]!++; this.onIoctl(body.value); return;
      case 'mmu': fam[F_MMU]!++; return;
      case 'fwIrq': fam[F_FW_IRQ]!++; return;
      case 'doorbell': fam[F_DOORBELL]!++; return;
      case 'groupState': {
        fam[F_GROUP_STATE]!++;
        const s = body.value;
        const group = s.group ?? 0;
        if (s.pid) this.groupPid.set(group, s.pid);
        const g = this.group(s.pid || this.groupPid.get(group) || 0, group);
        if (s.priority !== undefined) g.priority = s.priority;
        if (s.isProtected !== undefined) g.isProtected = s.isProtected;
        return;
      }
      case 'modeSwitch': {
        fam[F_MODE_SWITCH]!++;
        const m = body.value;
        const from = m.from ?? GpuMode.MODE_NORMAL, to = m.to ?? GpuMode.MODE_NORMAL;
        this.switches++;
        const cause = m.cause ?? 0;
        this.byCause.set(cause, (this.byCause.get(cause) ?? 0) + 1);
        if (to === GpuMode.MODE_PROTECTED && from !== GpuMode.MODE_PROTECTED) {
          this.enters++;
          if (this.protectedSince < 0) this.protectedSince = t;
        } else if (from === GpuMode.MODE_PROTECTED && to !== GpuMode.MODE_PROTECTED) {
          this.exits++;
          if (this.protectedSince >= 0) { this.protectedNs += t - this.protectedSince; this.protectedSince = -1; }
        }
        return;
      }
      case 'process': {
        fam[F_PROCESS]!++;
        const p = body.value;
        if ((p.op ?? ProcessOp.PROC_START) === ProcessOp.PROC_START && p.pid) this.comm.set(p.pid, p.comm ?? '');
        return;
      }
      case 'fault': fam[F_FAULT]!++; this.faults++; return;
      case 'reset':
        fam[F_RESET]!++;
        if ((body.value.phase ?? ResetPhase.RESET_BEGIN) === ResetPhase.RESET_BEGIN) this.resets++;
        return;
      case undefined: return;
      default: fam[FAMILY_INDEX.get(body.case) as number]!++;
    }
  }

  private onJob(j: JobInit): void {
    const phase = j.phase ?? JobPhase.JOB_QUEUED;
    if (phase !== JobPhase.JOB_DONE && phase !== JobPhase.JOB_FAILED && phase !== JobPhase.JOB_TIMEDOUT) return;
    const group = j.group ?? 0;
    const g = this.group(j.pid || this.groupPid.get(group) || 0, group);
    if (phase === JobPhase.JOB_DONE) g.done++; else g.failed++;
  }

  private onIoctl(io: IoctlInit): void {
    this.ioctls++;
    const ret = io.ret ?? 0;
    if (ret < 0) {
      const key = `${IoctlCmdNames[io.cmd ?? 0] ?? `cmd ${io.cmd}`}\t${ERRNO[-ret] ?? `errno ${-ret}`}`;
      this.ioctlErrors.set(key, (this.ioctlErrors.get(key) ?? 0) + 1);
    } else if (io.args?.case === 'groupCreate' && io.pid) {
      const a = io.args.value;
      const handle = a.groupHandle ?? 0;
      this.groupPid.set(handle, io.pid);
      const g = this.group(io.pid, handle);
      g.priority = a.priority ?? 0;
      g.isProtected = ((a.flags ?? 0) & 1) !== 0;
    }
  }

  private group(pid: number, group: number): GroupAcc {
    let byGroup = this.groups.get(pid);
    if (!byGroup) { byGroup = new Map(); this.groups.set(pid, byGroup); }
    let g = byGroup.get(group);
    if (!g) {
      g = { pid, group, priority: 0, isProtected: false, done: 0, failed: 0 };
      byGroup.set(group, g);
    }
    return g;
  }

  /** The summary of the events seen so far, over a run of `durationNs` (default: the last event's time). */
  finalize(durationNs: Ns = this.lastT): SummaryData {
    const dur = Math.max(durationNs, 1);
    let protectedNs = this.protectedNs;
    if (this.protectedSince >= 0) protectedNs += Math.max(0, durationNs - this.protectedSince);
    const groups = [...this.groups.values()].flatMap((m) => [...m.values()])
      .filter((g) => g.group !== 0 && (g.done > 0 || g.failed > 0 || g.pid !== 0))
      .sort((a, b) => a.pid - b.pid || a.group - b.group)
      .map((g): GroupSummary => ({
        pid: g.pid, app: this.comm.get(g.pid) ?? '', group: g.group, priority: g.priority, isProtected: g.isProtected,
        jobsDone: g.done, jobsFailed: g.failed,
      }));
    const ioctlErrors = [...this.ioctlErrors.entries()]
      .map(([k, count]) => { const [cmd = '', errno = ''] = k.split('\t'); return { cmd, errno, count }; })
      .sort((a, b) => b.count - a.count || a.cmd.localeCompare(b.cmd) || a.errno.localeCompare(b.errno));
    const byCause = [...this.byCause.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([c, count]) => ({ cause: ModeSwitchCauseNames[c] ?? `cause ${c}`, count }));
    return {
      events: this.count,
      durationNs,
      families: EVENT_FAMILIES.map((f) => ({ family: f, count: this.families[familyNumber(f)] ?? 0 })),
      groups,
      protectedNs,
      protectedResidency: Math.min(1, protectedNs / dur),
      modeSwitches: { total: this.switches, enters: this.enters, exits: this.exits, byCause },
      ioctls: this.ioctls,
      ioctlErrors,
      faults: this.faults,
      resets: this.resets,
    };
  }
}

/** The summary as text, one block per topic (what `csftrace simulate` prints). */
export function formatSummary(s: SummaryData): string {
  const out: string[] = [];
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  out.push(`events: ${s.events} over ${formatNs(s.durationNs)} virtual`);
  out.push('events by family:');
  for (const f of s.families) if (f.count > 0) out.push(`  ${f.family.padEnd(12)} ${String(f.count).padStart(10)}`);
  out.push('groups:');
  if (s.groups.length === 0) out.push('  (no groups)');
  for (const g of s.groups) {
    const who = `${g.app || '?'} (pid ${g.pid})`;
    out.push(`  ${who.padEnd(28)} group ${String(g.group).padEnd(3)} ${(GROUP_PRIORITY_NAMES[g.priority] ?? String(g.priority)).padEnd(8)} ` +
      `${g.isProtected ? 'PROTECTED ' : '          '} jobs ${g.jobsDone}${g.jobsFailed ? ` (+${g.jobsFailed} failed)` : ''}`);
  }
  out.push(`protected residency: ${pct(s.protectedResidency)} (${formatNs(s.protectedNs)})`);
  out.push(`mode switches: ${s.modeSwitches.total} (${s.modeSwitches.enters} enters, ${s.modeSwitches.exits} exits)`);
  for (const c of s.modeSwitches.byCause) out.push(`  ${c.cause.padEnd(24)} ${String(c.count).padStart(8)}`);
  const errs = s.ioctlErrors.reduce((n, e) => n + e.count, 0);
  out.push(`ioctl errors: ${errs} of ${s.ioctls} ioctls`);
  for (const e of s.ioctlErrors) out.push(`  ${e.cmd.padEnd(24)} ${e.errno.padEnd(12)} ${String(e.count).padStart(8)}`);
  out.push(`faults: ${s.faults}, resets: ${s.resets}`);
  return out.join('\n');
}
