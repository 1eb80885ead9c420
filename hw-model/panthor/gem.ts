/**
 * panthor_gem.c and the BO ioctls of panthor_drv.c: BO_CREATE (panthor_ioctl_bo_create,
 * panthor_gem_create_with_handle), BO_MMAP_OFFSET (panthor_ioctl_bo_mmap_offset),
 * BO_SET_LABEL (panthor_ioctl_bo_set_label), BO_QUERY_INFO, and what user space writes through an
 * mmap of a BO (the model's writeStream: drm_gem_mmap + memcpy).
 */
import { HeapPurpose, type BoCreateInit } from '../../proto/index.js';
import type { CsInstr } from '../contract.js';
import { type DmaBuf, type HeapRegistry, E2BIG, EINVAL, ENOENT, EPERM, O_CLOEXEC, O_RDWR, PAGE_SIZE, pageAlign } from '../dma-heap/index.js';
import * as R from '../firmware/regs.js';
import type { DeviceCtl } from './interfaces.js';
import { Bo, type PanthorFile, type Vm } from './objects.js';
import * as U from './uapi.js';

export class PanthorGem {
  constructor(private readonly dev: DeviceCtl, private readonly heaps: HeapRegistry) {}

  boCreate(pf: PanthorFile, a: BoCreateInit): number {
    const size = pageAlign(a.size ?? 0), fl = a.flags ?? 0;
    if (size === 0) return -EINVAL;
    if (fl & ~U.DRM_PANTHOR_BO_FLAGS) return -EINVAL;
    let vm: Vm | null = null;
    if (a.exclusiveVmId) {
      vm = pf.vms.get(a.exclusiveVmId) ?? null;
      if (!vm) return -EINVAL;
    }
    let buf: DmaBuf | null = null;
    if (fl & U.DRM_PANTHOR_BO_PROTECTED) {
      // 4/8: protected BOs require NO_MMAP and an exclusive VM, and come from the heap.
      if (!(fl & U.DRM_PANTHOR_BO_NO_MMAP) || !vm) return -EINVAL;
      const dev = this.dev;
      if (!dev.protHeap || dev.heapPol.disabled) return -EINVAL;
      const b = this.heaps.bufferAlloc(dev.protHeap, size, O_RDWR | O_CLOEXEC, 0, pf.pid, HeapPurpose.PURPOSE_PROTECTED_BO);
      if (typeof b === 'number') return b;
      buf = b;
    }
    const bo = new Bo(pf.nextBo++, size, fl, vm, buf, false);
    pf.bos.set(bo.handle, bo);
    a.size = size;
    a.handle = bo.handle;
    return 0;
  }

  boMmapOffset(pf: PanthorFile, a: { handle?: number; offset?: number }): number {
    const bo = pf.bos.get(a.handle ?? 0);
    if (!bo) return -ENOENT;
    // Protected BOs are never user-mappable (invariant 10).
    if ((bo.flags & U.DRM_PANTHOR_BO_NO_MMAP) || bo.isProtected) return -EPERM;
    a.offset = U.DRM_FILE_PAGE_OFFSET_START + bo.handle * 0x100000 * PAGE_SIZE / 0x100000;
    return 0;
  }

  boSetLabel(pf: PanthorFile, a: { handle?: number; label?: string }): number {
    const bo = pf.bos.get(a.handle ?? 0);
    if (!bo) return -ENOENT;
    const label = a.label ?? '';
    if (label.length >= U.BO_LABEL_MAXLEN) return -E2BIG;
    bo.label = label;
    return 0;
  }

  boQueryInfo(pf: PanthorFile, a: { handle?: number; extraFlags?: number; createFlags?: number }): number {
    const bo = pf.bos.get(a.handle ?? 0);
    if (!bo) return -ENOENT;
    a.extraFlags = bo.imported ? U.DRM_PANTHOR_BO_IS_IMPORTED : 0;
    a.createFlags = bo.flags;
    return 0;
  }

  /** mmap + memcpy of a command stream into a BO (NO_MMAP and protected BOs cannot be mapped). */
  writeStream(pf: PanthorFile, boHandle: number, offset: number, instrs: CsInstr[]): number {
    const bo = pf.bos.get(boHandle);
    if (!bo) return -ENOENT;
    if ((bo.flags & U.DRM_PANTHOR_BO_NO_MMAP) || bo.isProtected) return -EPERM;
    if (offset < 0 || offset + instrs.length * R.CS_INSTR_SIZE > bo.size) return -EINVAL;
    bo.streams.set(offset, instrs);
    return 0;
  }
}
