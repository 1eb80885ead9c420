/**
 * The CSF firmware (the MCU) as the host sees it: GLB/CSG/CS request/acknowledge pages, doorbells,
 * the JOB and GPU IRQ lines, protected mode, and a CS interpreter that executes the kernel ring of
 * every queue and the user streams it CALLs.
 *
 *   host writes *_REQ, rings a doorbell ──► (FW latency) ──► FW acts, toggles *_ACK ──► JOB_IRQ
 *   CS interpreter: ring[extract] … CALL user stream … SYNC_ADD64 ──► CSG SYNC_UPDATE ──► JOB_IRQ
 *   PROT_REGION ──► CS PROTM_PENDING (blocked) ──► host acks + GLB_PROTM_ENTER ──► PROTM_ACTIVE
 *
 * Every FW output write is traced as an `fwAck` event whose cause is the host request it answers
 * (or the instruction/event that raised it); GPU mode changes as `modeSwitch` events.
 *
 * Where nobody outside Arm knows what the FW does, it follows `assume` (assumptions.ts): an enter
 * with nothing acknowledged, a PING or a CSG suspend while protected, a CS resumed inside a
 * PROT_REGION, protected work finished, and normal work for a higher CSG priority while protected.
 */
import {
  BlockedReason, FwAckKind, FwIface, GpuMode, ModeSwitchCause, completeFwAck, type FwAckInit,
} from '../../proto/index.js';
import { CsOpcode, type CsInstr } from '../contract.js';
import type { Ns, Sim } from '../sim/index.js';
import { DEFAULT_FW_ASSUMPTIONS, type FwAssumptions } from './assumptions.js';
import * as R from './regs.js';

/** Latencies of the model's FW (virtual ns). */
export const FW_TIMING = {
  doorbell: 2_000,          // doorbell → FW looks at the request pages
  irq: 1_000,               // FW raises an IRQ → host handler runs
  csgStart: 20_000,
  csgSuspend: 60_000,
  csgTerminate: 10_000,
  csgConfig: 4_000,
  glbRequest: 3_000,
  protmEnter: 300_000,      // GPU switches to protected mode after GLB_PROTM_ENTER
  protmExit: 200_000,       // PROTM_ACTIVE cleared after an exit starts
  bootFast: 2_000_000,      // MCU back after a fast reset (sections kept)
  bootSlow: 8_000_000,      // MCU up after loading every section (probe, slow reset)
  idleHysteresis: 800_000,  // GLB idle_timer: a CSG must stay idle this long before CSG IDLE
} as const;

/** What the FW needs of a VM: address translation for CALL targets and sync objects. */
export interface GpuVm {
  /** The instructions of the stream at `addr` (size bytes), or undefined if unmapped. */
  fetch(addr: number, size: number): CsInstr[] | undefined;
  read64(addr: number): number;
  write64(addr: number, v: number): void;
}

/** A queue as the FW sees it: the ring BO and its user I/O pages, shared with the host. */
export interface CsQueue {
  /** Ring content, indexed by (position & mask); a slot holds one 8-byte instruction. */
  readonly ring: (CsInstr | undefined)[];
  readonly mask: number;
  /** CS_INSERT (host-written, in instructions). */
  insert: number;
  /** CS_EXTRACT (FW-written, in instructions). */
  extract: number;
  readonly vm: GpuVm;
  /** The CS state saved/restored across suspend (the group's suspend buffer). */
  readonly st: CsExecState;
  /** Model hook: the kernel ring's CALL into the user stream of job `seqno` executes. */
  onCall(seqno: number): void;
  /** Model hook: GPU time consumed by a RUN_* of the current job. */
  onGpuTime(ns: number): void;
}

/** The host side of the IRQ lines. */
export interface FwHost {
  handleJobIrq(): void;
  handleGpuIrq(): void;
  /** GPU_STATUS / MCU_STATUS changed (the host polls these: PROTM_ACTIVE, HALT). */
  onGpuStatus(ev: number): void;
}

const HUNG = -2;
const MAX_CALL_DEPTH = 8;

/**
 * The interpreter state of one queue's CS: what the FW saves to the group's suspend buffer on
 * CSG SUSPEND and restores on RESUME, so it lives with the queue (not with the slot).
 */
export class CsExecState {
  /** Call stack of user streams (the kernel ring is the bottom level, not on the stack). */
  frames: CsInstr[][] = [];
  pcs: number[] = [];
  /** GPU time left of a RUN_* preempted by a suspend or a protected-mode switch. */
  runRemaining = 0;
  hung = false;
  blocked: number = BlockedReason.CS_STATUS_BLOCKED_REASON_UNBLOCKED;
  statusWait = 0;
  /** Instructions of the current PROT_REGION still to execute. */
  protRemaining = 0;
  /** Blocked at PROT_REGION (or in an interrupted region) waiting for protected mode. */
  protPending = false;
  waitAddr = 0;
  waitValue = 0;
  waitGt = true;
  fatal = false;
  fatalType = 0;
  /** Injected faults: exception type raised at the next RUN_*, a hang of the next RUN_*. */
  injectFatal = 0;
  injectHang = false;

  /** CSG START: a fresh CS (nothing saved). */
  clear(): void {
    this.frames = []; this.pcs = []; this.runRemaining = 0; this.hung = false;
    this.blocked = BlockedReason.CS_STATUS_BLOCKED_REASON_UNBLOCKED; this.statusWait = 0;
    this.protRemaining = 0; this.protPending = false; this.fatal = false; this.fatalType = 0;
  }
}

