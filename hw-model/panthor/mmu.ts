/**
 * panthor_mmu.c: GPU VMs and address spaces. VM_CREATE / VM_DESTROY / VM_GET_STATE
 * (panthor_vm_create, panthor_vm_destroy), VM_BIND (panthor_vm_bind_exec_sync_op,
 * panthor_vm_exec_op) run in the ioctl context of the calling process (a thread of its own here),
 * the AS command sequence of mmu_hw_do_operation_locked (LOCK, the flush, UNLOCK) after a page table
 * change (panthor_vm_flush_range: FLUSH_PT) and around an AS enable / disable
 * (panthor_mmu_as_enable / panthor_mmu_as_disable: FLUSH_MEM, then UPDATE), the AS slots a
 * resident group's VM holds (panthor_vm_active: a free AS, else the LRU idle VM's
 * (panthor_vm_release_as_locked); panthor_vm_idle puts the VM on the LRU list), and MMU faults
 * (panthor_mmu_irq_handler: the VM gets unhandled_fault, the AS is disabled, the scheduler ticks at
 * once, panthor_sched_report_mmu_fault; panthor_vm_active re-enables a faulty AS).
 *
 * Under the 2026 series a VM operation takes ptdev.protm.lock (read side) and forces a protected
 * exit first (panthor_vm_lock_region → panthor_fw_protm_exit_sync): "the MMU will not execute
 * commands when the GPU is in protected mode". The scheduler holds the write side only while it
 * enters (released right after entering, as the review notes), so a VM_BIND or a tiler chunk map
 * can run between an enter and the next exit: its forced exit interrupts the protected job.
 *
 *   VM_BIND ──validate, page tables──► ioctl thread: [protm.lock] [exit_sync] LOCK, FLUSH_PT, UNLOCK
 *   scheduler START/RESUME ──► vmActive (AS_ASSIGN: LOCK, FLUSH_MEM, UNLOCK, UPDATE) ; evict ──► vmIdle
 *   MMU IRQ ──► AS_FAULT: unhandled_fault, AS disabled (LOCK, FLUSH_MEM, UNLOCK, UPDATE) ──► tick now
 */
import {
  AsCommand, GpuMode, IrqLine, LogLevel, ModeSwitchCause, VmOp, type VmBindInit, type VmBindOpInit, type VmCreateInit,
  type VmEventInit, EBUSY, EINVAL,
} from '../../proto/index.js';
import * as R from '../../proto/index.js';
import { PAGE_SIZE } from '../dma-heap/index.js';
import type { Firmware } from '../firmware/index.js';
import type { Sim } from '../sim/index.js';
import type { DeviceCtl, IoctlCtx, ProtmExit } from './interfaces.js';
import { type Bo, type Group, type PanthorFile, Vm } from './objects.js';
import type { PanthorTrace } from './trace.js';
import * as U from './uapi.js';
import { waitUntil, type Work, Worker } from './work.js';

/** A rw_semaphore waiter gives up after this long (the model's bound on an unbounded down_read). */
const LOCK_WAIT_MAX = 10_000_000_000;

/** ptdev.protm.lock (7/8): the scheduler's enter holds the write side, VM operations the read side. */
export interface ProtmLock { writer: boolean; readers: number }
const noWriter = (lock: ProtmLock): boolean => !lock.writer;
/** The write side may take the lock (sched.ts, before entering protected mode). */
export const noReaders = (lock: ProtmLock): boolean => lock.readers === 0;

export class PanthorMmu {
  /** Address spaces the GPU offers to user VMs (AS 0 is the MCU's). */
  readonly asCount: number;
  /** VM bound to each address space (index = AS number; AS 0 is the MCU's). */
  readonly asVm: (Vm | null)[] = [];
  private readonly vmsById = new Map<number, Vm>();
  private nextVmId = 1;
  private asLru = 0;
  /** Set by the scheduler: the forced protected-mode exit a VM operation needs (2026 series). */
  protm: ProtmExit | null = null;
  /** ptdev.protm.lock. */
  readonly protmLock: ProtmLock = { writer: false, readers: 0 };
  /** ptdev->mmu->as.faulty_mask: ASes with an unhandled fault (their IRQ masked until re-enabled). */
  faultyMask = 0;
  /** The ioctl context of each process that ran a VM operation (its own simulated thread). */
  private readonly threads = new Map<number, Worker>();

