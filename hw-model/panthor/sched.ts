/**
 * panthor_sched.c, the scheduler, with the protected-mode policies: run queues per priority
 * (sched->groups.runnable / idle), CSG slots, the tick (tick_work, tick_ctx_init,
 * tick_ctx_pick_groups_from_list, tick_ctx_apply), job submission and completion (queue_run_job,
 * group_sync_upd_work), job timeouts (queue_timedout_job), the FW events' handlers
 * (sched_process_idle_event_locked, cs_slot_process_fault_event_locked's fence errors,
 * csg_slot_process_progress_timer_event_locked), the runtime PM reference (tick_work's and
 * queue_run_job's sched->pm.has_ref; pm.ts does the suspend and resume), the reset hooks
 * (panthor_sched_pre_reset, with 7/8's handle_protm_fault) and protected-mode enter/exit (the
 * series' panthor_fw_protm_enter and exit_sync; what each policy does there: policies/protm.ts). FW events reach it through sched-events.ts; it talks to the FW through fw.ts's
 * helpers, to address spaces through mmu.ts and to syncobjs through syncobj.ts.
 *
 *   submit ─► job waits for deps/credits ─► ring write + doorbell (resident) or runnable list
 *   tick (10 ms or immediate) ─► pick groups ─► protm choice (policy) ─► decision event
 *        ─► apply: forced exit? evict (SUSPEND/TERMINATE) ─► priorities ─► START/RESUME ─► PROTM_ENTER
 *   FW: SYNC_UPDATE ─► jobs done ─► syncobjs signalled; IDLE / PROTM_PENDING / PROTM_EXIT ─► tick
 */
import {
  FaultKind, FwIface, FwReqKind, GpuMode, GroupStateKind, JobPhase, LogLevel, ModeSwitchCause,
  ProtmVerdict, ResetCause, ResetKind, SchedRule, SlotAction, TickTrigger,
  type GroupReasonInit, type RunQueueEntryInit, type SlotAssignInit, ECANCELED, EINVAL, ETIMEDOUT,
} from '../../proto/index.js';
import { CsOpcode, type CsInstr, type ReviewFix } from '../contract.js';
import * as R from '../../proto/index.js';
import { waitSatisfied } from '../firmware/index.js';
import type { ProtmChoice } from '../policies/index.js';
import type { HeapRegistry } from '../dma-heap/index.js';
import type { Ns, Sim } from '../sim/index.js';
import type { PanthorFw } from './fw.js';
import type { DeviceCtl, JobDepsSink, ProtmExit } from './interfaces.js';
import { noReaders, type PanthorMmu } from './mmu.js';
import { Group, Job, Queue, removeAt, ringInstr, type QueueHooks } from './objects.js';
import type { SyncobjTable } from './syncobj.js';
import type { PanthorTrace } from './trace.js';
import { CSG_REQ_TIMEOUT, MAX_CSG_PRIO, PANTHOR_GROUP_PRIORITY_REALTIME } from './uapi.js';
import { waitUntil, type WaitFor, type Work, type Worker } from './work.js';

/** Instructions the kernel writes per job, padded to 64-byte lines (reference §1.7). */
export const JOB_INSTRS = 16;
const I_MOVE32: CsInstr = ringInstr(CsOpcode.MOVE32);
const I_MOVE48: CsInstr = ringInstr(CsOpcode.MOVE48);
const I_FLUSH: CsInstr = ringInstr(CsOpcode.FLUSH_CACHE2);
const I_WAIT: CsInstr = ringInstr(CsOpcode.WAIT, 0, 0, 0, 0xff);
const I_BARRIER: CsInstr = ringInstr(CsOpcode.ERROR_BARRIER);
const I_NOP: CsInstr = ringInstr(CsOpcode.NOP);

const NO_CHOICE: ProtmChoice = { verdict: ProtmVerdict.PROTM_NONE, rule: SchedRule.RULE_NONE, group: 0, soleResident: false };
/** Stable insertion sort, descending by group priority (keeps list order within a priority). */
function sortByPrioDesc(a: Group[]): void {
  for (let i = 1; i < a.length; i++) {
    const g = a[i]!;
    let j = i - 1;
    while (j >= 0 && a[j]!.priority < g.priority) { a[j + 1] = a[j]!; j--; }
    a[j + 1] = g;
  }
}
/** One run-queue entry of a decision's inputs. */
function runQueueEntry(g: Group, idle: boolean): RunQueueEntryInit {
  return { group: g.id, priority: g.priority, idle, protmPending: g.protmPendingQueues !== 0,
    csgSlot: g.csgId, csgPriority: g.csgId >= 0 ? g.csgPriority : 0, canRun: g.canRun,
    isProtected: g.isProtected, vmId: g.vm.id, waiting: idle && syncBlocked(g) };
}
function syncBlocked(g: Group): boolean {
  for (const q of g.queues) if (q.st.blocked === 3 /* SYNC_WAIT */) return true;
  return false;
}
/** CSG slots whose requests a work item waits on. */
interface SlotsWait { pfw: PanthorFw; slots: number[] }
function allAcked(w: SlotsWait): boolean {
  for (const s of w.slots) if (!w.pfw.csgAcked(s)) return false;
  return true;
}
const protmEnterAcked = (pfw: PanthorFw): boolean => pfw.glbAcked(R.GLB_PROTM_ENTER);
/** 7/8's poll after the enter ack: PROTM_ACTIVE set, or a PROTM_EXIT already pending. */
const protmActiveOrExiting = (pfw: PanthorFw): boolean => pfw.fw.isProtected || !pfw.glbAcked(R.GLB_PROTM_EXIT);
const notProtected = (fw: PanthorFw['fw']): boolean => !fw.isProtected;
const notEntering = (fw: PanthorFw['fw']): boolean => fw.mode !== GpuMode.MODE_ENTERING;
const normalMode = (fw: PanthorFw['fw']): boolean => fw.mode === GpuMode.MODE_NORMAL;


/** What the scheduler works with: the FW helpers, the MMU's AS slots, syncobjs, tracepoints, the device. */
export interface SchedDeps {
  sim: Sim;
  dev: DeviceCtl;
  pfw: PanthorFw;
  trace: PanthorTrace;
  mmu: PanthorMmu;
  sync: SyncobjTable;
  heaps: HeapRegistry;
  worker: Worker;
}

export class Scheduler implements QueueHooks, ProtmExit, JobDepsSink {
  readonly groups: Group[] = [];
  readonly runnable: Group[][] = [[], [], [], []];
  readonly idle: Group[][] = [[], [], [], []];
  readonly slots: (Group | null)[];
  /** sched.protm.active_group: the group the GPU entered protected mode for. */
  activeGroup: Group | null = null;
  /** sched.protm.protected_mode (7/8): set after every enter attempt, even a failed one. */
  protectedMode = false;
  /** Review fixes in effect (2026 series; empty for the other policies). */
  readonly fixes: ReadonlySet<ReviewFix>;
  tickCount = 0;
  /** sched->resched_target: when the next full tick is due (Infinity = U64_MAX: not ticking). */
  private reschedTarget = Infinity;
  /** sched->last_tick: when the last tick ran. */
  private lastTick = 0;
  /** sched->might_have_idle_groups: the last tick scheduled idle groups, or a CSG went idle. */
  private mightHaveIdleGroups = false;
  /** sched->used_csg_slot_count after the last tick. */
  private usedCsgSlots = 0;
  /** csg_slot->idle: CSG_STATUS_STATE.IS_IDLE as read at the tick's CSG_STATUS_UPDATE. */
  private readonly slotIdle: boolean[] = [];
  private tickToken = -1;
  private tickAt = 0;
  /** A tick is queued on the worker, with the trigger and cause event of its first request. */
  private tickQueued = false;
  private tickTrigger: TickTrigger = TickTrigger.TRIGGER_PERIODIC;
  private tickEv = -1;
  private readonly tickCb = (): void => { this.tickToken = -1; this.requestTick(TickTrigger.TRIGGER_PERIODIC, -1); };
  private readonly timeoutCb = (q: Queue): void => this.jobTimeout(q);
  private readonly tickFn = (): Work | undefined => this.tick();

