/**
 * The dma-heap core (drivers/dma-buf/dma-heap.c plus the 2026 series' in-kernel accessors) and the
 * dma-buf objects it hands out.
 *
 *   dma_heap_add ──► registry ──► dma_heap_find / dma_heap_put (kref)     (kernel users: panthor)
 *                        │
 *                        └──► dma_heap_buffer_alloc ──► DmaBuf (refcount) ──► export (fd) / import
 *                                                                         └─► last put: release
 *
 * Every operation emits one HeapCall tracepoint; the index of the last one is kept in `lastEvent`
 * so callers can chain causes.
 *
 * Removal (a heap module unloaded) follows the lifetime policy (contract.ts HEAP_LIFETIMES): the
 * series' kref (1/8: dma_heap_find takes a kref, dma_heap_put drops it, the last one frees the
 * struct) under `kref`; `revoke` adds the review's robustness (allocations on a removed heap
 * fail with -ENODEV, the heap's data outlives its last buffer); `pinned` refuses the removal with
 * -EBUSY while the heap is used. Mainline 6.18 has neither kref nor removal (dma-heap.c).
 */
import { HeapOp, HeapPurpose, type HeapCallInit, EINVAL, EEXIST, ENOMEM, ENODEV, EBUSY } from '../../proto/index.js';
import type { HeapConfig, HeapLifetime } from '../contract.js';
import type { Sim } from '../sim/index.js';
import { DmaHeap } from './heaps.js';
import { pageAlign } from './page.js';

/** O_CLOEXEC | O_ACCMODE: the only fd_flags DMA_HEAP_IOCTL_ALLOC accepts (DMA_HEAP_VALID_FD_FLAGS). */
export const O_ACCMODE = 0o3;
export const O_RDWR = 0o2;
export const O_CLOEXEC = 0o2000000;
export const DMA_HEAP_VALID_FD_FLAGS = O_CLOEXEC | O_ACCMODE;
/** No heap flags are defined: DMA_HEAP_VALID_HEAP_FLAGS = 0. */
export const DMA_HEAP_VALID_HEAP_FLAGS = 0;
/** /dev/dma_heap has 128 minors (NUM_HEAP_MINORS). */
export const NUM_HEAP_MINORS = 128;

/** A dma-buf: memory from a heap, shared by fds and importers through a reference count. */
export class DmaBuf {
  refcount = 1;
  released = false;
  constructor(
    readonly id: number,
    readonly heap: DmaHeap,
    readonly size: number,
    readonly physOffset: number,
    readonly purpose: HeapPurpose,
    readonly ownerPid: number,
  ) {}
  /** Restricted/protected memory: never mappable by the CPU. */
  get isProtected(): boolean { return this.heap.isProtected; }
}

export class HeapRegistry {
  private readonly heaps: DmaHeap[] = [];
  private readonly byName = new Map<string, DmaHeap>();
  private nextBufId = 1;
  /** Index of the last HeapCall event emitted (for cause links). */
  lastEvent = -1;
  /** Called after every successful dma_heap_add (deferred probes retry from here). */
  private addListeners: ((heap: DmaHeap, ev: number) => void)[] = [];
  /** Live buffers by id (released ones are dropped). */
  readonly buffers = new Map<number, DmaBuf>();

  constructor(private readonly sim: Sim, readonly lifetime: HeapLifetime = 'kref') {}

  onAdd(fn: (heap: DmaHeap, ev: number) => void): void { this.addListeners.push(fn); }

  private emit(v: HeapCallInit, cause: number): number {
    this.lastEvent = this.sim.bus.emitBody({ case: 'heap', value: v }, cause);
    return this.lastEvent;
  }

  /** Heaps currently registered, in registration order. */
  list(): readonly DmaHeap[] { return this.heaps.filter((h) => !h.removed); }

  /** The registered heap of that name, without taking a reference (device node lookup). */
  lookup(name: string): DmaHeap | undefined {
    const h = this.byName.get(name);
    return h && !h.removed ? h : undefined;
  }

  /** dma_heap_add: rejects empty and duplicate names (-EINVAL / -EEXIST), at most 128 heaps. */
  add(cfg: HeapConfig, cause = -1): number {
    let ret = 0;
    if (!cfg.name) ret = -EINVAL;
    else if (this.lookup(cfg.name)) ret = -EEXIST;
    else if (this.list().length >= NUM_HEAP_MINORS) ret = -EINVAL;
    const id = ret === 0 ? this.heaps.length + 1 : 0;
    const heap = ret === 0 ? new DmaHeap(id, cfg) : undefined;
    if (heap) { this.heaps.push(heap); this.byName.set(cfg.name, heap); }
    const ev = this.emit({
      op: HeapOp.DMA_HEAP_ADD, heapId: id, heapName: cfg.name, kind: heap?.kind ?? 0,
      result: ret, refcount: heap ? heap.refcount : 0, heapCapacity: heap ? heap.capacity : 0,
      latencyNs: cfg.allocLatency,
    }, cause);
    if (heap) for (const fn of this.addListeners) fn(heap, ev);
    return ret;
  }