  constructor(private readonly dev: DeviceCtl, private readonly trace: PanthorTrace, private readonly fw: Firmware,
              private readonly worker: Worker, private readonly sim: Sim) {
    this.asCount = U.popcount(dev.cfg.gpu.asPresent & ~1);
  }

  /** The simulated thread of process `pid`'s ioctls (0: a kernel workqueue, see thread users). */
  thread(pid: number): Worker {
    let t = this.threads.get(pid);
    if (!t) {
      t = new Worker(this.sim, pid ? `ioctl:${pid}` : 'kworker');
      this.threads.set(pid, t);
      this.worker.peers.push(t);
    }
    return t;
  }

  private emitVm(v: VmEventInit, cause: number): number { return this.trace.emitVm(v, cause); }

  /** VMs on the AS LRU list: holding an AS with no resident group. */
  private lruLen(): number {
    let n = 0;
    for (let a = 1; a <= this.asCount; a++) { const v = this.asVm[a]; if (v && v.residentGroups === 0) n++; }
    return n;
  }

  /** 1 << GPU_MMU_FEATURES_VA_BITS(mmu_features): the model's GPU reports 48 VA bits. */
  private readonly fullVaRange = 2 ** 48;

  // ───────────── ioctls ─────────────

  /**
   * panthor_vm_pool_create_vm: flags must be 0; the user VA range defaults to the task size and may
   * not exceed the GPU's VA range less PANTHOR_VM_MIN_KERNEL_VA_SIZE
   * (panthor_vm_create_check_args); at most PANTHOR_MAX_VMS_PER_FILE VMs (-EBUSY from xa_alloc).
   */
  vmCreate(pf: PanthorFile, a: VmCreateInit): number {
    if (a.flags) return -EINVAL;
    const range = a.userVaRange ?? 0;
    if (range > this.fullVaRange - U.PANTHOR_VM_MIN_KERNEL_VA_SIZE) return -EINVAL;
    if (pf.vms.size >= U.PANTHOR_MAX_VMS_PER_FILE) return -EBUSY;
    const vm = new Vm(this.nextVmId++, pf, range || 2 ** 47);
    pf.vms.set(vm.id, vm);
    this.vmsById.set(vm.id, vm);
    a.id = vm.id;
    return 0;
  }

  vmDestroyIoctl(pf: PanthorFile, id: number): number {
    const vm = pf.vms.get(id);
    if (!vm) return -EINVAL;
    pf.vms.delete(vm.id);
    this.destroyVm(vm);
    return 0;
  }

  vmGetState(pf: PanthorFile, a: { vmId?: number | undefined; state?: number | undefined }): number {
    const vm = pf.vms.get(a.vmId ?? 0);
    if (!vm) return -EINVAL;
    a.state = vm.unusable ? U.DRM_PANTHOR_VM_STATE_UNUSABLE : U.DRM_PANTHOR_VM_STATE_USABLE;
    return 0;
  }

  destroyVm(vm: Vm): void {
    vm.destroyed = true;
    vm.unusable = true;
    this.vmsById.delete(vm.id);
    if (vm.asNr >= 0) {
      this.asVm[vm.asNr] = null;
      this.emitVm({ op: VmOp.AS_RELEASE, asNr: vm.asNr, vmId: vm.id }, -1);
    }
    vm.asNr = -1;
  }