  private readonly sim: Sim;
  private readonly dev: DeviceCtl;
  private readonly pfw: PanthorFw;
  private readonly trace: PanthorTrace;
  private readonly mmu: PanthorMmu;
  private readonly sync: SyncobjTable;
  private readonly heaps: HeapRegistry;
  private readonly worker: Worker;

  constructor(d: SchedDeps, readonly slotCount: number) {
    this.sim = d.sim; this.dev = d.dev; this.pfw = d.pfw; this.trace = d.trace; this.mmu = d.mmu;
    this.sync = d.sync; this.heaps = d.heaps; this.worker = d.worker;
    this.slots = new Array<Group | null>(slotCount).fill(null);
    this.fixes = d.dev.fixes;
    d.mmu.protm = this;
    d.sync.sched = this;
  }

  private get is2026(): boolean { return this.dev.protm.handleProtmFault; }

  private get period(): Ns { return this.dev.protm.tickPeriod(this.dev.cfg.driver.tickPeriod); }

  // ───────────── groups and lists ─────────────

  addGroup(g: Group): void {
    this.groups.push(g);
    this.idle[g.priority]!.push(g);
    g.list = 'idle';
  }

  private unlist(g: Group): void {
    if (!g.list) return;
    const l = (g.list === 'runnable' ? this.runnable : this.idle)[g.priority]!;
    const i = l.indexOf(g);
    if (i >= 0) removeAt(l, i);
    g.list = '';
  }

  private relist(g: Group, kind: 'runnable' | 'idle'): void {
    this.unlist(g);
    if (g.csgId >= 0 || !g.canRun) return;
    (kind === 'runnable' ? this.runnable : this.idle)[g.priority]!.push(g);
    g.list = kind;
  }

  /** Host view of a group's idleness: every queue empty, fatal or blocked on an unmet SYNC_WAIT. */
  isIdle(g: Group): boolean {
    for (const q of g.queues) {
      const st = q.st;
      if (st.fatal) continue;
      if (st.protPending) return false;
      if (st.blocked === 3 /* SYNC_WAIT */ && !waitSatisfied(q)) continue;
      if (q.insert > q.extract || st.frames.length || st.runRemaining > 0) return false;
    }
    return true;
  }

  /** The GROUP_DESTROY / process-exit path. */
  destroyGroup(g: Group, ev: number): void {
    if (g.destroyed) return;
    g.destroyed = true;
    if (g.csgId >= 0 && !this.dev.shuttingDown) { this.requestTick(TickTrigger.TRIGGER_GROUP_DESTROY, ev); return; }
    if (g.csgId >= 0) {
      // Teardown (panthor_sched_unplug): the slot is dropped without asking the FW.
      this.slots[g.csgId] = null;
      this.pfw.unbindSlot(g.csgId);
      this.mmu.vmIdle(g, ev);
      g.csgId = -1;
      if (this.activeGroup === g) this.activeGroup = null;
    }
    this.unlist(g);
    this.terminateOffSlot(g, ev);
    this.release(g, ev);
  }

  /** Last step of a destroyed group: handle gone, protm suspend buffer released. */
  private release(g: Group, ev: number): void {
    const i = this.groups.indexOf(g);
    if (i < 0) return;
    this.groups.splice(i, 1);
    this.trace.emitGroupState(g, g.state, GroupStateKind.GROUP_DESTROYED, ev);
    if (g.protmSuspendBuf) { this.heaps.bufPut(g.protmSuspendBuf, 0, ev); g.protmSuspendBuf = null; }
  }

  private terminateOffSlot(g: Group, ev: number): void {
    if (g.state !== GroupStateKind.PANTHOR_CS_GROUP_TERMINATED) {
      const from = g.state;
      g.state = GroupStateKind.PANTHOR_CS_GROUP_TERMINATED;
      this.trace.emitGroupState(g, from, g.state, ev);
    }
    this.failJobs(g, ev);
  }

  // ───────────── jobs ─────────────

  /** A validated job from GROUP_SUBMIT: waits for its dependencies, then for ring credits. */
  queueJob(j: Job): void {
    const q = j.queue;
    if (j.streamSize === 0) {
      // A pure sync point: signalled once its dependencies are met, the ring is not touched.
      if (j.deps === 0) this.completeJob(j, 0, j.submitEv);
      else q.waiting.push(j);
      return;
    }
    q.waiting.push(j);
    this.pushJobs(q);
  }

  /** Dependencies of a waiting job were met. */
  depsMet(j: Job, ev: number): void {
    if (j.streamSize === 0) {
      const w = j.queue.waiting, i = w.indexOf(j);
      if (i >= 0) w.splice(i, 1);
      this.completeJob(j, 0, ev);
      return;
    }
    this.pushJobs(j.queue);
  }

  /** drm_sched run_job: writes the ring for every ready job (in order) while credits last. */
  private pushJobs(q: Queue): void {
    const g = q.group;
    let pushed = 0, last = -1;
    while (q.waiting.length) {
      const j = q.waiting[0]!;
      if (j.deps > 0 || q.freeCredits < JOB_INSTRS) break;
      q.waiting.shift();
      if (j.streamSize === 0) { this.completeJob(j, 0, j.submitEv); continue; }
      q.reserve(JOB_INSTRS);
      const ring = q.ring, m = q.mask;
      let p = q.insert;
      j.ringStart = p;
      ring[p++ & m] = I_MOVE32;          // latest flush id
      ring[p++ & m] = I_FLUSH;
      ring[p++ & m] = I_MOVE48;          // stream addr
      ring[p++ & m] = I_MOVE32;          // stream size
      ring[p++ & m] = I_WAIT;            // flush
      // The CALL of the job that used this ring slot before is long executed (ring credits): its
      // object is reused rather than a new one made per job.
      const call = ring[p & m];
      if (call !== undefined && call.op === CsOpcode.CALL) { call.addr = j.streamAddr; call.value = j.seqno; call.callSize = j.streamSize; }
      else ring[p & m] = ringInstr(CsOpcode.CALL, j.streamAddr, j.seqno, j.streamSize);
      p++;
      ring[p++ & m] = I_MOVE48;          // syncobj addr
      ring[p++ & m] = I_MOVE48;          // #1
      ring[p++ & m] = I_WAIT;            // all scoreboards
      ring[p++ & m] = q.syncAdd;         // SYNC_ADD64 the queue's sync object
      ring[p++ & m] = I_BARRIER;
      while (p - q.insert < JOB_INSTRS) ring[p++ & m] = I_NOP;
      q.insert = p;
      j.ringEnd = p;
      j.ringSeq = ++q.ringSeq;
      q.inflight.push(j);
      j.pushed = true;
      last = this.trace.emitJob(j, JobPhase.JOB_QUEUED, 0, j.submitEv);
      pushed++;
    }
    if (!pushed) return;
    // queue_run_job: panthor_device_resume_and_get (a suspended device resumes first).
    const pm = this.dev.pm;
    if (!pm.active) pm.wake(last); else pm.markBusy();
    if (g.csgId >= 0) {
      const ev = this.trace.emitFwReq({ iface: FwIface.CS, csg: g.csgId, cs: q.index, kind: FwReqKind.REQ_WRITE,
        group: g.id, ringbufInsert: q.insert * 8 }, last);
      this.pfw.fw.markBusy(g.csgId);
      this.pfw.ringDoorbell(g.csgId + 1, 0, 1 << q.index, ev);
      // The ring of a resident group that is not blocked: the scheduler takes its PM reference.
      if (!q.st.blocked) pm.schedGet(ev);
      this.armTimeout(q);
    } else if (g.canRun) {
      if (g.list !== 'runnable') this.relist(g, 'runnable');
      this.groupSchedule(g, TickTrigger.TRIGGER_SUBMIT, last);
    }
  }

