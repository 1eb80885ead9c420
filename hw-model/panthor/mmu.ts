/**
 * panthor_mmu.c: GPU VMs and address spaces. VM_CREATE / VM_DESTROY / VM_GET_STATE
 * (panthor_vm_create, panthor_vm_destroy), VM_BIND (panthor_vm_bind_exec_sync_op,
 * panthor_vm_exec_op) with the AS commands it issues (LOCK / UPDATE / UNLOCK,
 * panthor_vm_lock_region), and the AS slots a resident group's VM holds (panthor_vm_active /
 * panthor_vm_idle, LRU eviction of idle VMs).
 *
 *   VM_BIND ──validate──► mappings ──► AS LOCK/UPDATE/UNLOCK (after a protected exit under 2026)
 *   scheduler START/RESUME ──► vmActive (AS_COMMAND_UPDATE when it gets an AS) ; evict ──► vmIdle
 */
import { GpuMode, ModeSwitchCause, type VmBindInit, type VmBindOpInit, type VmCreateInit, EBUSY, EINVAL } from '../../proto/index.js';
import { PAGE_SIZE } from '../dma-heap/index.js';
import type { Firmware } from '../firmware/index.js';
import type { DeviceCtl, IoctlCtx, ProtmExit } from './interfaces.js';
import { type Bo, type Group, type PanthorFile, Vm } from './objects.js';
import type { PanthorTrace } from './trace.js';
import * as U from './uapi.js';
import type { Worker } from './work.js';

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
  // What the post-ioctl step of the last VM_BIND works on (no closure per call).
  private bindVm: Vm | null = null;
  private bindAsNr = -1;
  private bindRegion = 0;
  private readonly postVmBindCb = (ev: number): void => {
    const vm = this.bindVm as Vm;
    this.bindVm = null;
    this.vmBindMmu(vm, this.bindAsNr, this.bindRegion, ev);
  };

  constructor(private readonly dev: DeviceCtl, private readonly trace: PanthorTrace, private readonly fw: Firmware,
              private readonly worker: Worker) {
    this.asCount = U.popcount(dev.cfg.gpu.asPresent & ~1);
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

  vmGetState(pf: PanthorFile, a: { vmId?: number; state?: number }): number {
    const vm = pf.vms.get(a.vmId ?? 0);
    if (!vm) return -EINVAL;
    a.state = vm.unusable ? U.DRM_PANTHOR_VM_STATE_UNUSABLE : U.DRM_PANTHOR_VM_STATE_USABLE;
    return 0;
  }

  destroyVm(vm: Vm): void {
    vm.destroyed = true;
    vm.unusable = true;
    this.vmsById.delete(vm.id);
    if (vm.asNr >= 0) this.asVm[vm.asNr] = null;
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
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
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
        const m = vm.mappings[k];
        if (m.va < va + size && va < m.va + m.size) vm.mappings.splice(k, 1);
      }
      if (type === U.DRM_PANTHOR_VM_BIND_OP_TYPE_MAP) {
        vm.mappings.push({ va, size, bo: pf.bos.get(op.boHandle ?? 0) as Bo, boOffset: op.boOffset ?? 0, flags: fl });
      }
    }
    if (!ret) a.opsCount = ops.length;
    // Ops already applied by a failing synchronous call are on the page tables: the AS is updated.
    if (vm.asNr >= 0 && applied) this.postBind(vm, region, ctx);
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

  /** The AS commands of a bind that changed the page tables (after a protected exit under 2026). */
  private postBind(vm: Vm, region: number, ctx: IoctlCtx): void {
    // MMU LOCK/UPDATE/UNLOCK on the VM's AS. The 2026 series forces a protected-mode exit first:
    // "the MMU will not execute commands when the GPU is in protected mode".
    const asNr = vm.asNr;
    const prot = this.fw.mode === GpuMode.MODE_PROTECTED || this.fw.mode === GpuMode.MODE_ENTERING;
    if (prot && this.dev.protm.vmBindForcesExit) {
      const mmu = (ev: number): void => this.vmBindMmu(vm, asNr, region, ev);
      const protm = this.protm as ProtmExit;
      ctx.post = (ev) => this.worker.queue(protm.exitWork(ModeSwitchCause.CAUSE_VM_BIND, ev, () => mmu(ev)));
    } else {
      // The common case, once per frame of a compute app: no closure, the arguments in fields.
      this.bindVm = vm; this.bindAsNr = asNr; this.bindRegion = region;
      ctx.post = this.postVmBindCb;
    }
  }

  /** MMU LOCK/UPDATE/UNLOCK of a VM_BIND on the VM's AS (if the VM still holds it). */
  private vmBindMmu(vm: Vm, asNr: number, region: number, ev: number): void {
    if (vm.asNr !== asNr) return;
    this.trace.emitMmu(asNr, 2 /* LOCK */, vm.id, region, ev);
    this.trace.emitMmu(asNr, 1 /* UPDATE */, vm.id, region, ev);
    this.trace.emitMmu(asNr, 3 /* UNLOCK */, vm.id, region, ev);
  }

  // ───────────── address spaces (panthor_vm_active / panthor_vm_idle) ─────────────

  /** A group of the VM goes resident: the VM gets an AS (the LRU idle VM's if none is free). */
  vmActive(g: Group, ev: number): void {
    const vm = g.vm;
    vm.residentGroups++;
    vm.asLru = ++this.asLru;
    if (vm.asNr >= 0) return;
    const asVm = this.asVm;
    let as = -1;
    for (let a = 1; a <= this.asCount; a++) if (!asVm[a]) { as = a; break; }
    if (as < 0) {
      // Evict the least recently used VM without resident groups.
      let victim: Vm | null = null;
      for (let a = 1; a <= this.asCount; a++) {
        const v = asVm[a] as Vm;
        if (v.residentGroups === 0 && (!victim || v.asLru < victim.asLru)) victim = v;
      }
      if (!victim) return;
      as = victim.asNr;
      victim.asNr = -1;
    }
    vm.asNr = as;
    asVm[as] = vm;
    this.trace.emitMmu(as, 1 /* AS_COMMAND_UPDATE */, vm.id, 0, ev);
  }

  /** A group of the VM left its slot. */
  vmIdle(g: Group): void { if (g.vm.residentGroups > 0) g.vm.residentGroups--; }

  /** panthor_mmu_suspend (runtime suspend): every address space is released; VMs get one again when active. */
  suspend(): void {
    for (let a = 1; a <= this.asCount; a++) {
      const vm = this.asVm[a];
      if (vm) vm.asNr = -1;
      this.asVm[a] = null;
    }
  }
}