  /**
   * VM_BIND. Only the ASYNC flag is looked at (other flag bits are ignored). The synchronous form
   * (panthor_ioctl_vm_bind_sync) runs the ops one by one (panthor_vm_bind_exec_sync_op): syncs
   * are refused, a size-0 op is a no-op, then panthor_vm_bind_prepare_op_ctx's checks (alignment;
   * MAP: the BO, PANTHOR_VM_BIND_OP_MAP_FLAGS, range, exclusive VM; UNMAP: no other flags, no BO);
   * a failing op stops the call with the earlier ops applied and ops.count set to its index. The
   * asynchronous form is validated whole before anything is applied (its jobs are created first).
   */
  vmBind(pf: PanthorFile, a: VmBindInit, ctx: IoctlCtx): number {
    const vm = pf.vms.get(a.vmId ?? 0);
    if (!vm) return -EINVAL;
    const ops = a.ops ?? [];
    const async = ((a.flags ?? 0) & U.DRM_PANTHOR_VM_BIND_ASYNC) !== 0;
    let region = 0, applied = 0, ret = 0;
    if (async) {
      for (const op of ops) { ret = this.checkOp(pf, vm, op, true); if (ret) return ret; }
    }
    for (const [i, op] of ops.entries()) {
      if (!async) {
        ret = this.checkOp(pf, vm, op, false);
        if (ret) { a.opsCount = i; break; }
      }
      const fl = op.flags ?? 0, type = (fl & U.DRM_PANTHOR_VM_BIND_OP_TYPE_MASK) >>> 0;
      const va = op.va ?? 0, size = op.size ?? 0;
      if (type === U.DRM_PANTHOR_VM_BIND_OP_TYPE_SYNC_ONLY || size === 0) continue;
      region = va;
      applied++;
      // Unmap whatever overlaps, then map.
      for (let k = vm.mappings.length - 1; k >= 0; k--) {
        const m = vm.mappings[k]!;
        if (m.va < va + size && va < m.va + m.size) vm.mappings.splice(k, 1);
      }
      if (type === U.DRM_PANTHOR_VM_BIND_OP_TYPE_MAP) {
        vm.mappings.push({ va, size, bo: pf.bos.get(op.boHandle ?? 0) as Bo, boOffset: op.boOffset ?? 0, flags: fl });
      }
    }
    if (!ret) a.opsCount = ops.length;
    // Ops already applied by a failing synchronous call are on the page tables: the TLBs are flushed.
    if (applied) {
      const pid = pf.pid;
      ctx.post = (ev) => this.thread(pid).queue(this.vmOp(vm, region, pid, ModeSwitchCause.CAUSE_VM_BIND, ev));
    }
    return ret;
  }

  /** One op's checks: panthor_vm_bind_exec_sync_op (sync) / panthor_vm_bind_prepare_op_ctx. */
  private checkOp(pf: PanthorFile, vm: Vm, op: VmBindOpInit, async: boolean): number {
    const fl = op.flags ?? 0, type = (fl & U.DRM_PANTHOR_VM_BIND_OP_TYPE_MASK) >>> 0;
    const va = op.va ?? 0, size = op.size ?? 0, off = op.boOffset ?? 0;
    if (!async) {
      // No sync objects on synchronous operations; a size-0 op does nothing.
      if ((op.syncs ?? []).length) return -EINVAL;
      if (size === 0) return 0;
    }
    if (va % PAGE_SIZE || size % PAGE_SIZE || off % PAGE_SIZE) return -EINVAL;
    switch (type) {
      case U.DRM_PANTHOR_VM_BIND_OP_TYPE_MAP: {
        if (vm.unusable) return -EINVAL;
        const bo = pf.bos.get(op.boHandle ?? 0);
        if (!bo) return -EINVAL;
        if (fl & ~U.PANTHOR_VM_BIND_OP_MAP_FLAGS) return -EINVAL;
        if (size > bo.size || off > bo.size - size) return -EINVAL;
        if (bo.exclusiveVm && bo.exclusiveVm !== vm) return -EINVAL;
        if (va + size > vm.userVaRange) return -EINVAL;
        return 0;
      }
      case U.DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP:
        if (fl & ~U.DRM_PANTHOR_VM_BIND_OP_TYPE_MASK) return -EINVAL;
        if (op.boHandle || off) return -EINVAL;
        return 0;
      case U.DRM_PANTHOR_VM_BIND_OP_TYPE_SYNC_ONLY:
        if (fl & ~U.DRM_PANTHOR_VM_BIND_OP_TYPE_MASK) return -EINVAL;
        if (op.boHandle || off || va || size) return -EINVAL;
        if (!(op.syncs ?? []).length) return -EINVAL;
        return 0;
      default:
        return -EINVAL;
    }
  }

