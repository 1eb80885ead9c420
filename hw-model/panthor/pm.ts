/**
 * panthor_device.c, runtime PM: the device's PM state (ptdev->pm.state), the autosuspend the PM
 * core runs with the 50 ms delay panthor_device_init sets (pm_runtime_set_autosuspend_delay,
 * pm_runtime_use_autosuspend), panthor_device_suspend (panthor_sched_suspend, panthor_fw_suspend =
 * panthor_fw_pre_reset(ptdev, false): GLB_HALT and a wait for MCU_STATUS.HALT so that the restart
 * can be fast, MMU and GPU off) and panthor_device_resume (a pending reset forces a slow restart;
 * panthor_device_resume_hw_components → panthor_fw_post_reset: fast = no section reload, "Fast
 * reset failed, trying a slow reset" on failure; then panthor_sched_resume's immediate tick).
 * The scheduler's reference (sched->pm.has_ref) is taken and dropped by tick_work and
 * queue_run_job (sched.ts); the device is woken by a submit or a tick (tick_work and
 * queue_run_job call panthor_device_resume_and_get).
 *
 *   tick: every scheduled group idle ─► put ─► (50 ms after the last busy mark) suspend work
 *   submit / tick while SUSPENDED ─► wake ─► resume work (fast, else slow) ─► TRIGGER_RESUME tick
 */
import { FaultKind, FwIface, FwReqKind, GpuMode, LogLevel, ModeSwitchCause, PmOp, PmState } from '../../proto/index.js';
import * as R from '../../proto/index.js';
import type { Ns, Sim } from '../sim/index.js';
import type { PanthorFw } from './fw.js';
import type { PmCtl } from './interfaces.js';
import type { PanthorTrace } from './trace.js';
import { MCU_HALT_TIMEOUT } from './uapi.js';
import { waitUntil, type Work, type Worker } from './work.js';

const mcuHalted = (fw: PanthorFw['fw']): boolean => fw.mcuStatus === R.MCU_STATUS_HALT;

/** What runtime PM drives of the rest of the driver (the device implements it). */
export interface PmHost {
  /** Booted and not resetting: the scheduler may run. */
  ready: boolean;
  /** panthor_sched_suspend (the reset's pre-reset suspension). */
  schedSuspend(ev: number): Work;
  /** panthor_mmu_suspend: every VM loses its address space. */
  mmuSuspend(ev: number): void;
  /** panthor_fw_post_reset: reloads the sections on a slow restart, boots the MCU; 0 or -errno. */
  fwRestart(slow: boolean, ev: number): Generator<import('./work.js').WaitFor, number, boolean>;
  /** panthor_sched_resume: an immediate tick. */
  schedResume(ev: number): void;
  /** A reset was queued while the device was not active: it ran as this resume's slow restart. */
  resetDoneByResume(ev: number): void;
}

export class PanthorPm implements PmCtl {
  /** ptdev->pm.state (PANTHOR_DEVICE_PM_STATE_*). */
  state: PmState = PmState.PM_STATE_ACTIVE;
  /** sched->pm.has_ref. */
  schedRef = false;
  /** ptdev->reset.pending while not active: the next resume is slow. */
  resetPending = false;
  /** ptdev->reset.fast: the last suspend halted the MCU cleanly. */
  private fast = false;
  /** pm_runtime_mark_last_busy. */
  private lastBusy: Ns = 0;
  private timerToken = -1;
  private workQueued = false;
  /** A wake-up came while suspending: resume as soon as the suspend is done. */
  private wakeAfterSuspend = -2;
  private readonly timerCb = (): void => this.autosuspendTimer();

  constructor(private readonly sim: Sim, private readonly host: PmHost, private readonly pfw: PanthorFw,
              private readonly trace: PanthorTrace, private readonly worker: Worker,
              readonly enabled: boolean, readonly delay: Ns) {}

  get active(): boolean { return this.state === PmState.PM_STATE_ACTIVE; }

  private emit(op: PmOp, cause: number, extra: { fast?: boolean; result?: number; autosuspendAt?: number; resetPending?: boolean } = {}): number {
    return this.sim.bus.emitBody({ case: 'pm', value: {
      op, state: this.state, gpuProtected: this.pfw.fw.isProtected, ...extra,
    } }, cause);
  }

  /** pm_runtime_mark_last_busy (end of tick_work and queue_run_job). */
  markBusy(): void { this.lastBusy = this.sim.now; }

  /** tick_work / queue_run_job: pm_runtime_get for sched->pm.has_ref. */
  schedGet(ev: number): void {
    if (this.schedRef || !this.enabled) return;
    this.schedRef = true;
    if (this.timerToken >= 0) { this.sim.cancel(this.timerToken); this.timerToken = -1; }
    this.emit(PmOp.PM_REF_GET, ev);
  }

  /** tick_work: every scheduled group idle, pm_runtime_put_autosuspend. */
  schedPut(ev: number): void {
    if (!this.schedRef || !this.enabled) return;
    this.schedRef = false;
    this.markBusy();
    const at = this.lastBusy + this.delay;
    this.emit(PmOp.PM_REF_PUT, ev, { autosuspendAt: at });
    this.armTimer(at);
  }

  private armTimer(at: Ns): void {
    if (this.timerToken >= 0) this.sim.cancel(this.timerToken);
    this.timerToken = this.sim.at(at, this.timerCb);
  }

