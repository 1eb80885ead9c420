/**
 * dma-bufs across processes and devices: PRIME import and export (drivers/gpu/drm/drm_prime.c:
 * drm_gem_prime_fd_to_handle, drm_gem_prime_handle_to_fd, with panthor_gem_prime_export's refusal
 * of exclusive-VM BOs) and DMA_HEAP_IOCTL_ALLOC on /dev/dma_heap/<name>
 * (drivers/dma-buf/dma-heap.c: dma_heap_ioctl_allocate → dma_heap_buffer_alloc, fd installed).
 */
import { HeapPurpose, type DmaHeapAllocationDataInit, type PrimeFdToHandleInit, EBADF, EINVAL, ENOENT, EOPNOTSUPP } from '../../proto/index.js';
import { type DmaHeap, type HeapRegistry, checkAllocArgs } from '../dma-heap/index.js';
import type { FdTable, Proc } from './fd-table.js';
import { Bo, type PanthorFile } from './objects.js';
import * as U from './uapi.js';

export class Prime {
  constructor(private readonly heaps: HeapRegistry, private readonly fds: FdTable) {}

  fdToHandle(p: Proc, pf: PanthorFile, a: PrimeFdToHandleInit): number {
    const f = p.files.get(a.fd ?? -1);
    if (!f) return -EBADF;
    if (f.kind !== 'dmabuf') return -EINVAL;
    const buf = f.buf;
    const existing = pf.imports.get(buf.id);
    if (existing !== undefined && pf.bos.has(existing)) { a.handle = existing; return 0; }
    this.heaps.importBuf(buf, p.pid, buf.purpose);
    const bo = new Bo(pf.nextBo++, buf.size, buf.isProtected ? U.DRM_PANTHOR_BO_NO_MMAP : 0, null, buf, true);
    pf.bos.set(bo.handle, bo);
    pf.imports.set(buf.id, bo.handle);
    a.handle = bo.handle;
    return 0;
  }

  handleToFd(p: Proc, pf: PanthorFile, a: { handle?: number | undefined; fd?: number | undefined }): number {
    const bo = pf.bos.get(a.handle ?? 0);
    if (!bo) return -ENOENT;
    // Exclusive-VM and protected BOs cannot be exported (invariant 10).
    if (bo.exclusiveVm || bo.isProtected) return -EINVAL;
    if (!bo.dmabuf) return -EOPNOTSUPP;   // model: only re-export of imported dma-bufs
    this.heaps.get(bo.dmabuf, p.pid);
    const fd = this.fds.installFd(p, { kind: 'dmabuf', buf: bo.dmabuf });
    this.heaps.exportFd(bo.dmabuf, p.pid, fd);
    a.fd = fd;
    return 0;
  }

  /** DMA_HEAP_IOCTL_ALLOC on /dev/dma_heap/<name>. */
  dmaHeapAlloc(p: Proc, heap: DmaHeap, a: DmaHeapAllocationDataInit): number {
    a.heap = heap.name;
    const chk = checkAllocArgs(a.fd ?? 0, a.fdFlags ?? 0, a.heapFlags ?? 0);
    if (chk) return chk;
    const b = this.heaps.bufferAlloc(heap, a.len ?? 0, a.fdFlags ?? 0, a.heapFlags ?? 0, p.pid, HeapPurpose.PURPOSE_USER_BUFFER);
    if (typeof b === 'number') return b;
    const fd = this.fds.installFd(p, { kind: 'dmabuf', buf: b });
    this.heaps.exportFd(b, p.pid, fd);
    a.fd = fd;
    a.bufferId = b.id;
    return 0;
  }
}