/** One CS slot of a CSG: its request/ack words and the RUN in flight. */
export class CsSlot {
  req = 0;
  ack = 0;
  queue: CsQueue | null = null;
  priority = 0;
  runToken = -1;
  runEnd = 0;
  runStart = 0;
  /** Its PROTM_PENDING ack was sampled at GLB_PROTM_ENTER: runs in protected mode. */
  protGranted = false;
  lastReqEv = -1;
  constructor(readonly csg: number, readonly index: number) {}

  reset(): void {
    this.req = 0; this.ack = 0; this.queue = null; this.runToken = -1; this.protGranted = false;
  }
}

/** One CSG slot: request/ack, the host-programmed inputs and its CSs. */
export class CsgSlot {
  req = 0;
  ack = 0;
  epReq = 0;
  suspendBuf = 0;
  protmSuspendBuf = 0;
  asNr = 0;
  /** Model: the group bound to this slot (for tracing only). */
  group = 0;
  doorbellReq = 0;
  doorbellAck = 0;
  running = false;
  statusState = 0;
  idleRaised = false;
  /** Since when every CS of the CSG is idle (-1 = busy); CSG IDLE waits for the hysteresis. */
  idleSince = -1;
  idleCheck = false;
  /** Time the latest scheduled processing callback runs at / the pending requests are due. */
  pendingAt = -1;
  dueAt = 0;
  lastReqEv = -1;
  readonly cs: CsSlot[] = [];
  constructor(readonly index: number, streams: number) {
    for (let i = 0; i < streams; i++) this.cs.push(new CsSlot(index, i));
  }
  get priority(): number { return this.epReq >>> 28; }
}

export class Firmware {
  // GLB input/output
  glbReq = 0;
  glbAck = 0;
  glbAckIrqMask = 0;
  glbDoorbellReq = 0;
  glbDoorbellAck = 0;
  haltStatus = R.GLB_HALT_STATUS_OK;
  glbLastReqEv = -1;
  readonly csgs: CsgSlot[] = [];

  mcuStatus = R.MCU_STATUS_DISABLED;
  gpuStatus = 0;
  mode: GpuMode = GpuMode.MODE_OFF;
  /** Model hint set by the host before a PING: why protected mode is being left. */
  exitCause: ModeSwitchCause = ModeSwitchCause.CAUSE_FORCED_EXIT_PING;
  /** The CSG running protected work (-1 when none). */
  protCsg = -1;

  // IRQ lines
  jobIrqRaw = 0;
  jobIrqCause = -1;
  gpuIrqRaw = 0;
  gpuIrqMask = 0xffffffff;
  gpuIrqCause = -1;
  private jobIrqArmed = false;
  private gpuIrqArmed = false;

  // Fault injection (scenario faults)
  dropCsgAcks = 0;
  dropProtmEnterAcks = 0;
  dropPingAcks = 0;
  /** protm-fault armed: raise GPU_IRQ_PROTM_FAULT at the next protected entry. */
  protmFaultArmed = 0;
  /** suspend_protected_csg=finish-region: CSGs whose SUSPEND waits for the protected work to end. */
  private deferredSuspend: CsgSlot[] = [];

  private glbToken = -1;
  private modeToken = -1;
  private bootToken = -1;
  private syncWaiters: CsSlot[] = [];
  private readonly runDoneCb = (cs: CsSlot): void => this.runDone(cs);
  private readonly execCb = (cs: CsSlot): void => this.exec(cs);
  private readonly csgCb = (csg: CsgSlot): void => this.processCsg(csg);
  private readonly idleCb = (csg: CsgSlot): void => this.idleCheck(csg);
  private readonly csDbCb = (csg: CsgSlot): void => this.kickCsg(csg);
  private readonly glbCb = (): void => this.processGlb();
  private readonly jobIrqCb = (): void => { this.jobIrqArmed = false; this.host.handleJobIrq(); };
  private readonly gpuIrqCb = (): void => { this.gpuIrqArmed = false; this.host.handleGpuIrq(); };

  constructor(private readonly sim: Sim, private readonly host: FwHost, readonly csgCount: number,
              readonly streamNum: number, readonly assume: FwAssumptions = DEFAULT_FW_ASSUMPTIONS) {
    for (let i = 0; i < csgCount; i++) this.csgs.push(new CsgSlot(i, streamNum));
  }

  private ack(v: FwAckInit, cause: number): number {
    return this.sim.bus.emitBody({ case: 'fwAck', value: completeFwAck(v) }, cause);
  }

  private setMode(to: GpuMode, cause: ModeSwitchCause, ev: number): number {
    const from = this.mode;
    this.mode = to;
    if (to === GpuMode.MODE_PROTECTED) this.gpuStatus |= R.GPU_STATUS_PROTM_ACTIVE;
    else if (to !== GpuMode.MODE_EXITING) this.gpuStatus &= ~R.GPU_STATUS_PROTM_ACTIVE;
    const csg = this.protCsg;
    const e = this.sim.bus.emitBody({ case: 'modeSwitch', value: {
      from, to, cause, group: csg >= 0 ? this.csgs[csg].group : 0, csg: csg >= 0 ? csg : 0,
      gpuStatus: this.gpuStatus,
    } }, ev);
    this.host.onGpuStatus(e);
    return e;
  }