  jobStarted(q: Queue, seqno: number): void {
    for (const j of q.inflight) {
      if (j.seqno !== seqno) continue;
      q.current = j;
      j.phase = JobPhase.JOB_STARTED;
      j.startedAt = this.sim.now;
      this.trace.emitJob(j, JobPhase.JOB_STARTED, 0, -1);
      return;
    }
  }

  /** CSG SYNC_UPDATE (or a reset/termination): signal every job whose seqno the FW reached. */
  syncUpdate(g: Group, ev: number): void {
    for (const q of g.queues) {
      const v = q.vm.read64(q.syncVa);
      let progressed = false;
      while (q.inflight.length && q.inflight[0]!.ringSeq <= v) {
        const j = q.inflight.shift() as Job;
        if (q.current === j) q.current = null;
        this.completeJob(j, j.fenceErr, ev);
        progressed = true;
      }
      if (progressed) {
        q.doneSeqno = v;
        this.rearmTimeout(q);
        if (q.waiting.length) this.pushJobs(q);
      }
    }
    // Off-slot groups blocked on a SYNC_WAIT that now passes become runnable (sched.waiting).
    for (let p = 0; p < 4; p++) {
      const l = this.idle[p]!;
      for (let i = 0; i < l.length; i++) {
        const w = l[i]!;
        if (!this.isIdle(w)) { this.relist(w, 'runnable'); i--; this.groupSchedule(w, TickTrigger.TRIGGER_SYNC_UPDATE, ev); }
      }
    }
  }

  private completeJob(j: Job, err: number, ev: number): void {
    const phase = err === 0 ? JobPhase.JOB_DONE
      : err === -ETIMEDOUT ? JobPhase.JOB_TIMEDOUT : err === -ECANCELED ? JobPhase.JOB_CANCELED : JobPhase.JOB_FAILED;
    j.phase = phase;
    const e = this.trace.emitJob(j, phase, err, ev);
    for (const s of j.signals) this.sync.signalSyncobj(s.obj, s.point, err, e);
  }

  /** Fails every job of a group that can no longer run (fence errors of reference §3.5). */
  private failJobs(g: Group, ev: number): void {
    const err = g.timedout ? -ETIMEDOUT : g.fatalQueues ? -EINVAL : -ECANCELED;
    for (const q of g.queues) {
      this.cancelTimeout(q);
      // Jobs the FW already finished are still good.
      this.syncUpdateQueue(q, ev);
      const jobs = q.inflight.splice(0).concat(q.waiting.splice(0));
      q.current = null;
      for (const j of jobs) this.completeJob(j, err, ev);
    }
  }

  private syncUpdateQueue(q: Queue, ev: number): void {
    const v = q.vm.read64(q.syncVa);
    while (q.inflight.length && q.inflight[0]!.ringSeq <= v) { const j = q.inflight.shift() as Job; this.completeJob(j, j.fenceErr, ev); }
  }

  // ───────────── job timeout (drm_sched timedout_job) ─────────────

  // One timer per queue with a moving deadline: progress pushes the deadline (a fire before it
  // re-arms), a fire while inactive is dropped; a resumed timeout with less time left reschedules.
  /** queue_resume_timeout / the first job on a resident queue: the timer runs (remaining or full). */
  private armTimeout(q: Queue): void {
    if (q.timeoutActive || q.inflight.length === 0 || q.group.csgId < 0) return;
    q.timeoutActive = true;
    const left = q.timeoutRemaining >= 0 ? q.timeoutRemaining : this.dev.cfg.driver.jobTimeout;
    q.timeoutRemaining = -1;
    q.deadline = this.sim.now + left;
    if (q.timeoutToken >= 0 && q.timeoutAt > q.deadline) { this.sim.cancel(q.timeoutToken); q.timeoutToken = -1; }
    if (q.timeoutToken < 0) { q.timeoutAt = q.deadline; q.timeoutToken = this.sim.at(q.deadline, this.timeoutCb, q); }
  }
  private cancelTimeout(q: Queue): void { q.timeoutActive = false; q.timeoutRemaining = -1; }
  /** queue_suspend_timeout: the group leaves its slot; the time left is kept for its resume. */
  private suspendTimeout(q: Queue): void {
    q.timeoutRemaining = q.timeoutActive && q.inflight.length ? Math.max(0, q.deadline - this.sim.now) : -1;
    q.timeoutActive = false;
  }
  /** queue_reset_timeout_locked: progress gives the queue a full timeout again. */
  private rearmTimeout(q: Queue): void { q.timeoutActive = false; q.timeoutRemaining = -1; this.armTimeout(q); }

  private jobTimeout(q: Queue): void {
    q.timeoutToken = -1;
    if (!q.timeoutActive) return;
    if (this.sim.now < q.deadline) { q.timeoutAt = q.deadline; q.timeoutToken = this.sim.at(q.deadline, this.timeoutCb, q); return; }
    q.timeoutActive = false;
    const g = q.group;
    if (g.timedout || !q.inflight.length) return;
    g.timedout = true;
    const ev = this.trace.emitFault(FaultKind.FAULT_JOB_TIMEOUT, 0, g, q.index, false, -1);
    this.trace.log(LogLevel.LOG_WARN, `job timeout on group ${g.id} queue ${q.index}`, ev);
    this.requestTick(TickTrigger.TRIGGER_PERIODIC, ev);
  }

  // ───────────── FW events (from the IRQ handler) ─────────────

  /** csg_slot_process_idle_event_locked: some group might be idle, tick now. */
  csgIdle(_g: Group, ev: number): void {
    this.mightHaveIdleGroups = true;
    this.requestTick(TickTrigger.TRIGGER_CSG_IDLE, ev);
  }

  /** CS_PROTM_PENDING: the queue waits for protected mode (7/8: pending bit + immediate tick). */
  protmPending(g: Group, cs: number, ev: number): void {
    if (!this.dev.protmAvailable) {
      if (this.dev.protm.pendingWithoutHeapFatal || this.fixes.has('pending-without-heap-fatal')) {
        // Review: without a heap the queue can never run: make it fatal.
        g.fatalQueues |= 1 << cs;
        const e = this.trace.emitFault(FaultKind.FAULT_CS_FATAL, R.DRM_PANTHOR_EXCEPTION_CS_CONFIG_FAULT, g, cs, false, ev);
        this.trace.log(LogLevel.LOG_WARN, 'CS_PROTM_PENDING without a protected heap: queue marked fatal', e);
        this.requestTick(TickTrigger.TRIGGER_PROTM_PENDING, e);
      } else {
        this.trace.log(LogLevel.LOG_WARN, 'CS_PROTM_PENDING ignored: no protected heap', ev);
      }
      return;
    }
    g.protmPendingQueues |= 1 << cs;
    this.trace.emitQueueState(g.queues[cs]!, ev);
    this.requestTick(TickTrigger.TRIGGER_PROTM_PENDING, ev);
  }

  /** GLB PROTM_EXIT acknowledged: clear the active group and tick. */
  protmExited(ev: number): void {
    if (!this.activeGroup) this.trace.log(LogLevel.LOG_WARN, 'PROTM_EXIT with no active protected group', ev);
    this.activeGroup = null;
    this.protectedMode = false;
    this.requestTick(TickTrigger.TRIGGER_PROTM_EXIT, ev);
  }

  /** sched_process_idle_event_locked: GLB IDLE acknowledged, tick now (it may drop the PM reference). */
  glbIdle(ev: number): void {
    this.requestTick(TickTrigger.TRIGGER_GLB_IDLE, ev);
  }

