/**
 * The CSF firmware (the MCU) as the host sees it — its interface side: GLB/CSG/CS
 * request/acknowledge pages, doorbells, the JOB and GPU IRQ lines, CSG state changes, the idle
 * hysteresis and protected mode. The CS interpreter that executes the kernel ring of every queue
 * and the user streams it CALLs is cs-interp.ts, driven from here.
 *
 *   host writes *_REQ, rings a doorbell ──► (FW latency) ──► FW acts, toggles *_ACK ──► JOB_IRQ
 *   CS interpreter: ring[extract] … CALL user stream … SYNC_ADD64 ──► CSG SYNC_UPDATE ──► JOB_IRQ
 *   PROT_REGION ──► CS PROTM_PENDING (blocked) ──► host acks + GLB_PROTM_ENTER ──► PROTM_ACTIVE
 *
 * Also GLB IDLE once the GPU has stayed idle for the idle timer (assumption fw-glb-idle), the CSG
 * PROGRESS_TIMER_EVENT for a task running longer than progress_timer (fw-progress-timer), CS_FAULT
 * (fw-cs-fault), and GLB_HALT / power-off / fast and slow boot for runtime PM (fw-halt).
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
import type { Sim } from '../sim/index.js';
import { DEFAULT_FW_ASSUMPTIONS, type FwAssumptions } from './assumptions.js';
import { CsInterpreter, type CsHost, type CsQueue, CsSlot, type TilerHeapCtx } from './cs-interp.js';
import * as R from '../../proto/index.js';

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


/** The host side of the IRQ lines. */
export interface FwHost {
  handleJobIrq(): void;
  handleGpuIrq(): void;
  /** GPU_STATUS / MCU_STATUS changed (the host polls these: PROTM_ACTIVE, HALT). */
  onGpuStatus(ev: number): void;
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

export class Firmware implements CsHost {
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
  /** resume-fast-fail: fast boots (sections kept) that leave the MCU down. */
  failFastBoots = 0;

  // Timers the host programs at global init (panthor_fw_init_global_iface)
  /** GLB progress_timer: the progress timeout in units of 1024 GPU cycles (0: none programmed). */
  progressTimer = 0;
  /** GPU clock (Hz): converts progress_timer cycles into time. */
  clockHz = 1e9;
  /** Progress timeout in ns (Infinity before CFG_PROGRESS_TIMER is acknowledged). */
  progressTimeout = Infinity;
  /** Why the protected CSG's SUSPEND leaves protected mode (the host says: a tick's rotation or a runtime suspend). */
  suspendExitCause: ModeSwitchCause = ModeSwitchCause.CAUSE_ROTATION;

  // GLB IDLE (assumption fw-glb-idle): once per busy period, idle_timer after the GPU went idle
  /** Some CSG had work since the last GLB IDLE. */
  private glbBusy = false;
  /** When the last CS went idle (the GPU is idle since then if every CSG is). */
  private glbIdleFrom = 0;
  private glbIdleArmed = false;
  private readonly glbIdleCb = (): void => this.glbIdleCheck();
  /** suspend_protected_csg=finish-region: CSGs whose SUSPEND waits for the protected work to end. */
  private deferredSuspend: CsgSlot[] = [];

  private glbToken = -1;
  private modeToken = -1;
  /** The CSG an entry under way is for (-1: none sampled), and the cause of an exit under way. */
  private enteringCsg = -1;
  private exitingCause: ModeSwitchCause = ModeSwitchCause.CAUSE_FW_EXIT;
  private readonly protmEnteredCb = (ev: number): void => this.protmEntered(ev);
  private readonly protmExitedCb = (e1: number): void => this.protmExited(e1);
  private bootToken = -1;
  /** The CS interpreter (cs-interp.ts). */
  readonly interp: CsInterpreter;
  private readonly csgCb = (csg: CsgSlot): void => this.processCsg(csg);
  private readonly idleCb = (csg: CsgSlot): void => this.idleCheck(csg);
  private readonly csDbCb = (csg: CsgSlot): void => this.kickCsg(csg);
  private readonly progressCb = (cs: CsSlot): void => this.progressCheck(cs);
  private readonly glbCb = (): void => this.processGlb();
  private readonly jobIrqCb = (): void => { this.jobIrqArmed = false; this.host.handleJobIrq(); };
  private readonly gpuIrqCb = (): void => { this.gpuIrqArmed = false; this.host.handleGpuIrq(); };