  /** GPU_STATUS.PROTM_ACTIVE. */
  get isProtected(): boolean { return (this.gpuStatus & R.GPU_STATUS_PROTM_ACTIVE) !== 0; }

  // ───────────── IRQ lines ─────────────

  private raiseJobIrq(bits: number, cause: number): void {
    this.jobIrqRaw = (this.jobIrqRaw | bits) >>> 0;
    this.jobIrqCause = cause;
    if (!this.jobIrqArmed) { this.jobIrqArmed = true; this.sim.afterFixed(FW_TIMING.irq, this.jobIrqCb); }
  }

  raiseGpuIrq(bits: number, cause: number): void {
    this.gpuIrqRaw = (this.gpuIrqRaw | bits) >>> 0;
    this.gpuIrqCause = cause;
    if ((this.gpuIrqMask & bits) === 0) return;
    if (!this.gpuIrqArmed) { this.gpuIrqArmed = true; this.sim.afterFixed(FW_TIMING.irq, this.gpuIrqCb); }
  }

  // ───────────── boot, halt, reset ─────────────

  /** MCU_CONTROL = AUTO: the FW boots and raises JOB_INT GLOBAL_IF when ready. */
  boot(slow: boolean, cause: number): void {
    this.mcuStatus = R.MCU_STATUS_DISABLED;
    const dt = slow ? FW_TIMING.bootSlow : FW_TIMING.bootFast;
    this.bootToken = this.sim.after(dt, () => {
      this.bootToken = -1;
      this.mcuStatus = R.MCU_STATUS_ENABLED;
      this.gpuStatus = R.GPU_STATUS_PWR_ACTIVE;
      const ev = this.setMode(GpuMode.MODE_NORMAL, ModeSwitchCause.CAUSE_BOOT, cause);
      this.raiseJobIrq(R.JOB_INT_GLOBAL_IF, ev);
    });
  }

  /** GPU soft/hard reset: every interface page and all FW state are lost. */
  reset(cause: number): void {
    if (this.bootToken >= 0) { this.sim.cancel(this.bootToken); this.bootToken = -1; }
    if (this.glbToken >= 0) { this.sim.cancel(this.glbToken); this.glbToken = -1; }
    if (this.modeToken >= 0) { this.sim.cancel(this.modeToken); this.modeToken = -1; }
    for (const csg of this.csgs) {
      csg.pendingAt = -1; csg.dueAt = 0;
      for (const cs of csg.cs) { this.preempt(cs); cs.reset(); }
      csg.req = 0; csg.ack = 0; csg.epReq = 0; csg.running = false; csg.group = 0; csg.idleRaised = false; csg.idleSince = -1;
      csg.doorbellReq = 0; csg.doorbellAck = 0; csg.protmSuspendBuf = 0; csg.suspendBuf = 0;
    }
    this.syncWaiters = [];
    this.deferredSuspend = [];
    this.glbReq = 0; this.glbAck = 0; this.glbDoorbellReq = 0; this.glbDoorbellAck = 0;
    this.jobIrqRaw = 0; this.gpuIrqRaw = 0; this.gpuIrqMask = 0xffffffff;
    this.mcuStatus = R.MCU_STATUS_DISABLED;
    this.protCsg = -1;
    if (this.mode !== GpuMode.MODE_RESET) this.setMode(GpuMode.MODE_RESET, ModeSwitchCause.CAUSE_RESET, cause);
    this.gpuStatus = 0;
  }

  // ───────────── doorbells ─────────────

  /** The host rang doorbell `id` (0: global interface and CSG requests; csg+1: that CSG's queues). */
  ringDoorbell(id: number): void {
    if (this.mcuStatus !== R.MCU_STATUS_ENABLED) return;
    if (id === R.CSF_GLB_DOORBELL_ID) {
      if (this.glbToken < 0) this.glbToken = this.sim.afterFixed(FW_TIMING.doorbell, this.glbCb);
      return;
    }
    const csg = this.csgs[id - 1];
    if (csg) this.sim.afterFixed(FW_TIMING.doorbell, this.csDbCb, csg);
  }

  private kickCsg(csg: CsgSlot): void {
    if (!csg.running) return;
    csg.doorbellAck = csg.doorbellReq;
    // Normal work for a CSG above the protected one (assumption higher_priority_work=exit): the
    // FW leaves protected mode by itself.
    if (this.assume.higher_priority_work === 'exit' && this.mode === GpuMode.MODE_PROTECTED && this.protCsg >= 0 && csg.index !== this.protCsg &&
        csg.priority > this.csgs[this.protCsg].priority && csgHasWork(csg)) {
      this.exitProtm(ModeSwitchCause.CAUSE_FW_EXIT, -1);
    }
    for (const cs of csg.cs) if (cs.queue) this.exec(cs);
  }

  // ───────────── GLB interface ─────────────