  /**
   * cs_slot_process_fault_event_locked: the jobs whose ring range covers CS_EXTRACT get a fence
   * error (-EINVAL, reported when they complete); the queue is not fatal and goes on.
   */
  csFault(g: Group, cs: number, ev: number): void {
    const q = g.queues[cs]!;
    const extract = q.extract;
    for (const j of q.inflight) {
      if (extract >= j.ringEnd) continue;
      if (extract < j.ringStart) break;
      j.fenceErr = -EINVAL;
    }
    this.trace.log(LogLevel.LOG_WARN, `CS_FAULT: pid=${g.pid}, comm=${this.dev.procComm(g.pid)}`, ev);
  }

  /** csg_slot_process_progress_timer_event_locked: the group timed out; tick now (it is terminated). */
  progressTimeout(g: Group, ev: number): void {
    g.timedout = true;
    this.trace.log(LogLevel.LOG_WARN, `CSG_PROGRESS_TIMER_EVENT: pid=${g.pid}, comm=${this.dev.procComm(g.pid)}; CSG slot ${g.csgId} progress timeout`, ev);
    this.requestTick(TickTrigger.TRIGGER_PROGRESS_TIMER, ev);
  }

  csFatal(g: Group, cs: number, ev: number): void {
    g.fatalQueues |= 1 << cs;
    this.trace.emitQueueState(g.queues[cs]!, ev);
    this.requestTick(TickTrigger.TRIGGER_PERIODIC, ev);
  }

  // ───────────── tick scheduling ─────────────

  /**
   * group_schedule_locked: an off-slot group got work. RT groups preempt (tick now); so does a
   * scheduler that might have idle groups on slots, or one already ticking with a free slot; a
   * scheduler that was not ticking restarts its timeslice from the last tick.
   */
  private groupSchedule(g: Group, trigger: TickTrigger, ev: number): void {
    if (g.priority === PANTHOR_GROUP_PRIORITY_REALTIME) { this.requestTick(TickTrigger.TRIGGER_RT_SUBMIT, ev); return; }
    if (this.mightHaveIdleGroups) { this.requestTick(trigger, ev); return; }
    if (this.reschedTarget !== Infinity) {
      if (this.usedCsgSlots < this.slotCount) this.requestTick(trigger, ev);
      return;
    }
    this.reschedTarget = this.lastTick + this.period;
    if (this.usedCsgSlots === this.slotCount && this.sim.now < this.reschedTarget) this.armTick(this.reschedTarget);
    else this.requestTick(trigger, ev);
  }

  freeSlot(): number {
    for (let i = 0; i < this.slots.length; i++) if (!this.slots[i]) return i;
    return -1;
  }

  armTick(at: Ns): void {
    if (this.tickToken >= 0) {
      if (this.tickAt <= at) return;
      this.sim.cancel(this.tickToken);
    }
    this.tickAt = at;
    this.tickToken = this.sim.at(at, this.tickCb);
  }

  /** Queues a tick on the scheduler's worker (coalesced with one already queued). */
  requestTick(trigger: TickTrigger, ev: number): void {
    // sched_queue_delayed_work(tick, 0): a pending delayed tick becomes this immediate one.
    if (this.tickToken >= 0) { this.sim.cancel(this.tickToken); this.tickToken = -1; }
    // tick_work: panthor_device_resume_and_get (the resume is queued before the tick).
    if (!this.dev.pm.active) this.dev.pm.wake(ev);
    if (this.tickQueued) return;
    this.tickQueued = true; this.tickTrigger = trigger; this.tickEv = ev;
    this.worker.queue(this.tickFn);
  }

  /**
   * panthor_sched_pre_reset → panthor_sched_suspend: ticks stop; the FW is asked to SUSPEND every
   * resident group that can run and to TERMINATE the others (one doorbell, ≤ 100 ms); a group
   * whose suspension failed is innocent (if it could still run) and timed out, and gets a
   * TERMINATE; then every group leaves its slot: suspended ones wait on the idle list for the
   * post-reset tick, the others end. `guilty` / `terminateAll` are the policies' blame (a
   * protected-mode fault, kbase's reset in protected mode): those groups are made fatal first.
   */
  *preReset(guilty: (g: Group) => boolean, terminateAll: boolean, ev: number): Generator<WaitFor, void, boolean> {
    this.tickQueued = false;
    if (this.tickToken >= 0) { this.sim.cancel(this.tickToken); this.tickToken = -1; }
    const pfw = this.pfw;
    const slots: number[] = [];
    let mask = 0;
    for (let s = 0; s < this.slots.length; s++) {
      const g = this.slots[s];
      if (!g) continue;
      if (g.canRun && (guilty(g) || terminateAll)) g.fatalQueues = (1 << g.queues.length) - 1;
      const st = g.canRun ? R.CSG_STATE_SUSPEND : R.CSG_STATE_TERMINATE;
      pfw.csgRequestState(s, g, st, g.csgPriority, ev);
      for (const q of g.queues) {
        if (st === R.CSG_STATE_SUSPEND) this.suspendTimeout(q); else this.cancelTimeout(q);
        if (q.current && st === R.CSG_STATE_SUSPEND) this.trace.emitJob(q.current, JobPhase.JOB_PREEMPTED, 0, ev);
      }
      mask |= 1 << s;
      slots.push(s);
    }
    if (mask) {
      pfw.ringDoorbell(R.CSF_GLB_DOORBELL_ID, mask, 0, ev);
      const ok = yield waitUntil(allAcked, CSG_REQ_TIMEOUT, { pfw, slots });
      if (!ok) {
        const failed = slots.filter((s) => !pfw.csgAcked(s));
        const e = this.trace.log(LogLevel.LOG_ERR, 'CSG suspend failed, escalating to termination', ev);
        let m = 0;
        for (const s of failed) {
          const g = this.slots[s] as Group;
          if (g.canRun) g.innocent = true;
          g.timedout = true;
          pfw.csgRequestState(s, g, R.CSG_STATE_TERMINATE, g.csgPriority, e);
          m |= 1 << s;
        }
        pfw.ringDoorbell(R.CSF_GLB_DOORBELL_ID, m, 0, e);
        // A termination that times out too is forced: the soft reset terminates every group.
        yield waitUntil(allAcked, CSG_REQ_TIMEOUT, { pfw, slots: failed });
      }
    }
    for (const s of slots) {
      const g = this.slots[s] as Group;
      this.slots[s] = null;
      pfw.unbindSlot(s);
      this.mmu.vmIdle(g, ev);
      g.csgId = -1;
      const from = g.state;
      if (g.canRun) {
        g.state = GroupStateKind.PANTHOR_CS_GROUP_SUSPENDED;
        for (const q of g.queues) q.st.protPending = false;
        g.protmPendingQueues = 0;
        this.trace.emitGroupState(g, from, g.state, ev);
        this.relist(g, 'idle');
      } else {
        g.state = GroupStateKind.PANTHOR_CS_GROUP_TERMINATED;
        this.trace.emitGroupState(g, from, g.state, ev);
        this.failJobs(g, ev);
        if (g.destroyed) this.release(g, ev);
      }
    }
    this.activeGroup = null;
  }

  // ───────────── the tick ─────────────

  // Per-tick scratch state (tick_ctx): the tick number, the selection, VMs needing an AS, reasons.
  private tkTick = 0;
  private tkSelected: Group[] = [];
  private tkVmIds: number[] = [];
  private tkReasons: GroupReasonInit[] = [];
  /** ctx->idle_group_count of the last tick. */
  private tkIdleCount = 0;
  /** ctx->old_groups: the resident groups per priority. */
  private readonly tkOld: Group[][] = [[], [], [], []];