  /**
   * Heap goes away (module unload): its node leaves /dev/dma_heap (cdev_del: open fds stay) and
   * the registration's reference is dropped; references others hold keep struct dma_heap alive.
   * Under `pinned` a heap with references or buffers is not removed (-EBUSY).
   */
  remove(name: string, cause = -1): DmaHeap | undefined {
    const heap = this.lookup(name);
    if (!heap) return undefined;
    if (this.lifetime === 'pinned' && (heap.refcount > 1 || heap.liveBuffers > 0)) {
      this.emit({ op: HeapOp.DMA_HEAP_REMOVE, heapId: heap.id, heapName: name, kind: heap.kind,
        refcount: heap.refcount, result: -EBUSY }, cause);
      return undefined;
    }
    heap.removed = true;
    heap.refcount--;
    const ev = this.emit({ op: HeapOp.DMA_HEAP_REMOVE, heapId: heap.id, heapName: name, kind: heap.kind,
      refcount: heap.refcount, result: 0 }, cause);
    this.maybeRelease(heap, ev);
    return heap;
  }

  /** dma_heap_find: takes a reference, or returns null (the caller defers its probe). */
  find(name: string, purpose: HeapPurpose, pid = 0, cause = -1, device = 0): DmaHeap | null {
    const heap = this.lookup(name) ?? null;
    if (heap) heap.refcount++;
    this.emit({ op: HeapOp.DMA_HEAP_FIND, heapId: heap?.id ?? 0, heapName: name, kind: heap?.kind ?? 0,
      callerPid: pid, purpose, result: heap ? 0 : -ENODEV, refcount: heap?.refcount ?? 0, device }, cause);
    return heap;
  }

  /** dma_heap_put: drops a reference taken by find (the last one frees the heap: kref_put). */
  put(heap: DmaHeap, purpose: HeapPurpose, pid = 0, cause = -1, device = 0): void {
    heap.refcount--;
    const ev = this.emit({ op: HeapOp.DMA_HEAP_PUT, heapId: heap.id, heapName: heap.name, kind: heap.kind,
      callerPid: pid, purpose, result: 0, refcount: heap.refcount, device }, cause);
    this.maybeRelease(heap, ev);
  }

  /**
   * kref release: with no reference left the struct is freed. Under `kref` (as posted) that
   * happens whatever buffers of the heap are still alive; `revoke` and `pinned` keep the heap's
   * data until its last buffer is released.
   */
  private maybeRelease(heap: DmaHeap, cause: number): void {
    if (heap.freed || heap.refcount > 0) return;
    if (this.lifetime !== 'kref' && heap.liveBuffers > 0) return;
    heap.freed = true;
    this.emit({ op: HeapOp.DMA_HEAP_RELEASE, heapId: heap.id, heapName: heap.name, kind: heap.kind,
      refcount: 0, result: 0 }, cause);
  }

  /**
   * dma_heap_buffer_alloc(heap, len, fd_flags, heap_flags): the checks of the 2026 series 2/8
   * (-EINVAL for bad flags or len 0), then ops->allocate (-ENOMEM when the heap is full). A
   * restricted heap makes a TEE call first (its latency is recorded on the events).
   */
  bufferAlloc(heap: DmaHeap, len: number, fdFlags: number, heapFlags: number, pid: number,
              purpose: HeapPurpose, group = 0, cause = -1): DmaBuf | number {
    const size = pageAlign(len);
    let ret = 0;
    if (fdFlags & ~DMA_HEAP_VALID_FD_FLAGS) ret = -EINVAL;
    else if (heapFlags & ~DMA_HEAP_VALID_HEAP_FLAGS) ret = -EINVAL;
    else if (size === 0) ret = -EINVAL;
    // The posted dma_heap_buffer_alloc has no such check: under `kref` the call reaches the
    // removed heap's allocate op (R33 reports it).
    else if (heap.removed && this.lifetime !== 'kref') ret = -ENODEV;
    let off = -1;
    if (ret === 0) {
      if (heap.teeLatency > 0) {
        cause = this.emit({ op: HeapOp.TEE_CALL, heapId: heap.id, heapName: heap.name, kind: heap.kind,
          size, callerPid: pid, purpose, latencyNs: heap.teeLatency, groupHandle: group, result: 0 }, cause);
      }
      off = heap.allocate(size);
      if (off < 0) ret = -ENOMEM;
    }
    const buf = ret === 0 ? new DmaBuf(this.nextBufId++, heap, size, off, purpose, pid) : undefined;
    if (buf) { this.buffers.set(buf.id, buf); heap.liveBuffers++; }
    this.emit({
      op: HeapOp.DMA_HEAP_BUFFER_ALLOC, heapId: heap.id, heapName: heap.name, kind: heap.kind, size,
      fdFlags, heapFlags, bufferId: buf?.id ?? 0, callerPid: pid, purpose, result: ret,
      refcount: buf ? 1 : 0, physOffset: off >= 0 ? off : 0, latencyNs: heap.teeLatency, groupHandle: group,
      heapCapacity: heap.capacity,
    }, cause);
    return buf ?? ret;
  }