  private processGlb(): void {
    this.glbToken = -1;
    if (this.mcuStatus !== R.MCU_STATUS_ENABLED) return;
    const pending = (this.glbReq ^ this.glbAck) & R.GLB_REQ_MASK;
    const cause = this.glbLastReqEv;
    if (pending & R.GLB_HALT) {
      // GLB_HALT is not acknowledged through ack: the host polls MCU_STATUS == HALT.
      this.mcuStatus = R.MCU_STATUS_HALT;
      this.haltStatus = R.GLB_HALT_STATUS_OK;
      this.host.onGpuStatus(cause);
      return;
    }
    let ackBits = pending & (R.GLB_CFG_PROGRESS_TIMER | R.GLB_CFG_ALLOC_EN | R.GLB_CFG_POWEROFF_TIMER |
      R.GLB_PERFCNT_EN | R.GLB_PERFCNT_SAMPLE | R.GLB_COUNTER_EN | R.GLB_FWCFG_UPDATE | R.GLB_IDLE_EN);
    if (pending & R.GLB_PING) {
      if (this.dropPingAcks > 0) this.dropPingAcks--;
      else ackBits |= R.GLB_PING;
    }
    let enter = false;
    if (pending & R.GLB_PROTM_ENTER) {
      if (this.dropProtmEnterAcks > 0) this.dropProtmEnterAcks--;
      else { ackBits |= R.GLB_PROTM_ENTER; enter = true; }
    }
    if (ackBits) {
      this.glbAck = (this.glbAck ^ ackBits) >>> 0;
      const ev = this.ack({ iface: FwIface.GLB, kind: FwAckKind.ACK_REQUEST, bits: ackBits, ack: this.glbAck,
        haltStatus: this.haltStatus }, cause);
      if (this.glbAckIrqMask & ackBits) this.raiseJobIrq(R.JOB_INT_GLOBAL_IF, ev);
      // Assumption ping_while_protected=exit: a PING while protected knocks the GPU out of
      // protected mode (7/8 forces its exits so; why the review pauses the watchdog).
      if ((ackBits & R.GLB_PING) && this.assume.ping_while_protected === 'exit' &&
          (this.mode === GpuMode.MODE_PROTECTED || this.mode === GpuMode.MODE_ENTERING)) {
        this.exitProtm(this.exitCause, ev);
      }
      if (enter) this.enterProtm(ev);
    }
    // CSG requests signalled through glb.doorbell_req
    const dbs = (this.glbDoorbellReq ^ this.glbDoorbellAck) >>> 0;
    if (dbs) {
      this.glbDoorbellAck = this.glbDoorbellReq;
      for (let i = 0; i < this.csgs.length; i++) if (dbs & (1 << i)) this.scheduleCsg(this.csgs[i]);
    }
  }

  private scheduleCsg(csg: CsgSlot): void {
    const pending = (csg.req ^ csg.ack) & R.CSG_REQ_MASK;
    let dt: number;
    if (pending & R.CSG_STATE_MASK) {
      switch (csg.req & R.CSG_STATE_MASK) {
        case R.CSG_STATE_START: case R.CSG_STATE_RESUME: dt = FW_TIMING.csgStart; break;
        case R.CSG_STATE_SUSPEND: dt = FW_TIMING.csgSuspend; break;
        default: dt = FW_TIMING.csgTerminate;
      }
    } else if (pending) dt = FW_TIMING.csgConfig;
    else return;
    // No cancellation: one callback at the latest due time handles every pending request.
    const due = this.sim.now + dt;
    if (due > csg.dueAt) csg.dueAt = due;
    if (csg.pendingAt < csg.dueAt) { csg.pendingAt = csg.dueAt; this.sim.at(csg.dueAt, this.csgCb, csg); }
  }

  private processCsg(csg: CsgSlot): void {
    if (this.sim.now < csg.dueAt) return;       // a later callback handles it
    csg.pendingAt = -1;
    if (this.mcuStatus !== R.MCU_STATUS_ENABLED) return;
    const pending = (csg.req ^ csg.ack) & R.CSG_REQ_MASK;
    const cause = csg.lastReqEv;
    let ackBits = 0;
    let newState = -1;
    if ((pending & R.CSG_STATE_MASK) && (csg.req & R.CSG_STATE_MASK) === R.CSG_STATE_SUSPEND &&
        this.assume.suspend_protected_csg === 'finish-region' && csg.index === this.protCsg &&
        (this.mode === GpuMode.MODE_PROTECTED || this.mode === GpuMode.MODE_ENTERING)) {
      // Assumption suspend_protected_csg=finish-region: the suspend waits for the region's end.
      if (!this.deferredSuspend.includes(csg)) this.deferredSuspend.push(csg);
      return;
    }
    if (pending & R.CSG_STATE_MASK) {
      if (this.dropCsgAcks > 0) {
        this.dropCsgAcks--;           // injected: the FW never answers this state request
      } else {
        newState = csg.req & R.CSG_STATE_MASK;
        ackBits |= (csg.ack ^ csg.req) & R.CSG_STATE_MASK;
      }
    }
    if (pending & R.CSG_ENDPOINT_CONFIG) ackBits |= R.CSG_ENDPOINT_CONFIG;
    if (pending & R.CSG_STATUS_UPDATE) ackBits |= R.CSG_STATUS_UPDATE;
    if (!ackBits) return;
    if (newState >= 0) this.applyCsgState(csg, newState, cause);
    if (pending & R.CSG_STATUS_UPDATE) csg.statusState = csgIdle(csg) ? R.CSG_STATUS_STATE_IS_IDLE : 0;
    csg.ack = (csg.ack ^ ackBits) >>> 0;
    const ev = this.ack({ iface: FwIface.CSG, csg: csg.index, kind: FwAckKind.ACK_REQUEST, bits: ackBits,
      ack: csg.ack, state: csg.ack & R.CSG_STATE_MASK, group: csg.group }, cause);
    this.raiseJobIrq(R.JOB_INT_CSG_IF(csg.index), ev);
    if (newState === R.CSG_STATE_START || newState === R.CSG_STATE_RESUME) {
      for (const cs of csg.cs) if (cs.queue) this.exec(cs);
    }
  }

