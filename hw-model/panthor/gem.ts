/**
 * panthor_gem.c and the BO ioctls of panthor_drv.c: BO_CREATE (panthor_ioctl_bo_create,
 * panthor_gem_create_with_handle), BO_MMAP_OFFSET (panthor_ioctl_bo_mmap_offset),
 * BO_SET_LABEL (panthor_ioctl_bo_set_label), and what user space writes through an
 * mmap of a BO (the model's writeStream: drm_gem_mmap + memcpy).
 */
import { E2BIG, EINVAL, ENOENT, EPERM } from '../../proto/index.js';
import type { BoCreateInit } from '../../proto/index.js';
import type { CsInstr } from '../contract.js';
import { PAGE_SIZE, pageAlign } from '../dma-heap/index.js';
import * as R from '../../proto/index.js';
import { Bo, type PanthorFile, type Vm } from './objects.js';
import * as U from './uapi.js';

export class PanthorGem {
  /** panthor_ioctl_bo_create: pad, flags (NO_MMAP only in 6.18), size, the exclusive VM. */
  boCreate(pf: PanthorFile, a: BoCreateInit): number {
    if (a.pad) return -EINVAL;
    const size = pageAlign(a.size ?? 0), fl = a.flags ?? 0;
    if (fl & ~U.DRM_PANTHOR_BO_FLAGS) return -EINVAL;
    if (size === 0) return -EINVAL;
    let vm: Vm | null = null;
    if (a.exclusiveVmId) {
      vm = pf.vms.get(a.exclusiveVmId) ?? null;
      if (!vm) return -EINVAL;
    }
    const bo = new Bo(pf.nextBo++, size, fl, vm, null, false);
    pf.bos.set(bo.handle, bo);
    a.size = size;
    a.handle = bo.handle;
    return 0;
  }

  boMmapOffset(pf: PanthorFile, a: { handle?: number | undefined; offset?: number | undefined; pad?: number | undefined }): number {
    if (a.pad) return -EINVAL;
    const bo = pf.bos.get(a.handle ?? 0);
    if (!bo) return -ENOENT;
    // Protected BOs are never user-mappable (invariant 10).
    if ((bo.flags & U.DRM_PANTHOR_BO_NO_MMAP) || bo.isProtected) return -EPERM;
    a.offset = U.DRM_FILE_PAGE_OFFSET_START + bo.handle * 0x100000 * PAGE_SIZE / 0x100000;
    return 0;
  }

  boSetLabel(pf: PanthorFile, a: { handle?: number | undefined; label?: string | undefined }): number {
    const bo = pf.bos.get(a.handle ?? 0);
    if (!bo) return -ENOENT;
    const label = a.label ?? '';
    if (label.length >= U.BO_LABEL_MAXLEN) return -E2BIG;
    bo.label = label;
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