  /**
   * A VM operation's locked part, on the thread that runs it: ptdev.protm.lock's read side (2026
   * series; waits while the scheduler enters), the forced exit if the GPU is protected
   * (panthor_fw_protm_exit_sync), then panthor_vm_flush_range's AS commands if the VM has an AS,
   * and `then` (the tiler OOM work links its chunk there).
   */
  *vmOp(vm: Vm, region: number, pid: number, cause: ModeSwitchCause, ev: number,
        then?: (ev: number) => void): Work {
    const lock = this.protmLock, t0 = this.sim.now;
    const locking = this.dev.protm.vmBindForcesExit;
    if (locking && lock.writer) yield waitUntil(noWriter, LOCK_WAIT_MAX, lock);
    if (locking) lock.readers++;
    const mode = this.fw.mode;
    const prot = mode === GpuMode.MODE_PROTECTED || mode === GpuMode.MODE_ENTERING;
    const b = this.emitVm({ op: VmOp.VM_OP_BEGIN, asNr: vm.asNr, vmId: vm.id, pid, gpuProtected: prot,
      lockWaitNs: this.sim.now - t0 }, ev);
    let ok = true;
    try {
      if (prot && locking) ok = yield* (this.protm as ProtmExit).forceExit(cause, b);
      if (ok && vm.asNr >= 0 && !vm.destroyed) this.asOperation(vm.asNr, vm.id, region, AsCommand.AS_COMMAND_FLUSH_PT, pid, b);
      if (ok && then) then(b);
    } finally {
      if (locking) lock.readers--;
    }
    this.emitVm({ op: VmOp.VM_OP_END, asNr: vm.asNr, vmId: vm.id, pid }, b);
    if (locking) this.worker.poll();
  }

  /**
   * mmu_hw_do_operation_locked: LOCK the region (AS_LOCKADDR, AS_COMMAND_LOCK), the flush (6.18
   * does it as a GPU_CONTROL cache flush, FLUSH_PT cleaning L2 only, FLUSH_MEM also the LSC; traced
   * as the AS command it stands for), UNLOCK.
   */
  private asOperation(asNr: number, vmId: number, region: number, flush: AsCommand, pid: number, ev: number): void {
    const t = this.trace;
    t.emitMmu(asNr, AsCommand.AS_COMMAND_LOCK, vmId, region, ev, pid);
    t.emitMmu(asNr, flush, vmId, region, ev, pid);
    t.emitMmu(asNr, AsCommand.AS_COMMAND_UNLOCK, vmId, region, ev, pid);
  }

  /** panthor_mmu_as_enable / _disable: flush everything (FLUSH_MEM), then AS_COMMAND_UPDATE. */
  private asUpdate(asNr: number, vmId: number, ev: number): void {
    this.asOperation(asNr, vmId, 0, AsCommand.AS_COMMAND_FLUSH_MEM, 0, ev);
    this.trace.emitMmu(asNr, AsCommand.AS_COMMAND_UPDATE, vmId, 0, ev, 0);
  }

  // ───────────── address spaces (panthor_vm_active / panthor_vm_idle) ─────────────