  private applyCsgState(csg: CsgSlot, state: number, cause: number): void {
    switch (state) {
      case R.CSG_STATE_START:
        for (const cs of csg.cs) if (cs.queue) cs.queue.st.clear();
        csg.running = true; csg.idleRaised = false; csg.idleSince = -1;
        break;
      case R.CSG_STATE_RESUME:
        csg.running = true; csg.idleRaised = false; csg.idleSince = -1;
        for (const cs of csg.cs) {
          const st = cs.queue?.st;
          if (!st) continue;
          if (st.blocked === BlockedReason.CS_STATUS_BLOCKED_REASON_SYNC_WAIT) st.blocked = 0;
          // Protected work suspended by rotation raises PROTM_PENDING again when it resumes.
          st.protPending = false;
        }
        break;
      default: // SUSPEND, TERMINATE
        if (csg.index === this.protCsg && (this.mode === GpuMode.MODE_PROTECTED || this.mode === GpuMode.MODE_ENTERING)) {
          // The protected CSG's state goes to its protm suspend buffer; the GPU leaves protected mode.
          this.exitProtm(ModeSwitchCause.CAUSE_ROTATION, cause);
        }
        for (const cs of csg.cs) {
          this.preempt(cs);
          cs.protGranted = false;
          const st = cs.queue?.st;
          if (st && st.protRemaining > 0) st.protPending = true;
        }
        this.syncWaiters = this.syncWaiters.filter((w) => w.csg !== csg.index);
        csg.running = false;
        break;
    }
  }

  // ───────────── protected mode ─────────────

  /** GLB_PROTM_ENTER acknowledged: sample the CSs whose PROTM_PENDING the host acked, switch. */
  private enterProtm(cause: number): void {
    if (this.mode !== GpuMode.MODE_NORMAL) return;
    let csgIdx = -1;
    for (const csg of this.csgs) {
      if (!csg.running) continue;
      for (const cs of csg.cs) {
        const st = cs.queue?.st;
        // The FW samples the PROTM_PENDING acks at GLB_PROTM_ENTER (invariant 3).
        if (st && st.protPending && ((cs.req ^ cs.ack) & R.CS_PROTM_PENDING) === 0) {
          cs.protGranted = true;
          if (csgIdx < 0) csgIdx = csg.index;
        }
      }
    }
    // No acked PROTM_PENDING was sampled: what the FW does is assumption protm_enter_without_pending.
    if (csgIdx < 0 && this.assume.protm_enter_without_pending === 'ignore') return;
    this.protCsg = csgIdx;
    // Normal work is preempted: the GPU drains before switching.
    for (const csg of this.csgs) for (const cs of csg.cs) if (!cs.protGranted) this.preempt(cs);
    const ev = this.setMode(GpuMode.MODE_ENTERING, ModeSwitchCause.CAUSE_SCHED_ENTER, cause);
    this.modeToken = this.sim.after(FW_TIMING.protmEnter, () => {
      this.modeToken = -1;
      const ev2 = this.setMode(GpuMode.MODE_PROTECTED, ModeSwitchCause.CAUSE_PROTM_ACTIVE, ev);
      if (this.protmFaultArmed > 0) {
        this.protmFaultArmed--;
        this.raiseGpuIrq(R.GPU_IRQ_PROTM_FAULT, ev2);
        return;
      }
      if (csgIdx < 0) {
        // Nothing to run protected: enter-then-exit leaves at once, hang stays until forced.
        if (this.assume.protm_enter_without_pending === 'enter-then-exit') this.exitProtm(ModeSwitchCause.CAUSE_FW_EXIT, ev2);
        return;
      }
      for (const csg of this.csgs) for (const cs of csg.cs) {
        if (!cs.protGranted || !cs.queue) continue;
        const st = cs.queue.st;
        st.protPending = false; st.blocked = 0; st.statusWait = 0;
        this.exec(cs);
      }
      this.maybeFwExit(ev2);
    });
  }

  /**
   * Leaves protected mode: PROTM_ACTIVE clears after the exit latency, then the FW raises the GLB
   * PROTM_EXIT event. A CS interrupted inside its PROT_REGION raises PROTM_PENDING again.
   */
  exitProtm(cause: ModeSwitchCause, ev: number): void {
    if (this.mode !== GpuMode.MODE_PROTECTED && this.mode !== GpuMode.MODE_ENTERING) return;
    if (this.modeToken >= 0) { this.sim.cancel(this.modeToken); this.modeToken = -1; }
    for (const csg of this.csgs) for (const cs of csg.cs) {
      if (!cs.protGranted) continue;
      this.preempt(cs);
      cs.protGranted = false;
      const st = cs.queue?.st;
      if (st && (st.protRemaining > 0 || st.protPending)) st.protPending = true;
    }
    const e1 = this.setMode(GpuMode.MODE_EXITING, cause, ev);
    this.modeToken = this.sim.after(FW_TIMING.protmExit, () => {
      this.modeToken = -1;
      const e2 = this.setMode(GpuMode.MODE_NORMAL, cause, e1);
      this.protCsg = -1;
      this.glbAck = (this.glbAck ^ R.GLB_PROTM_EXIT) >>> 0;
      const e3 = this.ack({ iface: FwIface.GLB, kind: FwAckKind.ACK_EVENT, bits: R.GLB_PROTM_EXIT, ack: this.glbAck }, e2);
      if (this.glbAckIrqMask & R.GLB_PROTM_EXIT) this.raiseJobIrq(R.JOB_INT_GLOBAL_IF, e3);
      for (const csg of this.csgs) if (csg.running) for (const cs of csg.cs) {
        if (!cs.queue) continue;
        if (cs.queue.st.protPending) this.protmNeededAgain(cs, e3);
        else this.exec(cs);
      }
      // Suspends that waited for the protected work to end (suspend_protected_csg=finish-region).
      const deferred = this.deferredSuspend;
      this.deferredSuspend = [];
      for (const csg of deferred) this.scheduleCsg(csg);
    });
  }