  constructor(private readonly sim: Sim, private readonly host: FwHost, readonly csgCount: number,
              readonly streamNum: number, readonly assume: FwAssumptions = DEFAULT_FW_ASSUMPTIONS) {
    for (let i = 0; i < csgCount; i++) this.csgs.push(new CsgSlot(i, streamNum));
    this.interp = new CsInterpreter(sim, this);
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
      from, to, cause, group: csg >= 0 ? this.csgs[csg]!.group : 0, csg: csg >= 0 ? csg : 0,
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
    // Injected (resume-fast-fail): the MCU does not come back from a fast restart.
    if (!slow && this.failFastBoots > 0) { this.failFastBoots--; return; }
    const dt = slow ? FW_TIMING.bootSlow : FW_TIMING.bootFast;
    this.bootToken = this.sim.after(dt, () => {
      this.bootToken = -1;
      this.mcuStatus = R.MCU_STATUS_ENABLED;
      this.gpuStatus = R.GPU_STATUS_PWR_ACTIVE;
      const ev = this.setMode(GpuMode.MODE_NORMAL, ModeSwitchCause.CAUSE_BOOT, cause);
      this.raiseJobIrq(R.JOB_INT_GLOBAL_IF, ev);
    });
  }

  /**
   * GPU soft/hard reset (or power-off, `off`: runtime suspend): every interface page and all FW
   * state are lost.
   */
  reset(cause: number, off = false): void {
    if (this.bootToken >= 0) { this.sim.cancel(this.bootToken); this.bootToken = -1; }
    if (this.glbToken >= 0) { this.sim.cancel(this.glbToken); this.glbToken = -1; }
    if (this.modeToken >= 0) { this.sim.cancel(this.modeToken); this.modeToken = -1; }
    for (const csg of this.csgs) {
      csg.pendingAt = -1; csg.dueAt = 0;
      for (const cs of csg.cs) { this.interp.preempt(cs); cs.reset(); }
      csg.req = 0; csg.ack = 0; csg.epReq = 0; csg.running = false; csg.group = 0; csg.idleRaised = false; csg.idleSince = -1;
      csg.doorbellReq = 0; csg.doorbellAck = 0; csg.protmSuspendBuf = 0; csg.suspendBuf = 0;
    }
    this.interp.reset();
    this.deferredSuspend = [];
    this.glbReq = 0; this.glbAck = 0; this.glbDoorbellReq = 0; this.glbDoorbellAck = 0;
    this.jobIrqRaw = 0; this.gpuIrqRaw = 0; this.gpuIrqMask = 0xffffffff;
    this.mcuStatus = R.MCU_STATUS_DISABLED;
    this.protCsg = -1;
    this.progressTimeout = Infinity;
    this.glbBusy = false;
    if (off) { this.gpuStatus = 0; if (this.mode !== GpuMode.MODE_OFF) this.setMode(GpuMode.MODE_OFF, ModeSwitchCause.CAUSE_SUSPEND, cause); }
    else if (this.mode !== GpuMode.MODE_RESET) this.setMode(GpuMode.MODE_RESET, ModeSwitchCause.CAUSE_RESET, cause);
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
        csg.priority > this.csgs[this.protCsg]!.priority && csgHasWork(csg)) {
      this.exitProtm(ModeSwitchCause.CAUSE_FW_EXIT, -1);
    }
    for (const cs of csg.cs) if (cs.queue) this.interp.exec(cs);
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
    if (ackBits & R.GLB_CFG_PROGRESS_TIMER) {
      // progress_timer counts 1024-cycle units of GPU time without progress (0 disables it).
      this.progressTimeout = this.progressTimer > 0 ? Math.round(this.progressTimer * 1024 / this.clockHz * 1e9) : Infinity;
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
      for (let i = 0; i < this.csgs.length; i++) if (dbs & (1 << i)) this.scheduleCsg(this.csgs[i]!);
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
      for (const cs of csg.cs) if (cs.queue) this.interp.exec(cs);
    }
  }

