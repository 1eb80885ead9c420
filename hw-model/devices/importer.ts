/**
 * The import rule every non-GPU device of the pipeline follows: a dma-buf is attached only when
 * the heap it came from is on the device's list for the buffer's property (protected or not).
 * What the kernel does on a successful import is dma_buf_get(fd) → dma_buf_attach() →
 * dma_buf_map_attachment() (drivers/dma-buf/dma-buf.c); a V4L2 decoder does it from VIDIOC_QBUF
 * with V4L2_MEMORY_DMABUF (vb2_dc_attach_dmabuf / vb2_dc_map_dmabuf in
 * drivers/media/common/videobuf2/videobuf2-dma-contig.c), a KMS driver from
 * DRM_IOCTL_PRIME_FD_TO_HANDLE (drm_gem_prime_import_dev in drivers/gpu/drm/drm_prime.c). The
 * refusal is the model's stand-in for what such a driver does with memory it cannot reach (an
 * attach that fails with -EINVAL): mainline has no per-heap list yet, the 2026 review's direction.
 */
import { DeviceKind, EBADF, EINVAL, HeapPurpose, ImportOp } from '../../proto/index.js';
import type { DeviceConfig } from '../contract.js';
import type { DmaBuf } from '../dma-heap/index.js';
import type { Sim } from '../sim/index.js';
import type { DeviceHost } from './host.js';

export const DEVICE_KIND_OF: Readonly<Record<DeviceConfig['kind'], DeviceKind>> = {
  gpu: DeviceKind.DEVICE_GPU, decoder: DeviceKind.DEVICE_DECODER, display: DeviceKind.DEVICE_DISPLAY,
};

/** The heaps `dev` can import a buffer of that property from. */
export function importList(dev: DeviceConfig, prot: boolean): readonly string[] {
  return prot ? dev.protectedHeaps : dev.heaps;
}

export interface Imported { ret: number; buf: DmaBuf | null; ev: number }

export class ImportingDevice {
  readonly kind: DeviceKind;
  constructor(protected readonly sim: Sim, protected readonly host: DeviceHost, readonly cfg: DeviceConfig) {
    this.kind = DEVICE_KIND_OF[cfg.kind];
  }

  get name(): string { return this.cfg.name; }

  /** Imports fd of `pid` into `pool`; 0 with the buffer, or -EBADF / -EINVAL (not on the list). */
  importFd(pid: number, fd: number, pool: string, cause = -1): Imported {
    const buf = this.host.dmaBufOf(pid, fd);
    if (!buf) {
      const ev = this.emit(ImportOp.IMPORT_REFUSED, pid, null, pool, -EBADF, cause);
      return { ret: -EBADF, buf: null, ev };
    }
    if (!importList(this.cfg, buf.isProtected).includes(buf.heap.name)) {
      const ev = this.emit(ImportOp.IMPORT_REFUSED, pid, buf, pool, -EINVAL, cause);
      return { ret: -EINVAL, buf: null, ev };
    }
    const hev = this.host.heaps.importBuf(buf, pid, HeapPurpose.PURPOSE_USER_BUFFER, cause);
    const ev = this.emit(ImportOp.IMPORT_ATTACH, pid, buf, pool, 0, hev);
    return { ret: 0, buf, ev };
  }

  /** dma_buf_unmap_attachment + dma_buf_detach + dma_buf_put. */
  detach(pid: number, buf: DmaBuf, pool: string): void {
    this.host.heaps.bufPut(buf, pid);
    this.emit(ImportOp.IMPORT_DETACH, pid, buf, pool, 0, -1);
  }

  private emit(op: ImportOp, pid: number, buf: DmaBuf | null, pool: string, result: number, cause: number): number {
    return this.sim.bus.emitBody({ case: 'devImport', value: {
      device: this.cfg.name, kind: this.kind, op, pid, bufferId: buf?.id ?? 0, heapName: buf?.heap.name ?? '',
      protected: buf?.isProtected ?? false, result, refcount: buf && !buf.released ? buf.refcount : 0, pool,
    } }, cause);
  }
}
