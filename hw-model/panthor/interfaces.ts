/**
 * The narrow interfaces the driver's files use to reach each other where the call goes against the
 * import order (device → drv → sched → fw/mmu → objects): what the device exposes to its parts
 * (struct panthor_device fields and panthor_device_schedule_reset), what the scheduler exposes to
 * the MMU and syncobj code, and the deferred step of an ioctl. A leaf of the import graph, so no
 * file imports another one that imports it back (checked by panthor/layout.test.ts).
 */
import type { ModeSwitchCause, ResetCause, ResetKind } from '../../proto/index.js';
import type { ReviewFix, ScenarioConfig } from '../contract.js';
import type { DmaBuf, DmaHeap } from '../dma-heap/index.js';
import type { HeapPolicyDesc, ProtmPolicyDesc } from '../policies/index.js';
import type { Proc } from './fd-table.js';
import type { Job } from './objects.js';
import type { WaitFor, Work } from './work.js';

/** Runtime PM as the scheduler uses it (pm.ts): sched->pm.has_ref and panthor_device_resume_and_get. */
export interface PmCtl {
  /** ptdev->pm.state == ACTIVE. */
  readonly active: boolean;
  /** pm_runtime_get for sched->pm.has_ref. */
  schedGet(ev: number): void;
  /** pm_runtime_put_autosuspend of sched->pm.has_ref. */
  schedPut(ev: number): void;
  /** pm_runtime_mark_last_busy. */
  markBusy(): void;
  /** panthor_device_resume_and_get: a suspended device resumes before the caller's work. */
  wake(ev: number): void;
}

/** What the driver's parts read of struct panthor_device, and its reset entry point. */
export interface DeviceCtl {
  /** Runtime PM (pm.ts). */
  readonly pm: PmCtl;
  readonly cfg: ScenarioConfig;
  readonly protm: ProtmPolicyDesc;
  /** The 2026 series' review fixes in effect (policies/review-fixes.ts; empty for the other policies). */
  readonly fixes: ReadonlySet<ReviewFix>;
  readonly heapPol: HeapPolicyDesc;
  /** Booted and not resetting: the scheduler may run. */
  readonly ready: boolean;
  /** shutdown() in progress: groups are torn down without FW round trips. */
  readonly shuttingDown: boolean;
  /** The device's reference on the protected heap (dma_heap_find at probe). */
  readonly protHeap: DmaHeap | null;
  /** Protected execution is possible: a heap (or user buffers) and the protected FW sections. */
  readonly protmAvailable: boolean;
  /** lazy-slow-reset / userspace-dmabuf: a slow reset that loads the protected sections is queued. */
  readonly lazyResetPending: boolean;
  /** The comm of a process (task_info.comm in the scheduler's warnings); '' if gone. */
  procComm(pid: number): string;
  /** panthor_device_schedule_reset(): queues a reset (coalesced). */
  scheduleReset(kind: ResetKind, cause: ResetCause, ev: number): void;
  /**
   * The protm suspend buffer of a new PROTECTED group, per heap policy (the buffer, or -errno);
   * `protmBufFd` is the dma-buf user space hands in under userspace-dmabuf.
   */
  protectedSuspendBuffer(p: Proc, protmBufFd: number, group: number): DmaBuf | number;
}

/** The scheduler's protected-mode exit, as VM operations need it (7/8: panthor_vm_lock_region). */
export interface ProtmExit {
  /** A work item that forces the GPU out of protected mode, then runs `then`. */
  exitWork(cause: ModeSwitchCause, ev: number, then: () => void): Work;
  /** panthor_fw_protm_exit_sync, run by the caller's thread: false if the GPU stayed protected (reset queued). */
  forceExit(cause: ModeSwitchCause, ev: number): Generator<WaitFor, boolean, boolean>;
  /** panthor_sched_report_mmu_fault: tick now, so the groups on the faulty VM are killed. */
  reportMmuFault(ev: number): void;
}

/** Where a job whose dependencies are all met goes (the scheduler's run queue). */
export interface JobDepsSink {
  depsMet(j: Job, ev: number): void;
}

/**
 * The deferred step of an ioctl: runs after the ioctl's own event is emitted, with its index; set
 * only by work that took effect (one shared object: no closure per call on the hot ioctls).
 */
export interface IoctlCtx {
  post: ((ev: number) => void) | null;
}

/** Where the JOB IRQ handler hands the FW events (panthor_sched_report_fw_events). */
export interface FwEventSink {
  processFwEvents(status: number, ev: number): void;
}