  /** dma_buf_fd: an fd now holds the buffer's initial reference. */
  exportFd(buf: DmaBuf, pid: number, fd: number, cause = -1): number {
    return this.emit({ op: HeapOp.DMA_BUF_EXPORT, heapId: buf.heap.id, heapName: buf.heap.name, kind: buf.heap.kind,
      size: buf.size, bufferId: buf.id, callerPid: pid, purpose: buf.purpose, result: fd, refcount: buf.refcount }, cause);
  }

  /** drm_gem_prime_import: the importer takes a reference (get_dma_buf). */
  importBuf(buf: DmaBuf, pid: number, purpose: HeapPurpose, cause = -1): number {
    buf.refcount++;
    return this.emit({ op: HeapOp.DMA_BUF_IMPORT, heapId: buf.heap.id, heapName: buf.heap.name, kind: buf.heap.kind,
      size: buf.size, bufferId: buf.id, callerPid: pid, purpose, result: 0, refcount: buf.refcount }, cause);
  }

  /** get_dma_buf (e.g. dup of an fd). */
  get(buf: DmaBuf, pid: number, cause = -1): void {
    buf.refcount++;
    this.emit({ op: HeapOp.DMA_BUF_GET, heapId: buf.heap.id, heapName: buf.heap.name, kind: buf.heap.kind,
      size: buf.size, bufferId: buf.id, callerPid: pid, purpose: buf.purpose, result: 0, refcount: buf.refcount }, cause);
  }

  /** dma_buf_put: the last reference releases the memory back to the heap. */
  bufPut(buf: DmaBuf, pid: number, cause = -1): void {
    if (buf.released) return;
    buf.refcount--;
    const ev = this.emit({ op: HeapOp.DMA_BUF_PUT, heapId: buf.heap.id, heapName: buf.heap.name, kind: buf.heap.kind,
      size: buf.size, bufferId: buf.id, callerPid: pid, purpose: buf.purpose, result: 0, refcount: buf.refcount }, cause);
    if (buf.refcount > 0) return;
    buf.released = true;
    this.buffers.delete(buf.id);
    const heap = buf.heap;
    let c = ev;
    if (heap.teeLatency > 0) {
      c = this.emit({ op: HeapOp.TEE_CALL, heapId: heap.id, heapName: heap.name, kind: heap.kind, size: buf.size,
        bufferId: buf.id, callerPid: pid, purpose: buf.purpose, latencyNs: heap.teeLatency, result: 0 }, c);
    }
    heap.release(buf.physOffset, buf.size);
    heap.liveBuffers--;
    const rel = this.emit({ op: HeapOp.DMA_BUF_RELEASE, heapId: heap.id, heapName: heap.name, kind: heap.kind, size: buf.size,
      bufferId: buf.id, callerPid: pid, purpose: buf.purpose, result: 0, refcount: 0, physOffset: buf.physOffset }, c);
    if (heap.removed) this.maybeRelease(heap, rel);
  }
}

/**
 * DMA_HEAP_IOCTL_ALLOC's own checks (dma_heap_ioctl_allocate) before dma_heap_buffer_alloc: the
 * input fd must be 0, fd_flags ⊆ O_CLOEXEC|O_ACCMODE, heap_flags ⊆ 0. Returns 0 or -EINVAL.
 */
export function checkAllocArgs(fd: number, fdFlags: number, heapFlags: number): number {
  if (fd !== 0) return -EINVAL;
  if (fdFlags & ~DMA_HEAP_VALID_FD_FLAGS) return -EINVAL;
  if (heapFlags & ~DMA_HEAP_VALID_HEAP_FLAGS) return -EINVAL;
  return 0;
}