  /** Protected-mode fault injection: GPU_IRQ_PROTM_FAULT now if protected, else at the next entry. */
  injectProtmFault(cause: number): void {
    if (this.mode === GpuMode.MODE_PROTECTED) this.raiseGpuIrq(R.GPU_IRQ_PROTM_FAULT, cause);
    else this.protmFaultArmed++;
  }

  /**
   * A CS interrupted inside a PROT_REGION runs in normal mode again: assumption
   * resume_in_protected_region says whether it raises CS_PROTM_PENDING again (pending-again) or
   * waits silently for the next GLB_PROTM_ENTER, its earlier acknowledgement still counting.
   */
  private protmNeededAgain(cs: CsSlot, cause: number): void {
    if (this.assume.resume_in_protected_region === 'pending-again') { this.raiseProtmPending(cs, cause); return; }
    const st = (cs.queue as CsQueue).st;
    st.protPending = true;
    st.blocked = BlockedReason.BLOCKED_PROTM;
    st.statusWait = R.CS_STATUS_WAIT_PROTM;
  }

  private raiseProtmPending(cs: CsSlot, cause: number): void {
    const st = (cs.queue as CsQueue).st;
    st.protPending = true;
    st.blocked = BlockedReason.BLOCKED_PROTM;
    st.statusWait = R.CS_STATUS_WAIT_PROTM;
    if ((cs.req ^ cs.ack) & R.CS_PROTM_PENDING) return;    // already pending, not yet acked
    cs.ack = (cs.ack ^ R.CS_PROTM_PENDING) >>> 0;
    const csg = this.csgs[cs.csg];
    const ev = this.ack({ iface: FwIface.CS, csg: cs.csg, cs: cs.index, kind: FwAckKind.ACK_EVENT,
      bits: R.CS_PROTM_PENDING, ack: cs.ack, group: csg.group, statusWait: st.statusWait,
      blockedReason: st.blocked }, cause);
    this.raiseJobIrq(R.JOB_INT_CSG_IF(cs.csg), ev);
  }

  // ───────────── CS interpreter ─────────────

  /** Stops a CS's in-flight RUN, keeping the remaining time for when it resumes. */
  private preempt(cs: CsSlot): void {
    if (cs.runToken >= 0) {
      this.sim.cancel(cs.runToken);
      const q = cs.queue as CsQueue;
      const done = this.sim.now - cs.runStart;
      if (done > 0) q.onGpuTime(done);
      q.st.runRemaining = Math.max(1, cs.runEnd - this.sim.now);
    }
    cs.runToken = -1;
  }

  private canRun(cs: CsSlot): boolean {
    if (this.mcuStatus !== R.MCU_STATUS_ENABLED || !cs.queue || cs.queue.st.fatal) return false;
    if (!this.csgs[cs.csg].running) return false;
    const m = this.mode;
    if (m === GpuMode.MODE_NORMAL) return true;
    if (m === GpuMode.MODE_PROTECTED) return cs.protGranted;
    return false;
  }

  private startRun(cs: CsSlot, dur: Ns): void {
    cs.runStart = this.sim.now;
    cs.runEnd = this.sim.now + dur;
    cs.runToken = this.sim.after(dur, this.runDoneCb, cs);
  }

  private runDone(cs: CsSlot): void {
    cs.runToken = -1;
    const q = cs.queue as CsQueue;
    q.st.runRemaining = 0;
    q.onGpuTime(this.sim.now - cs.runStart);
    advance(q);
    this.exec(cs);
  }