  /** The PM core's autosuspend timer: suspends once the delay passed since the last busy mark. */
  private autosuspendTimer(): void {
    this.timerToken = -1;
    if (this.schedRef || !this.active || this.workQueued) return;
    const due = this.lastBusy + this.delay;
    if (this.sim.now < due) { this.armTimer(due); return; }
    this.workQueued = true;
    this.worker.queue(this.suspendWork());
  }

  /**
   * panthor_device_resume_and_get from a submit or a tick: a suspended device resumes before
   * the caller goes on (the caller's work is queued after the resume on the ordered worker); on an
   * active device it only marks it busy (a queued suspend then finds the delay not passed).
   */
  wake(ev: number): void {
    if (!this.enabled) return;
    this.markBusy();
    if (this.state === PmState.PM_STATE_SUSPENDED && !this.workQueued) {
      this.workQueued = true;
      this.worker.queue(this.resumeWork(ev));
    } else if (this.state === PmState.PM_STATE_SUSPENDING) {
      this.wakeAfterSuspend = ev;
    }
  }

  /** panthor_device_init's pm_runtime_put_autosuspend: an idle device suspends after the delay. */
  probed(): void {
    if (!this.enabled) return;
    this.markBusy();
    this.armTimer(this.lastBusy + this.delay);
  }

  /** panthor_device_suspend. */
  private *suspendWork(): Work {
    this.workQueued = false;
    if (this.schedRef || !this.active) return;
    // rpm_suspend re-checks the autosuspend expiry: busy again since the timer fired.
    if (this.sim.now < this.lastBusy + this.delay) { this.armTimer(this.lastBusy + this.delay); return; }
    this.state = PmState.PM_STATE_SUSPENDING;
    const ev = this.emit(PmOp.PM_SUSPEND_BEGIN, -1);
    this.host.ready = false;
    const fw = this.pfw.fw;
    // panthor_sched_suspend: a protected CSG's SUSPEND takes the GPU out of protected mode.
    fw.suspendExitCause = ModeSwitchCause.CAUSE_SUSPEND;
    yield* this.host.schedSuspend(ev);
    fw.suspendExitCause = ModeSwitchCause.CAUSE_ROTATION;
    // panthor_fw_suspend → panthor_fw_pre_reset(ptdev, false): no ping; halt the MCU (a fast
    // restart is possible only if it halts), then MCU_CONTROL = DISABLE.
    this.pfw.stopWatchdog();
    this.pfw.cancelPingTimeout();
    fw.glbReq = (fw.glbReq | R.GLB_HALT) >>> 0;
    const e = this.trace.emitFwReq({ iface: FwIface.GLB, kind: FwReqKind.REQ_WRITE, bits: R.GLB_HALT, req: fw.glbReq }, ev);
    fw.glbLastReqEv = e;
    this.pfw.ringDoorbell(R.CSF_GLB_DOORBELL_ID, 0, 0, e);
    this.fast = yield waitUntil(mcuHalted, MCU_HALT_TIMEOUT, fw);
    if (!this.fast) this.trace.log(LogLevel.LOG_WARN, 'Failed to cleanly suspend MCU', e);
    // panthor_mmu_suspend, panthor_gpu_suspend: address spaces released, GPU powered off.
    this.host.mmuSuspend(ev);
    fw.reset(ev, true);
    this.state = PmState.PM_STATE_SUSPENDED;
    this.emit(PmOp.PM_SUSPENDED, ev, { fast: this.fast });
    if (this.wakeAfterSuspend !== -2) {
      const w = this.wakeAfterSuspend;
      this.wakeAfterSuspend = -2;
      this.wake(w);
    }
  }

  /** panthor_device_resume. */
  private *resumeWork(cause: number): Work {
    this.workQueued = false;
    if (this.state !== PmState.PM_STATE_SUSPENDED) return;
    this.state = PmState.PM_STATE_RESUMING;
    // A reset pending at suspend time forces a slow restart.
    const pending = this.resetPending;
    if (pending) { this.fast = false; this.resetPending = false; }
    let fast = this.fast;
    const ev = this.emit(PmOp.PM_RESUME_BEGIN, cause, { fast, resetPending: pending });
    let ret = yield* this.host.fwRestart(!fast, ev);
    if (ret && fast) {
      const f = this.trace.emitFault(FaultKind.FAULT_FAST_RESET_FAILED, 0, null, 0, true, this.sim.bus.count - 1);
      this.trace.log(LogLevel.LOG_ERR, 'Fast reset failed, trying a slow reset', f);
      this.pfw.fw.reset(f, true);
      fast = this.fast = false;
      this.emit(PmOp.PM_RESUME_BEGIN, f, { fast });
      ret = yield* this.host.fwRestart(true, f);
    }
    if (ret) {
      // err_set_suspended: pm.recovery_needed.
      this.state = PmState.PM_STATE_SUSPENDED;
      this.emit(PmOp.PM_RESUME_FAILED, ev, { fast, result: ret });
      return;
    }
    if (pending || !fast) this.host.resetDoneByResume(ev);
    this.state = PmState.PM_STATE_ACTIVE;
    this.host.ready = true;
    this.markBusy();
    const e = this.emit(PmOp.PM_RESUMED, ev, { fast, result: 0 });
    this.host.schedResume(e);
  }

  /** Whether the GPU is powered (for the model's own checks). */
  get powered(): boolean { return this.pfw.fw.mode !== GpuMode.MODE_OFF; }
}