  /** tick_ctx_pick_groups_from_list for one group: slot, AS budget and can-run checks. */
  private pick(g: Group, rule: SchedRule): void {
    if (g.tSel === this.tkTick) return;
    const reasons = this.tkReasons, sel = this.tkSelected;
    if (!g.canRun) { reasons.push({ group: g.id, rule: SchedRule.RULE_CANNOT_RUN }); return; }
    if (sel.length >= this.slotCount) { reasons.push({ group: g.id, rule: SchedRule.RULE_NO_FREE_SLOT }); return; }
    const vmIds = this.tkVmIds;
    if (!vmIds.includes(g.vm.id)) {
      if (vmIds.length >= this.mmu.asCount) { reasons.push({ group: g.id, rule: SchedRule.RULE_AS_BUDGET }); return; }
      // Binding a VM to an AS needs MMU commands, which the MMU does not execute while the GPU is
      // protected: a group that would not make the GPU leave (not above the protected group)
      // waits for the exit.
      const active = this.activeGroup;
      if (g.vm.asNr < 0 && this.pfw.fw.mode !== GpuMode.MODE_NORMAL && !(active && g.priority > active.priority)) {
        reasons.push({ group: g.id, rule: SchedRule.RULE_AS_BUDGET });
        return;
      }
      vmIds.push(g.vm.id);
    }
    g.tSel = this.tkTick;
    sel.push(g);
    reasons.push({ group: g.id, rule });
  }

  /**
   * tick_ctx_init: idleness once per group (on a slot: csg_slot->idle from the tick's status
   * update; off-slot: every queue idle or blocked), off-slot groups re-sorted between runnable and
   * idle, and the resident groups per priority (ctx->old_groups): in slot order mid-slice,
   * ascending by CSG priority on a full tick (tick_ctx_insert_old_group's rotation).
   */
  private tkPrepare(full: boolean): void {
    for (const g of this.groups) {
      g.tIdle = g.csgId >= 0 ? this.slotIdle[g.csgId] === true : this.isIdle(g);
      g.tSel = 0;
    }
    for (let p = 0; p < 4; p++) {
      const rl = this.runnable[p]!;
      for (let i = 0; i < rl.length; i++) {
        const g = rl[i]!;
        if (!g.canRun) { this.unlist(g); i--; } else if (g.tIdle) { this.relist(g, 'idle'); i--; }
      }
      const il = this.idle[p]!;
      for (let i = 0; i < il.length; i++) {
        const g = il[i]!;
        if (!g.canRun) { this.unlist(g); i--; } else if (!g.tIdle) { this.relist(g, 'runnable'); i--; }
      }
    }
    const old = this.tkOld;
    for (const l of old) l.length = 0;
    for (const g of this.slots) {
      if (!g) continue;
      const l = old[g.priority]!;
      if (!full) { l.push(g); continue; }
      // Before the first old group of the same priority with a higher CSG priority.
      let i = 0;
      while (i < l.length && l[i]!.csgPriority <= g.csgPriority) i++;
      l.splice(i, 0, g);
    }
  }

  private get tkFull(): boolean { return this.tkSelected.length >= this.slotCount; }

  /** tick_ctx_pick_groups_from_list: the list's groups in order until the slots are full. */
  private pickList(l: readonly Group[], skipIdle: boolean, rule: SchedRule): void {
    for (let i = 0; i < l.length && !this.tkFull; i++) {
      const g = l[i]!;
      if (skipIdle && g.tIdle) continue;
      this.pick(g, rule);
    }
  }

  /**
   * tick_work's non-idle passes. Mid-slice (a tick forced before resched_target): the resident
   * groups keep their slots in priority order and only RT runnable groups join them (so they can
   * preempt lower ones). Then, on every tick, per priority: runnable groups first, then the
   * resident ones (on a full tick in ascending CSG priority: the rotation).
   */
  private tkPickNonIdle(full: boolean): void {
    const old = this.tkOld;
    if (!full) {
      for (let p = 3; p >= 0 && !this.tkFull; p--) {
        this.pickList(old[p]!, true, SchedRule.RULE_PRIORITY_ORDER);
        if (p === PANTHOR_GROUP_PRIORITY_REALTIME) this.pickList(this.runnable[p]!, true, SchedRule.RULE_RT_PREEMPT);
      }
    }
    for (let p = 3; p >= 0 && !this.tkFull; p--) {
      this.pickList(this.runnable[p]!, true, SchedRule.RULE_PRIORITY_ORDER);
      this.pickList(old[p]!, true, full ? SchedRule.RULE_ROTATION : SchedRule.RULE_PRIORITY_ORDER);
    }
    // Why the runnable groups left out were left out.
    for (let p = 3; p >= 0; p--) {
      for (const l of [this.runnable[p]!, old[p]!]) {
        for (const g of l) {
          if (g.tSel !== this.tkTick && g.canRun && !g.tIdle && this.tkFull) this.tkReasons.push({ group: g.id, rule: SchedRule.RULE_NO_FREE_SLOT });
        }
      }
    }
  }

  /** The policy's protm choice on the current selection (NO_HEAP / DEFERRED when it cannot be served). */
  private tkChoose(anyPending: boolean, active: Group | null): ProtmChoice {
    // A Group is a ProtmGroupView (id, priority, protmPending, isProtected): no copy per tick.
    let choice = this.dev.protm.choose(this.tkSelected, anyPending, active ? active.id : 0, this.fixes);
    if (anyPending && !this.dev.protmAvailable && choice.verdict === ProtmVerdict.PROTM_GRANTED) {
      choice = { verdict: this.dev.lazyResetPending ? ProtmVerdict.PROTM_DEFERRED : ProtmVerdict.PROTM_DENIED,
        rule: this.dev.lazyResetPending ? SchedRule.RULE_LAZY_SLOW_RESET : SchedRule.RULE_NO_HEAP, group: choice.group, soleResident: false };
    }
    return choice;
  }

  private tkProtmGroup(choice: ProtmChoice): Group | null {
    if (choice.verdict !== ProtmVerdict.PROTM_GRANTED && choice.verdict !== ProtmVerdict.PROTM_KEEP) return null;
    const sel = this.tkSelected;
    for (const g of sel) if (g.id === choice.group) return g;
    return null;
  }

  /**
   * The idle pass: free slots take idle groups, per priority the resident ones first (no slot
   * reprogramming), then off-slot idle groups (sched->groups.idle). Under 2026 only groups of
   * priority at most the protm group's.
   */
  private tkIdleFill(idleLimit: number): void {
    const old = this.tkOld;
    for (let p = 3; p >= 0 && !this.tkFull; p--) {
      for (const l of [old[p]!, this.idle[p]!]) {
        for (let i = 0; i < l.length && !this.tkFull; i++) {
          const g = l[i]!;
          if (g.tSel === this.tkTick || !g.canRun) continue;
          if (p > idleLimit) { this.tkReasons.push({ group: g.id, rule: SchedRule.RULE_IDLE_FILL_LE_PROTM }); continue; }
          this.pick(g, SchedRule.RULE_IDLE);
        }
      }
    }
  }

  /**
   * tick_work. tick_ctx_init first asks the FW for CSG_STATUS_UPDATE on every resident slot and
   * waits ≤ 100 ms (a timeout resets the GPU); the plan then runs synchronously and emits the
   * decision, and a work item follows only when the plan needs FW round trips (exit, evictions,
   * priority updates, starts, protected entry).
   */
  private tick(): Work | undefined {
    const trigger = this.tickTrigger, reqEv = this.tickEv;
    this.tickQueued = false;
    if (!this.dev.ready) return undefined;
    const resident: number[] = [];
    for (let s = 0; s < this.slots.length; s++) if (this.slots[s]) resident.push(s);
    if (!resident.length) return this.plan(trigger, reqEv);
    return this.statusThenPlan(trigger, reqEv, resident);
  }

  private *statusThenPlan(trigger: TickTrigger, reqEv: number, slots: number[]): Work {
    const ev = this.pfw.csgStatusUpdate(slots, reqEv);
    const ok = yield waitUntil(allAcked, CSG_REQ_TIMEOUT, { pfw: this.pfw, slots });
    if (!ok) { this.csgTimeout(slots, ev); return; }
    if (!this.dev.ready) return;
    // csg_slot_sync_idle_state_locked
    const csgs = this.pfw.fw.csgs;
    for (const s of slots) this.slotIdle[s] = (csgs[s]!.statusState & R.CSG_STATUS_STATE_IS_IDLE) !== 0;
    // tick_ctx_init: a resident group whose VM has an unhandled MMU fault gets every queue fatal
    // (unless a fatal fault already named one), so this tick terminates it.
    for (const s of slots) {
      const g = this.slots[s];
      if (!g || !g.vm.unhandledFault || g.fatalQueues) continue;
      g.fatalQueues = (1 << g.queues.length) - 1;
      this.trace.emitQueueState(g.queues[0]!, reqEv);
    }
    const w = this.plan(trigger, reqEv);
    if (w) yield* w;
  }