  /** Executes the CS until it blocks, starts a RUN_*, or runs out of work. */
  exec(cs: CsSlot): void {
    if (cs.runToken !== -1) return;
    // Whether the CS may run, is hung or has a preempted RUN to finish does not change while it
    // steps through instructions (every step that changes one of them returns), so it is
    // checked once, not per instruction.
    if (!this.canRun(cs)) return;
    const q = cs.queue as CsQueue, st = q.st;
    if (st.hung) { cs.runToken = HUNG; return; }
    if (st.runRemaining > 0) { this.startRun(cs, st.runRemaining); st.runRemaining = 0; return; }
    for (let guard = 0; guard < 1_000_000; guard++) {
      let instr: CsInstr | undefined;
      const d = st.frames.length;
      if (d > 0) {
        const fr = st.frames[d - 1], pc = st.pcs[d - 1];
        if (pc >= fr.length) { st.frames.pop(); st.pcs.pop(); continue; }
        instr = fr[pc];
      } else {
        if (q.extract >= q.insert) { this.csBecameIdle(cs); return; }
        instr = q.ring[q.extract & q.mask];
        if (!instr) { q.extract++; continue; }
      }
      const op = instr.op;
      if (this.mode === GpuMode.MODE_PROTECTED) {
        // Protected work is done once a granted CS reaches normal work again: the FW exits.
        if (st.protRemaining === 0 && isRun(op)) {
          cs.protGranted = false;
          this.maybeFwExit(-1);
          return;
        }
      } else if (st.protRemaining > 0) {
        // Normal mode inside an interrupted PROT_REGION: protected mode is needed again.
        if (!st.protPending) this.protmNeededAgain(cs, -1);
        return;
      }
      switch (op) {
        case CsOpcode.RUN_COMPUTE: case CsOpcode.RUN_TILING: case CsOpcode.RUN_IDVS:
        case CsOpcode.RUN_FRAGMENT: case CsOpcode.RUN_FULLSCREEN: {
          if (st.injectFatal) { const t = st.injectFatal; st.injectFatal = 0; this.raiseCsFatal(cs, t, -1); return; }
          if (st.injectHang) { st.injectHang = false; st.hung = true; cs.runToken = HUNG; return; }
          this.startRun(cs, instr.duration ?? 0);
          return;
        }
        case CsOpcode.CALL: {
          advance(q);
          if (d >= MAX_CALL_DEPTH) { this.raiseCsFatal(cs, R.DRM_PANTHOR_EXCEPTION_CS_CALL_STACK_OVERFLOW, -1); return; }
          const size = instr.callSize ?? 0;
          if (size === 0) continue;
          const stream = q.vm.fetch(instr.addr ?? 0, size);
          if (!stream) { this.raiseCsFatal(cs, R.DRM_PANTHOR_EXCEPTION_INSTR_INVALID_PC, -1); return; }
          if (d === 0) q.onCall(instr.value ?? 0);
          st.frames.push(stream); st.pcs.push(0);
          continue;
        }
        case CsOpcode.SYNC_ADD32: case CsOpcode.SYNC_ADD64: {
          const a = instr.addr ?? 0;
          q.vm.write64(a, q.vm.read64(a) + (instr.value ?? 0));
          advance(q);
          this.syncUpdate(cs);
          continue;
        }
        case CsOpcode.SYNC_SET32: case CsOpcode.SYNC_SET64: {
          q.vm.write64(instr.addr ?? 0, instr.value ?? 0);
          advance(q);
          this.syncUpdate(cs);
          continue;
        }
        case CsOpcode.SYNC_WAIT32: case CsOpcode.SYNC_WAIT64: {
          const v = q.vm.read64(instr.addr ?? 0), ref = instr.value ?? 0;
          const gt = instr.cond !== 'le';
          if (gt ? v > ref : v <= ref) { advance(q); continue; }
          st.blocked = BlockedReason.CS_STATUS_BLOCKED_REASON_SYNC_WAIT;
          st.statusWait = (R.CS_STATUS_WAIT_SYNC | (op === CsOpcode.SYNC_WAIT64 ? R.CS_STATUS_WAIT_SYNC_64B : 0) |
            (gt ? R.CS_STATUS_WAIT_SYNC_COND_GT : 0)) >>> 0;
          st.waitAddr = instr.addr ?? 0; st.waitValue = ref; st.waitGt = gt;
          this.syncWaiters.push(cs);
          this.csBecameIdle(cs);
          return;
        }
        case CsOpcode.PROT_REGION: {
          if (this.mode === GpuMode.MODE_PROTECTED && cs.protGranted) {
            advance(q);
            st.protRemaining = Math.max(0, Math.floor((instr.size ?? 0) / R.CS_INSTR_SIZE));
            continue;
          }
          // Raised once; the CS then waits for GLB_PROTM_ENTER (its ack alone does not re-raise it).
          if (!st.protPending) this.raiseProtmPending(cs, -1);
          return;
        }
        default:
          // NOP, MOVE32/48, WAIT (RUN_* complete in order here), FLUSH_CACHE2, STORE_STATE,
          // FINISH_*, JUMP, ERROR_BARRIER: no model effect beyond advancing.
          advance(q);
          continue;
      }
    }
  }

  /** A sync object changed: raise CSG SYNC_UPDATE and wake the CSs whose SYNC_WAIT now passes. */
  private syncUpdate(cs: CsSlot): void {
    const csg = this.csgs[cs.csg];
    if (((csg.req ^ csg.ack) & R.CSG_SYNC_UPDATE) === 0) {
      csg.ack = (csg.ack ^ R.CSG_SYNC_UPDATE) >>> 0;
      const ev = this.ack({ iface: FwIface.CSG, csg: csg.index, kind: FwAckKind.ACK_EVENT, bits: R.CSG_SYNC_UPDATE,
        ack: csg.ack, group: csg.group }, -1);
      this.raiseJobIrq(R.JOB_INT_CSG_IF(csg.index), ev);
    }
    this.wakeWaiters();
  }

  /** Re-evaluates every CS blocked on SYNC_WAIT. */
  wakeWaiters(): void {
    const ws = this.syncWaiters;
    if (ws.length === 0) return;
    let keep: CsSlot[] | undefined;
    for (let i = 0; i < ws.length; i++) {
      const w = ws[i], q = w.queue;
      if (q && waitSatisfied(q)) {
        q.st.blocked = BlockedReason.CS_STATUS_BLOCKED_REASON_UNBLOCKED; q.st.statusWait = 0;
        this.markBusy(w.csg);
        this.sim.after(0, this.execCb, w);
        if (!keep) keep = ws.slice(0, i);
      } else if (keep) keep.push(w);
    }
    if (keep) this.syncWaiters = keep;
  }