  private applyCsgState(csg: CsgSlot, state: number, cause: number): void {
    switch (state) {
      case R.CSG_STATE_START:
        for (const cs of csg.cs) if (cs.queue) cs.queue.st.clear();
        csg.running = true; csg.idleRaised = false; csg.idleSince = -1;
        this.glbBusy = true;
        break;
      case R.CSG_STATE_RESUME:
        csg.running = true; csg.idleRaised = false; csg.idleSince = -1;
        this.glbBusy = true;
        for (const cs of csg.cs) {
          const st = cs.queue?.st;
          if (!st) continue;
          if (st.blocked === BlockedReason.CS_STATUS_BLOCKED_REASON_SYNC_WAIT) st.blocked = 0;
          // Protected work suspended by rotation raises PROTM_PENDING again when it resumes.
          st.protPending = false;
          // A pass that was waiting on TILER_OOM retries its RUN: a new TILER_OOM if still short.
          if (st.oomWait) { st.oomWait = false; st.blocked = 0; }
        }
        break;
      default: // SUSPEND, TERMINATE
        if (csg.index === this.protCsg && (this.mode === GpuMode.MODE_PROTECTED || this.mode === GpuMode.MODE_ENTERING)) {
          // The protected CSG's state goes to its protm suspend buffer; the GPU leaves protected mode.
          this.exitProtm(this.suspendExitCause, cause);
        }
        for (const cs of csg.cs) {
          this.interp.preempt(cs);
          cs.protGranted = false;
          const st = cs.queue?.st;
          if (st && st.protRemaining > 0) st.protPending = true;
        }
        this.interp.dropWaiters(csg.index);
        csg.running = false;
        this.noteIdle();
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
    for (const csg of this.csgs) for (const cs of csg.cs) if (!cs.protGranted) this.interp.preempt(cs);
    const ev = this.setMode(GpuMode.MODE_ENTERING, ModeSwitchCause.CAUSE_SCHED_ENTER, cause);
    this.enteringCsg = csgIdx;
    this.modeToken = this.sim.after(FW_TIMING.protmEnter, this.protmEnteredCb, ev);
  }

  /** The entry latency has passed: protected now (or the injected fault, or the exit that nothing to run asks for). */
  private protmEntered(ev: number): void {
    const csgIdx = this.enteringCsg;
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
      this.interp.exec(cs);
    }
    this.maybeFwExit(ev2);
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
      this.interp.preempt(cs);
      cs.protGranted = false;
      const st = cs.queue?.st;
      if (st && (st.protRemaining > 0 || st.protPending)) st.protPending = true;
    }
    const e1 = this.setMode(GpuMode.MODE_EXITING, cause, ev);
    this.exitingCause = cause;
    this.modeToken = this.sim.after(FW_TIMING.protmExit, this.protmExitedCb, e1);
  }

  /** The exit latency has passed: PROTM_ACTIVE clears and the FW raises the GLB PROTM_EXIT event. */
  private protmExited(e1: number): void {
    const cause = this.exitingCause;
    this.modeToken = -1;
    const e2 = this.setMode(GpuMode.MODE_NORMAL, cause, e1);
    this.protCsg = -1;
    this.glbAck = (this.glbAck ^ R.GLB_PROTM_EXIT) >>> 0;
    const e3 = this.ack({ iface: FwIface.GLB, kind: FwAckKind.ACK_EVENT, bits: R.GLB_PROTM_EXIT, ack: this.glbAck }, e2);
    if (this.glbAckIrqMask & R.GLB_PROTM_EXIT) this.raiseJobIrq(R.JOB_INT_GLOBAL_IF, e3);
    for (const csg of this.csgs) if (csg.running) for (const cs of csg.cs) {
      if (!cs.queue) continue;
      if (cs.queue.st.protPending) this.protmNeededAgain(cs, e3);
      else this.interp.exec(cs);
    }
    // Suspends that waited for the protected work to end (suspend_protected_csg=finish-region).
    const deferred = this.deferredSuspend;
    this.deferredSuspend = [];
    for (const csg of deferred) this.scheduleCsg(csg);
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
  protmNeededAgain(cs: CsSlot, cause: number): void {
    if (this.assume.resume_in_protected_region === 'pending-again') { this.raiseProtmPending(cs, cause); return; }
    const st = (cs.queue as CsQueue).st;
    st.protPending = true;
    st.blocked = BlockedReason.BLOCKED_PROTM;
    st.statusWait = R.CS_STATUS_WAIT_PROTM;
  }

  raiseProtmPending(cs: CsSlot, cause: number): void {
    const st = (cs.queue as CsQueue).st;
    st.protPending = true;
    st.blocked = BlockedReason.BLOCKED_PROTM;
    st.statusWait = R.CS_STATUS_WAIT_PROTM;
    if ((cs.req ^ cs.ack) & R.CS_PROTM_PENDING) return;    // already pending, not yet acked
    cs.ack = (cs.ack ^ R.CS_PROTM_PENDING) >>> 0;
    const csg = this.csgs[cs.csg]!;
    const ev = this.ack({ iface: FwIface.CS, csg: cs.csg, cs: cs.index, kind: FwAckKind.ACK_EVENT,
      bits: R.CS_PROTM_PENDING, ack: cs.ack, group: csg.group, statusWait: st.statusWait,
      blockedReason: st.blocked }, cause);
    this.raiseJobIrq(R.JOB_INT_CSG_IF(cs.csg), ev);
  }

  // ───────────── what the CS interpreter reports (CsHost) ─────────────

  csgRunning(csg: number): boolean { return this.csgs[csg]!.running; }

  protWorkDone(cs: CsSlot, cause: number): void {
    cs.protGranted = false;
    this.maybeFwExit(cause);
  }

  /** A sync object was written: CSG SYNC_UPDATE (once until the host acks it). */
  raiseSyncUpdate(cs: CsSlot): void {
    const csg = this.csgs[cs.csg]!;
    if (((csg.req ^ csg.ack) & R.CSG_SYNC_UPDATE) === 0) {
      csg.ack = (csg.ack ^ R.CSG_SYNC_UPDATE) >>> 0;
      const ev = this.ack({ iface: FwIface.CSG, csg: csg.index, kind: FwAckKind.ACK_EVENT, bits: R.CSG_SYNC_UPDATE,
        ack: csg.ack, group: csg.group }, -1);
      this.raiseJobIrq(R.JOB_INT_CSG_IF(csg.index), ev);
    }
  }

  /** A CS ran out of work or blocked: the CSG raises IDLE once every CS is idle. */
  csIdle(cs: CsSlot): void {
    if (this.mode === GpuMode.MODE_PROTECTED && cs.protGranted && (cs.queue as CsQueue).st.protRemaining === 0) {
      cs.protGranted = false;
      this.maybeFwExit(-1);
    }
    const csg = this.csgs[cs.csg]!;
    if (this.glbBusy) this.noteIdle();
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
    const csg = this.csgs[csgIdx]!;
    csg.idleRaised = false; csg.statusState = 0; csg.idleSince = -1;
    this.glbBusy = true;
  }

  // ───────────── GLB IDLE (assumption fw-glb-idle) ─────────────

  /** A CS went idle or a CSG left its slot: the GPU may be idle from now; check after idle_timer. */
  private noteIdle(): void {
    this.glbIdleFrom = this.sim.now;
    if (!this.glbIdleArmed) { this.glbIdleArmed = true; this.sim.afterFixed(FW_TIMING.idleHysteresis, this.glbIdleCb); }
  }

  /**
   * The idle timer expired: GLB IDLE (an event: GLB_ACK.IDLE toggled, JOB_INT GLOBAL_IF) when
   * GLB_IDLE_EN is set, some CSG was busy since the last one, the GPU is in normal mode and every
   * resident CSG has stayed idle for idle_timer.
   */
  private glbIdleCheck(): void {
    this.glbIdleArmed = false;
    if (!this.glbBusy || this.mcuStatus !== R.MCU_STATUS_ENABLED || this.mode !== GpuMode.MODE_NORMAL) return;
    for (const csg of this.csgs) if (csg.running && !csgIdle(csg)) return;   // a later csIdle re-arms
    const due = this.glbIdleFrom + FW_TIMING.idleHysteresis;
    if (this.sim.now < due) { this.glbIdleArmed = true; this.sim.at(due, this.glbIdleCb); return; }
    if (!(this.glbReq & R.GLB_IDLE_EN) || ((this.glbReq ^ this.glbAck) & R.GLB_IDLE)) return;
    this.glbBusy = false;
    this.glbAck = (this.glbAck ^ R.GLB_IDLE) >>> 0;
    const ev = this.ack({ iface: FwIface.GLB, kind: FwAckKind.ACK_EVENT, bits: R.GLB_IDLE, ack: this.glbAck }, -1);
    if (this.glbAckIrqMask & R.GLB_IDLE) this.raiseJobIrq(R.JOB_INT_GLOBAL_IF, ev);
  }

  // ───────────── progress timer, CS_FAULT ─────────────

  /** A RUN_* longer than the progress timeout started: check when the timeout passes. */
  armProgressTimer(cs: CsSlot): void {
    this.sim.afterFixed(this.progressTimeout, this.progressCb, cs);
  }

  /**
   * CSG PROGRESS_TIMER_EVENT: the same RUN_* of the CS is still in flight progress_timer cycles
   * after it started (the task makes no progress). The CS keeps running until the host acts.
   */
  private progressCheck(cs: CsSlot): void {
    // Still the RUN_* it was armed for: started exactly progress_timeout ago, not finished.
    if (cs.runToken < 0 || cs.runStart + this.progressTimeout !== this.sim.now || this.mcuStatus !== R.MCU_STATUS_ENABLED) return;
    const csg = this.csgs[cs.csg]!;
    if (!csg.running || ((csg.req ^ csg.ack) & R.CSG_PROGRESS_TIMER_EVENT)) return;
    csg.ack = (csg.ack ^ R.CSG_PROGRESS_TIMER_EVENT) >>> 0;
    const ev = this.ack({ iface: FwIface.CSG, csg: csg.index, kind: FwAckKind.ACK_EVENT, bits: R.CSG_PROGRESS_TIMER_EVENT,
      ack: csg.ack, group: csg.group }, -1);
    this.raiseJobIrq(R.JOB_INT_CSG_IF(csg.index), ev);
  }

  /** CS_FAULT: the CS stops at the faulting RUN_* until the host acknowledges the fault. */
  raiseCsFault(cs: CsSlot, exceptionType: number, cause: number): void {
    const q = cs.queue as CsQueue;
    q.st.faultType = exceptionType;
    q.st.faultHalted = true;
    this.raiseCsEvent(cs, R.CS_FAULT, cause);
  }

  /**
   * A CS event to the host: the event bit toggled in CS_ACK, its ACK_EVENT with the queue's wait
   * and block state, and the CSG's bit in JOB_IRQ; returns the ack event's index.
   */
  private raiseCsEvent(cs: CsSlot, bit: number, cause: number): number {
    const q = cs.queue as CsQueue;
    cs.ack = (cs.ack ^ bit) >>> 0;
    const csg = this.csgs[cs.csg]!;
    const ev = this.ack({ iface: FwIface.CS, csg: cs.csg, cs: cs.index, kind: FwAckKind.ACK_EVENT, bits: bit,
      ack: cs.ack, group: csg.group, statusWait: q.st.statusWait, blockedReason: q.st.blocked }, cause);
    this.raiseJobIrq(R.JOB_INT_CSG_IF(cs.csg), ev);
    return ev;
  }

  /** FW-initiated exit once no CS has protected work left (assumption protm_done=exit). */
  private maybeFwExit(cause: number): void {
    if (this.mode !== GpuMode.MODE_PROTECTED || this.assume.protm_done === 'stay') return;
    for (const csg of this.csgs) for (const cs of csg.cs) if (cs.protGranted) return;
    this.exitProtm(ModeSwitchCause.CAUSE_FW_EXIT, cause);
  }

  get nullChunk(): FwAssumptions['tiler_oom_null_chunk'] { return this.assume.tiler_oom_null_chunk; }

  /**
   * CS_TILER_OOM: the heap context's address and render pass counters go to the CS output, the
   * event to the host; the CS waits until the host acknowledges it (heap_start = the new chunk or 0).
   */
  raiseTilerOom(cs: CsSlot, h: TilerHeapCtx): void {
    cs.heapAddress = h.va; cs.heapVtStart = h.vtStart; cs.heapVtEnd = h.vtEnd; cs.heapFragEnd = h.fragEnd;
    if ((cs.req ^ cs.ack) & R.CS_TILER_OOM) return;
    this.raiseCsEvent(cs, R.CS_TILER_OOM, -1);
  }

  /** CS_FATAL: the CS stops until the host terminates its group (or resets the GPU). */
  raiseCsFatal(cs: CsSlot, exceptionType: number, cause: number): void {
    const q = cs.queue as CsQueue;
    this.interp.preempt(cs);
    q.st.runRemaining = 0;
    q.st.fatal = true;
    q.st.fatalType = exceptionType;
    const ev = this.raiseCsEvent(cs, R.CS_FATAL, cause);
    if (this.mode === GpuMode.MODE_PROTECTED && cs.protGranted) { cs.protGranted = false; this.maybeFwExit(ev); }
  }
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