  /** The tick's plan, from the pick to the decision event (tick_work after tick_ctx_init). */
  private plan(trigger: TickTrigger, reqEv: number): Work | undefined {
    const now = this.sim.now;
    // Mid-slice when forced before resched_target (U64_MAX when the scheduler was not ticking).
    const full = !(now < this.reschedTarget);
    const tick = ++this.tickCount;
    const fw = this.pfw.fw;
    this.tkTick = tick;
    this.tkSelected.length = 0;
    this.tkVmIds.length = 0;
    const reasons: GroupReasonInit[] = this.tkReasons = [];
    const slotCount = this.slotCount;

    this.tkPrepare(full);
    const inputs = this.inputs();

    // ── pick (panthor_sched.c tick_work) ──
    this.tkPickNonIdle(full);
    const selected = this.tkSelected;
    // ctx->groups lists are per group priority: the protm choice sees them in that order.
    sortByPrioDesc(selected);

    // ── protected mode (policy) ──
    // The choice looks at the selection by group priority, as the per-priority ctx.groups lists
    // of tick_work do (mid-slice, resident groups of every priority come before runnable ones).
    sortByPrioDesc(selected);
    const active = this.activeGroup;
    let anyPending = false;
    for (const g of this.groups) if (g.protmPendingQueues && g.canRun) { anyPending = true; break; }
    // 7/8 as posted picks a protm_group on every tick that has a non-idle group.
    let choice: ProtmChoice = anyPending || active || this.is2026 ? this.tkChoose(anyPending, active) : NO_CHOICE;
    let protmGroup = this.tkProtmGroup(choice);

    this.tkIdleFill(protmGroup && this.dev.protm.idleFillBelowProtm ? protmGroup.priority : 3);
    // CSG priorities follow group priority, then list order (non-idle before idle): stable sort.
    sortByPrioDesc(selected);
    if (this.dev.protm.chooseOnFinalOrder && (anyPending || active)) {
      // RFC: the group that gets CSG priority 15 (after the idle fill) decides.
      choice = this.tkChoose(anyPending, active);
      protmGroup = this.tkProtmGroup(choice);
    }
    // kbase: only the protected group stays resident.
    if (protmGroup && choice.soleResident) {
      for (const g of selected) if (g !== protmGroup) { g.tSel = 0; reasons.push({ group: g.id, rule: SchedRule.RULE_KBASE_SOLE_RESIDENT }); }
      selected.length = 0;
      selected.push(protmGroup);
    }

    // Must the GPU leave protected mode first?
    const gpuProt = fw.mode === GpuMode.MODE_PROTECTED || fw.mode === GpuMode.MODE_ENTERING;
    let verdict = choice.verdict, rule = choice.rule, protmId = choice.group;
    let exitCause: ModeSwitchCause = ModeSwitchCause.CAUSE_NONE;
    // Only kbase forces an exit from the tick; under the RFC and 7/8 a protected group gives way by
    // being suspended (or when the FW leaves by itself).
    if (!this.dev.protm.tickForcedExit) { /* no tick-driven exit */ } else if (fw.mode === GpuMode.MODE_EXITING) {
      // The FW is already leaving protected mode: apply waits for PROTM_ACTIVE to clear.
      exitCause = ModeSwitchCause.CAUSE_FW_EXIT;
    } else if (gpuProt && (!active || verdict !== ProtmVerdict.PROTM_KEEP)) {
      const top = selected[0];
      exitCause = top && active && top.priority === active.priority ? ModeSwitchCause.CAUSE_ROTATION : ModeSwitchCause.CAUSE_FORCED_EXIT_PING;
      if (verdict !== ProtmVerdict.PROTM_GRANTED) {
        verdict = ProtmVerdict.PROTM_EXIT;
        rule = exitCause === ModeSwitchCause.CAUSE_ROTATION ? SchedRule.RULE_ROTATION : SchedRule.RULE_HIGHER_PRIORITY_NORMAL;
        protmId = active ? active.id : 0;
      }
    }

    // ── slot plan: evictions, kept groups (new CSG priorities), new groups on the lowest free slots ──
    const slotsOut: SlotAssignInit[] = [];
    const evicted: number[] = [];
    const evict: Group[] = [];
    const reprio: Group[] = [];
    const start: Group[] = [];
    let prio = MAX_CSG_PRIO;
    for (const g of selected) g.tPrio = prio--;
    for (let s = 0; s < slotCount; s++) {
      const g = this.slots[s];
      if (!g) continue;
      if (g.tSel !== tick) {
        g.tAction = g.canRun ? SlotAction.SLOT_SUSPEND : SlotAction.SLOT_TERMINATE;
        evict.push(g);
        evicted.push(g.id);
        slotsOut.push({ slot: s, group: g.id, csgPriority: g.csgPriority, action: g.tAction });
      } else {
        if (g.tPrio !== g.csgPriority) reprio.push(g);
        slotsOut.push({ slot: s, group: g.id, csgPriority: g.tPrio, action: SlotAction.SLOT_KEEP });
      }
    }
    let freeSlot = 0;
    for (const g of selected) {
      if (g.csgId >= 0) continue;
      // The lowest slot that is free or being freed by an eviction.
      while (freeSlot < slotCount && this.slots[freeSlot] !== null && (this.slots[freeSlot] as Group).tSel === tick) freeSlot++;
      g.tSlot = freeSlot++;
      g.tAction = g.state === GroupStateKind.PANTHOR_CS_GROUP_SUSPENDED ? SlotAction.SLOT_RESUME : SlotAction.SLOT_START;
      start.push(g);
      slotsOut.push({ slot: g.tSlot, group: g.id, csgPriority: g.tPrio, action: g.tAction });
    }
    const nextTick = this.updateReschedTarget(now, tick);
    const timeslice = nextTick !== 0;

    const decEv = this.sim.bus.emitBody({ case: 'decision', value: {
      tick, trigger, fullTick: full, inputs, slots: slotsOut, evicted,
      protm: verdict, protmRule: rule, protmGroup: protmId, reasons, freeAs: this.mmu.asCount - this.tkVmIds.length,
      timeslice, nextTickNs: nextTick, mode: fw.mode,
    } }, reqEv);
    if (nextTick) this.armTick(nextTick);
    // tick_work: every scheduled group idle → the PM reference is dropped (autosuspend may follow);
    // otherwise it is taken. Then pm_runtime_mark_last_busy.
    const pm = this.dev.pm;
    if (this.tkIdleCount === selected.length) pm.schedPut(decEv); else pm.schedGet(decEv);
    pm.markBusy();

    const enter = verdict === ProtmVerdict.PROTM_GRANTED && protmGroup !== null;
    if (exitCause === ModeSwitchCause.CAUSE_NONE && !evict.length && !reprio.length && !start.length && !enter) return undefined;
    return this.apply(decEv, exitCause, evict, reprio, start, enter ? protmGroup : null,
      protmGroup !== null && start.includes(protmGroup));
  }