  /** A CS ran out of work or blocked: the CSG raises IDLE once every CS is idle. */
  private csBecameIdle(cs: CsSlot): void {
    if (this.mode === GpuMode.MODE_PROTECTED && cs.protGranted && (cs.queue as CsQueue).st.protRemaining === 0) {
      cs.protGranted = false;
      this.maybeFwExit(-1);
    }
    const csg = this.csgs[cs.csg];
    if (csg.idleRaised || !csgIdle(csg)) return;
    csg.statusState = R.CSG_STATUS_STATE_IS_IDLE;
    if (csg.idleSince < 0) csg.idleSince = this.sim.now;
    if (!csg.idleCheck) { csg.idleCheck = true; this.sim.at(csg.idleSince + FW_TIMING.idleHysteresis, this.idleCb, csg); }
  }

  /** The idle hysteresis expired: raise CSG IDLE if the CSG stayed idle all along. */
  private idleCheck(csg: CsgSlot): void {
    csg.idleCheck = false;
    if (csg.idleSince < 0 || csg.idleRaised || !csg.running) return;
    const due = csg.idleSince + FW_TIMING.idleHysteresis;
    if (this.sim.now < due) { csg.idleCheck = true; this.sim.at(due, this.idleCb, csg); return; }
    if (!csgIdle(csg)) { csg.idleSince = -1; return; }
    csg.idleRaised = true;
    if ((csg.req ^ csg.ack) & R.CSG_IDLE) return;
    csg.ack = (csg.ack ^ R.CSG_IDLE) >>> 0;
    const ev = this.ack({ iface: FwIface.CSG, csg: csg.index, kind: FwAckKind.ACK_EVENT, bits: R.CSG_IDLE,
      ack: csg.ack, group: csg.group }, -1);
    this.raiseJobIrq(R.JOB_INT_CSG_IF(csg.index), ev);
  }

  /** New work was pushed to the CSG (host wrote insert and rang the doorbell). */
  markBusy(csgIdx: number): void {
    const csg = this.csgs[csgIdx];
    csg.idleRaised = false; csg.statusState = 0; csg.idleSince = -1;
  }

  /** FW-initiated exit once no CS has protected work left (assumption protm_done=exit). */
  private maybeFwExit(cause: number): void {
    if (this.mode !== GpuMode.MODE_PROTECTED || this.assume.protm_done === 'stay') return;
    for (const csg of this.csgs) for (const cs of csg.cs) if (cs.protGranted) return;
    this.exitProtm(ModeSwitchCause.CAUSE_FW_EXIT, cause);
  }

  /** CS_FATAL: the CS stops until the host terminates its group (or resets the GPU). */
  raiseCsFatal(cs: CsSlot, exceptionType: number, cause: number): void {
    const q = cs.queue as CsQueue;
    this.preempt(cs);
    q.st.runRemaining = 0;
    q.st.fatal = true;
    q.st.fatalType = exceptionType;
    cs.ack = (cs.ack ^ R.CS_FATAL) >>> 0;
    const csg = this.csgs[cs.csg];
    const ev = this.ack({ iface: FwIface.CS, csg: cs.csg, cs: cs.index, kind: FwAckKind.ACK_EVENT, bits: R.CS_FATAL,
      ack: cs.ack, group: csg.group, statusWait: q.st.statusWait, blockedReason: q.st.blocked }, cause);
    this.raiseJobIrq(R.JOB_INT_CSG_IF(cs.csg), ev);
    if (this.mode === GpuMode.MODE_PROTECTED && cs.protGranted) { cs.protGranted = false; this.maybeFwExit(ev); }
  }
}

function advance(q: CsQueue): void {
  const st = q.st, d = st.frames.length;
  if (d > 0) st.pcs[d - 1]++;
  else q.extract++;
  if (st.protRemaining > 0) st.protRemaining--;
}

function isRun(op: number): boolean {
  return op === CsOpcode.RUN_COMPUTE || op === CsOpcode.RUN_TILING || op === CsOpcode.RUN_IDVS ||
    op === CsOpcode.RUN_FRAGMENT || op === CsOpcode.RUN_FULLSCREEN;
}

/** The condition of the SYNC_WAIT the queue is blocked on now holds. */
export function waitSatisfied(q: CsQueue): boolean {
  const st = q.st, v = q.vm.read64(st.waitAddr);
  return st.waitGt ? v > st.waitValue : v <= st.waitValue;
}

function csgHasWork(csg: CsgSlot): boolean {
  for (const cs of csg.cs) {
    const q = cs.queue;
    if (q && !q.st.fatal && (q.insert > q.extract || q.st.frames.length)) return true;
  }
  return false;
}

/** Every CS of the CSG is idle: ring empty, or blocked on a SYNC_WAIT (CSG_STATUS_STATE.IS_IDLE). */
function csgIdle(csg: CsgSlot): boolean {
  for (const cs of csg.cs) {
    const q = cs.queue;
    if (!q || q.st.fatal) continue;
    const st = q.st;
    if (cs.runToken !== -1 || st.runRemaining > 0) return false;
    if (st.blocked === BlockedReason.CS_STATUS_BLOCKED_REASON_SYNC_WAIT) continue;
    if (st.protPending) return false;
    if (st.frames.length || q.insert > q.extract) return false;
  }
  return true;
}