  /**
   * panthor_vm_active: a group of the VM goes resident. A VM with an AS keeps it (re-enabled if it
   * faulted); else it takes a free AS, or the one of the first VM on the LRU list (idle the
   * longest), and the AS is enabled with the VM's page tables.
   */
  vmActive(g: Group, ev: number): void {
    const vm = g.vm;
    vm.residentGroups++;
    if (vm.residentGroups > 1) return;
    let as = vm.asNr;
    if (as >= 0) {
      if (!(this.faultyMask & (1 << as))) return;
      vm.unhandledFault = false;
      this.faultyMask &= ~(1 << as);
      const e = this.emitVm({ op: VmOp.AS_REENABLE, asNr: as, vmId: vm.id, lruLen: this.lruLen() }, ev);
      this.asUpdate(as, vm.id, e);
      return;
    }
    const asVm = this.asVm;
    for (let a = 1; a <= this.asCount; a++) if (!asVm[a]) { as = a; break; }
    let evicted = 0;
    if (as < 0) {
      let victim: Vm | null = null;
      for (let a = 1; a <= this.asCount; a++) {
        const v = asVm[a] as Vm;
        if (v.residentGroups === 0 && (!victim || v.asLru < victim.asLru)) victim = v;
      }
      if (!victim) return;                       // drm_WARN_ON(!lru_vm): -EBUSY
      as = victim.asNr;
      victim.asNr = -1;
      evicted = victim.id;
      this.emitVm({ op: VmOp.AS_EVICT, asNr: as, vmId: victim.id }, ev);
    }
    vm.asNr = as;
    asVm[as] = vm;
    vm.unhandledFault = false;
    this.faultyMask &= ~(1 << as);
    const e = this.emitVm({ op: VmOp.AS_ASSIGN, asNr: as, vmId: vm.id, evictedVmId: evicted, lruLen: this.lruLen() }, ev);
    this.asUpdate(as, vm.id, e);
  }

  /** panthor_vm_idle: a group of the VM left its slot; the last one puts the VM on the LRU list. */
  vmIdle(g: Group, ev = -1): void {
    const vm = g.vm;
    if (vm.residentGroups <= 0) return;
    if (--vm.residentGroups > 0 || vm.asNr < 0) return;
    vm.asLru = ++this.asLru;
    this.emitVm({ op: VmOp.AS_IDLE, asNr: vm.asNr, vmId: vm.id, lruLen: this.lruLen() }, ev);
  }

  // ───────────── MMU faults (panthor_mmu_irq_handler) ─────────────

  /**
   * An unhandled page fault on the AS of `vm` (a scenario fault): MMU IRQ, AS_FAULTSTATUS /
   * AS_FAULTADDRESS read, the AS marked faulty (its IRQ masked), the VM's unhandled_fault set, the
   * AS disabled, and panthor_sched_report_mmu_fault's immediate tick. A VM without an AS cannot fault.
   */
  mmuFault(vm: Vm, address: number, cause: number): boolean {
    const as = vm.asNr;
    if (as < 0 || vm.destroyed) return false;
    const irq = this.trace.emitIrq(IrqLine.MMU_IRQ, 1 << as, (this.faultyMask & (1 << as)) !== 0, cause);
    if (this.faultyMask & (1 << as)) return true;
    // TRANSLATION_FAULT_0, read access (ACCESS_TYPE 2 << 8), source id 0.
    const status = (R.DRM_PANTHOR_EXCEPTION_TRANSLATION_FAULT_0 | (2 << 8)) >>> 0;
    const e = this.emitVm({ op: VmOp.AS_FAULT, asNr: as, vmId: vm.id, faultAddress: address, faultStatus: status }, irq);
    this.trace.log(LogLevel.LOG_ERR, `Unhandled Page fault in AS${as} at VA 0x${address.toString(16).toUpperCase().padStart(16, '0')}`, e);
    this.faultyMask |= 1 << as;
    vm.unhandledFault = true;
    this.asUpdate(as, vm.id, e);
    (this.protm as ProtmExit).reportMmuFault(e);
    return true;
  }

  /** The VM of `pid`'s first group (the scenario's mmu-fault target). */
  vmOfPid(pid: number): Vm | undefined {
    for (const vm of this.vmsById.values()) if (vm.file.pid === pid && !vm.destroyed) return vm;
    return undefined;
  }

  /** panthor_mmu_suspend (runtime suspend): every address space is released; VMs get one again when active. */
  suspend(): void {
    for (let a = 1; a <= this.asCount; a++) {
      const vm = this.asVm[a];
      if (vm) vm.asNr = -1;
      this.asVm[a] = null;
    }
  }
}