  /**
   * tick_ctx_update_resched_target: the scheduler keeps ticking (timeslicing) only when every
   * slot is used, no idle group was scheduled and groups of the lowest scheduled priority still
   * wait (after the evicted ones went back to the run queues); otherwise it waits for an event.
   * Returns when the next tick is due (0: none).
   */
  private updateReschedTarget(now: Ns, tick: number): Ns {
    const sel = this.tkSelected;
    let idle = 0, minPrio = 4;
    for (const g of sel) { if (g.tIdle) idle++; if (g.priority < minPrio) minPrio = g.priority; }
    this.tkIdleCount = idle;
    this.lastTick = now;
    this.mightHaveIdleGroups = idle > 0;
    this.usedCsgSlots = sel.length;
    if (sel.length === this.slotCount && idle === 0 && minPrio < 4 && this.waitingAfterTick(minPrio, tick)) {
      const t = now + this.period;
      if (this.reschedTarget < now || t < this.reschedTarget) this.reschedTarget = t;
      return this.reschedTarget;
    }
    this.reschedTarget = Infinity;
    return 0;
  }

  /** sched->groups.runnable[prio] after the tick: runnable groups left out, evicted busy ones. */
  private waitingAfterTick(prio: number, tick: number): boolean {
    for (const g of this.runnable[prio]!) if (g.tSel !== tick && g.canRun) return true;
    for (const g of this.slots) {
      if (g && g.tSel !== tick && g.priority === prio && g.canRun && !this.isIdle(g)) return true;
    }
    return false;
  }

  /** Applies a tick's plan: forced exit, evictions + priorities, starts, protected entry. */
  private *apply(decEv: number, exitCause: ModeSwitchCause, evict: Group[], reprio: Group[], start: Group[],
                 protmGroup: Group | null, protmStartedNow: boolean): Work {
    const fw = this.pfw.fw;
    if (exitCause !== ModeSwitchCause.CAUSE_NONE) {
      const ok = yield* this.forceExit(exitCause, decEv);
      if (!ok) return;
    }
    // Evictions and priority updates, one doorbell for all CSGs.
    let mask = 0;
    const waitSlots: number[] = [];
    for (const g of evict) {
      const st = g.tAction === SlotAction.SLOT_SUSPEND ? R.CSG_STATE_SUSPEND : R.CSG_STATE_TERMINATE;
      this.pfw.csgRequestState(g.csgId, g, st, g.csgPriority, decEv);
      for (const q of g.queues) {
        if (st === R.CSG_STATE_SUSPEND) this.suspendTimeout(q); else this.cancelTimeout(q);
        if (q.current && st === R.CSG_STATE_SUSPEND) this.trace.emitJob(q.current, JobPhase.JOB_PREEMPTED, 0, decEv);
      }
      mask |= 1 << g.csgId; waitSlots.push(g.csgId);
    }
    for (const g of reprio) {
      g.csgPriority = g.tPrio;
      this.pfw.csgEndpointConfig(g.csgId, g, g.tPrio, decEv);
      mask |= 1 << g.csgId; waitSlots.push(g.csgId);
    }
    if (mask) {
      this.pfw.ringDoorbell(R.CSF_GLB_DOORBELL_ID, mask, 0, decEv);
      const ok = yield waitUntil(allAcked, CSG_REQ_TIMEOUT, { pfw: this.pfw, slots: waitSlots });
      if (!ok) { this.csgTimeout(waitSlots, decEv); return; }
    }
    for (const g of evict) {
      const from = g.state, slot = g.csgId;
      this.slots[slot] = null;
      this.pfw.unbindSlot(slot);
      this.mmu.vmIdle(g, decEv);
      g.csgId = -1;
      if (g.tAction === SlotAction.SLOT_SUSPEND) {
        g.state = GroupStateKind.PANTHOR_CS_GROUP_SUSPENDED;
        // kbase, and 7/8 with fix clear-pending-at-suspend, forget the pending bits here (the FW
        // raises PROTM_PENDING again on resume); as posted they stay until the group is started
        // again in a tick with a protm_group.
        if (this.dev.protm.name === 'kbase' || this.fixes.has('clear-pending-at-suspend')) g.protmPendingQueues = 0;
        this.trace.emitGroupState(g, from, g.state, decEv);
        this.relist(g, this.isIdle(g) ? 'idle' : 'runnable');
      } else {
        g.state = GroupStateKind.PANTHOR_CS_GROUP_TERMINATED;
        this.trace.emitGroupState(g, from, g.state, decEv);
        this.failJobs(g, decEv);
        if (g.destroyed) this.release(g, decEv);
      }
    }
    // New groups: lowest free slot, START (CREATED) or RESUME (SUSPENDED).
    mask = 0;
    const slots: number[] = [];
    for (const g of start) {
      if (!g.canRun || this.slots[g.tSlot]) continue;   // changed while waiting
      this.unlist(g);
      // tick_ctx_schedule_group (7/8): pending bits of a started group are cleared in a tick
      // with a protm_group.
      if (this.is2026 && !this.fixes.has('clear-pending-at-suspend') && protmGroup && g !== protmGroup) g.protmPendingQueues = 0;
      this.slots[g.tSlot] = g;
      g.csgId = g.tSlot;
      g.csgPriority = g.tPrio;
      this.mmu.vmActive(g, decEv);
      this.pfw.bindSlot(g.tSlot, g, g.tAction === SlotAction.SLOT_START ? R.CSG_STATE_START : R.CSG_STATE_RESUME, decEv);
      mask |= 1 << g.tSlot;
      slots.push(g.tSlot);
    }
    if (mask) {
      this.pfw.ringDoorbell(R.CSF_GLB_DOORBELL_ID, mask, 0, decEv);
      const ok = yield waitUntil(allAcked, CSG_REQ_TIMEOUT, { pfw: this.pfw, slots });
      if (!ok) { this.csgTimeout(slots, decEv); return; }
      for (const s of slots) {
        const g = this.slots[s] as Group, from = g.state;
        g.state = GroupStateKind.PANTHOR_CS_GROUP_ACTIVE;
        this.trace.emitGroupState(g, from, g.state, decEv);
        for (const q of g.queues) {
          if (q.current && g.tAction === SlotAction.SLOT_RESUME) this.trace.emitJob(q.current, JobPhase.JOB_RESUMED, 0, decEv);
          this.armTimeout(q);
        }
      }
    }
    // ── protected-mode entry ──
    if (!protmGroup || protmGroup.csgId < 0) return;
    // 7/8 enters whenever protm_group is set (even when already protected); kbase and the RFC
    // only from normal mode.
    if (this.is2026 || fw.mode === GpuMode.MODE_NORMAL) yield* this.enterProtm(protmGroup, protmStartedNow, decEv);
  }

  /** Run-queue snapshot for the decision event. */
  private inputs(): RunQueueEntryInit[] {
    const out: RunQueueEntryInit[] = [];
    for (let p = 3; p >= 0; p--) for (const g of this.tkOld[p]!) out.push(runQueueEntry(g, g.tIdle));
    for (let p = 3; p >= 0; p--) for (const g of this.runnable[p]!) out.push(runQueueEntry(g, false));
    for (let p = 3; p >= 0; p--) for (const g of this.idle[p]!) out.push(runQueueEntry(g, true));
    return out;
  }

  private csgTimeout(slots: number[], ev: number): void {
    const first = slots[0];
    const e = this.trace.emitFault(FaultKind.FAULT_CSG_ACK_TIMEOUT, 0, first === undefined ? null : this.slots[first] ?? null, 0, false, ev);
    this.trace.log(LogLevel.LOG_ERR, `CSG slots ${slots.join(',')} request timeout`, e);
    // The FW does not answer: a hang, so a slow reset.
    this.dev.scheduleReset(ResetKind.RESET_SLOW, ResetCause.RESET_CAUSE_CSG_ACK_TIMEOUT, e);
  }

  // ───────────── protected mode ─────────────

  /**
   * The enter path of each policy: which pending queues are acked, whether active_group is set,
   * GLB_PROTM_ENTER, the ack wait and the PROTM_ACTIVE poll, and what a failure does.
   */
  private *enterProtm(g: Group, startedNow: boolean, decEv: number): Work {
    const fw = this.pfw.fw, pol = this.dev.protm;
    // 7/8 acks the protm group's queues in tick_ctx_reschedule_group, which only sees groups that
    // were already on a slot; fix handle-protm-group also handles one started in this tick.
    const handled = !this.is2026 || !startedNow || this.fixes.has('handle-protm-group');
    let ev = decEv;
    let mask = 0;
    if (handled) {
      const csg = fw.csgs[g.csgId]!;
      for (let i = 0; i < g.queues.length; i++) {
        if (!(g.protmPendingQueues & (1 << i))) continue;
        const cs = csg.cs[i]!;
        cs.req = ((cs.req & ~R.CS_PROTM_PENDING) | (cs.ack & R.CS_PROTM_PENDING)) >>> 0;
        ev = this.trace.emitFwReq({ iface: FwIface.CS, csg: g.csgId, cs: i, kind: FwReqKind.REQ_EVENT_ACK,
          bits: R.CS_PROTM_PENDING, req: cs.req, group: g.id }, decEv);
        cs.lastReqEv = ev;
        mask |= 1 << i;
      }
      g.protmPendingQueues = 0;
      if (mask) this.pfw.ringDoorbell(g.csgId + 1, 0, mask, ev);
      this.activeGroup = g;
    }
    // RFC: glb_protm_enter only when cs_slot_prog_locked acked something (protm.pending).
    if (pol.name === 'rfc-2025' && !mask) return;
    // 7/8: ptdev.protm.lock's write side around the enter (VM operations in flight finish first),
    // released right after entering.
    const lock = this.mmu.protmLock, locking = pol.vmBindForcesExit;
    if (locking) {
      if (lock.readers > 0) yield waitUntil(noReaders, pol.enterAckTimeout, lock);
      lock.writer = true;
    }
    try {
      yield* this.enterLocked(g, ev);
    } finally {
      if (locking) { lock.writer = false; this.worker.poll(); }
    }
  }

  /** GLB_PROTM_ENTER, the ack wait and the PROTM_ACTIVE poll, and what a failure does. */
  private *enterLocked(g: Group, ev: number): Work {
    const pol = this.dev.protm;
    // The GLB_PROTM_ENTER request names active_group (0 = NULL: 7/8 then sets protected_mode with no active group).
    const enterEv = this.pfw.glbToggle(R.GLB_PROTM_ENTER, ev, this.activeGroup ? this.activeGroup.id : 0);
    this.pfw.ringDoorbell(R.CSF_GLB_DOORBELL_ID, 0, 0, enterEv);
    let ok = yield waitUntil(protmEnterAcked, pol.enterAckTimeout, this.pfw);
    // 7/8: then poll GPU_STATUS.PROTM_ACTIVE, or a PROTM_EXIT already pending; the RFC does not poll.
    if (ok && pol.activePoll) ok = yield waitUntil(protmActiveOrExiting, pol.activeTimeout, this.pfw);
    if (this.is2026) this.protectedMode = true;
    if (ok) return;
    const e = this.trace.emitFault(FaultKind.FAULT_PROTM_ENTER_TIMEOUT, 0, g, 0, false, enterEv);
    this.trace.log(LogLevel.LOG_ERR, this.is2026 ? 'Wait for GPU protected mode enter timed out' : 'FW protm enter timeout, scheduling a reset', e);
    // 7/8 flags every CSG update as failed (fix fail-protm-slot: the protm group's only) and
    // schedules a reset: no group is made fatal here (handle_protm_fault blames the active group
    // at pre-reset). kbase fails the protected group.
    if (pol.failEnterFatal) g.fatalQueues = (1 << g.queues.length) - 1;
    if (!this.is2026) this.activeGroup = null;
    this.dev.scheduleReset(ResetKind.RESET_SLOW, ResetCause.RESET_CAUSE_PROTM_ENTER_TIMEOUT, e);
  }

  /**
   * handle_protm_fault (7/8, called by panthor_sched_pre_reset): if protected_mode, blame the
   * active group (all its queues fatal), force an exit (PING, 500 ms); if the GPU stays protected,
   * every other resident group is marked SUSPENDED and unbound, so the reset does not touch it.
   * With protected_mode set and no active_group it WARNs and returns (leaving protected_mode set).
   */
  *handleProtmFault(ev: number): Generator<WaitFor, void, boolean> {
    const fw = this.pfw.fw;
    if (!this.protectedMode) return;
    const g = this.activeGroup;
    if (!g) {
      this.trace.log(LogLevel.LOG_WARN, 'handle_protm_fault: protected_mode set but active_group is NULL (drm_WARN_ON)', ev);
      return;
    }
    g.fatalQueues = (1 << g.queues.length) - 1;
    this.trace.emitQueueState(g.queues[0]!, ev);
    let exited = fw.mode === GpuMode.MODE_NORMAL;
    if (!exited) {
      fw.exitCause = ModeSwitchCause.CAUSE_RESET;
      const e = this.pfw.glbToggle(R.GLB_PING, ev);
      this.pfw.ringDoorbell(R.CSF_GLB_DOORBELL_ID, 0, 0, e);
      exited = yield waitUntil(notProtected, this.dev.protm.exitTimeout, fw);
    }
    if (!exited) {
      const f = this.trace.emitFault(FaultKind.FAULT_PROTM_EXIT_TIMEOUT, 0, g, 0, false, ev);
      this.trace.log(LogLevel.LOG_ERR, 'Wait for forced protected mode exit timed out', f);
      for (let s = 0; s < this.slots.length; s++) {
        const o = this.slots[s];
        if (!o || o === g) continue;
        this.slots[s] = null;
        this.pfw.unbindSlot(s);
        this.mmu.vmIdle(o);
        o.csgId = -1;
        const from = o.state;
        o.state = GroupStateKind.PANTHOR_CS_GROUP_SUSPENDED;
        this.trace.emitGroupState(o, from, o.state, f);
        this.relist(o, this.isIdle(o) ? 'idle' : 'runnable');
      }
    }
    this.protectedMode = false;
    this.activeGroup = null;
  }

  /**
   * Host-forced exit (7/8): wait the grace period for the FW to leave by itself, then toggle
   * GLB_PING and wait for PROTM_ACTIVE to clear; timeout → reset. Returns false on failure.
   */
  *forceExit(cause: ModeSwitchCause, ev: number): Generator<WaitFor, boolean, boolean> {
    const fw = this.pfw.fw, pol = this.dev.protm;
    if (normalMode(fw)) return true;
    if (fw.mode === GpuMode.MODE_ENTERING) yield waitUntil(notEntering, pol.activeTimeout, fw);
    if (pol.exitGrace > 0 && fw.mode === GpuMode.MODE_PROTECTED) {
      if (yield waitUntil(normalMode, pol.exitGrace, fw)) return true;
    }
    if (fw.mode === GpuMode.MODE_PROTECTED) {
      fw.exitCause = cause;
      const e = this.pfw.glbToggle(R.GLB_PING, ev);
      this.pfw.ringDoorbell(R.CSF_GLB_DOORBELL_ID, 0, 0, e);
    }
    if (yield waitUntil(normalMode, pol.exitTimeout, fw)) return true;
    const f = this.trace.emitFault(FaultKind.FAULT_PROTM_EXIT_TIMEOUT, 0, this.activeGroup, 0, false, ev);
    this.trace.log(LogLevel.LOG_ERR, 'Possible GPU hang in Protected mode', f);
    this.dev.scheduleReset(ResetKind.RESET_SLOW, ResetCause.RESET_CAUSE_PROTM_EXIT_TIMEOUT, f);
    return false;
  }

  /** panthor_sched_report_mmu_fault → panthor_sched_immediate_tick. */
  reportMmuFault(ev: number): void { this.requestTick(TickTrigger.TRIGGER_MMU_FAULT, ev); }

  /** A work item that forces an exit, then runs `then`. */
  *exitWork(cause: ModeSwitchCause, ev: number, then: () => void): Work {
    if (yield* this.forceExit(cause, ev)) then();
  }
}
