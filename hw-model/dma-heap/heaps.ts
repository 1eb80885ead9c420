/**
 * dma-buf heaps (drivers/dma-buf/heaps/*): the memory behind `/dev/dma_heap/<name>`.
 *
 *   system              unbounded, always succeeds (pages from the buddy allocator)
 *   cma                 a fixed carve-out, first-fit, fragments; -ENOMEM when no hole fits
 *   protected-carveout  a CMA-like carve-out reserved for the secure world (RFC's modified CMA heap)
 *   restricted-tee      MediaTek-style restricted heap: carve-out + a TEE round trip per alloc/free
 *
 * A heap only owns its address space here; references, dma-bufs and tracing live in registry.ts.
 */
import { HeapKind } from '../../proto/index.js';
import type { HeapConfig, HeapKindName } from '../contract.js';
import type { Ns } from '../sim/index.js';

export const HEAP_KIND_OF: Readonly<Record<HeapKindName, HeapKind>> = {
  'system': HeapKind.HEAP_SYSTEM,
  'cma': HeapKind.HEAP_CMA,
  'protected-carveout': HeapKind.HEAP_PROTECTED_CARVEOUT,
  'restricted-tee': HeapKind.HEAP_RESTRICTED_TEE,
};

/**
 * First-fit allocator over a fixed range. Free extents are kept sorted by offset in two parallel
 * arrays and coalesced on free, so fragmentation is real: a request fails when no single hole is
 * large enough even if the total free space is.
 */
export class FirstFit {
  private offs: number[];
  private lens: number[];
  used = 0;

  constructor(readonly capacity: number) {
    this.offs = capacity > 0 ? [0] : [];
    this.lens = capacity > 0 ? [capacity] : [];
  }

  /** Offset of a new extent of `len` bytes, or -1. */
  alloc(len: number): number {
    const offs = this.offs, lens = this.lens;
    for (let i = 0; i < offs.length; i++) {
      // offs and lens are parallel: lens[i] is there while offs[i] is
      const off = offs[i]!, hole = lens[i]!;
      if (hole < len) continue;
      if (hole === len) { offs.splice(i, 1); lens.splice(i, 1); } else { offs[i] = off + len; lens[i] = hole - len; }
      this.used += len;
      return off;
    }
    return -1;
  }

  free(off: number, len: number): void {
    const offs = this.offs, lens = this.lens;
    let i = 0;
    while (i < offs.length && offs[i]! < off) i++;
    offs.splice(i, 0, off); lens.splice(i, 0, len);
    // coalesce with the next, then the previous extent
    if (i + 1 < offs.length && offs[i]! + lens[i]! === offs[i + 1]) {
      lens[i]! += lens[i + 1]!; offs.splice(i + 1, 1); lens.splice(i + 1, 1);
    }
    if (i > 0 && offs[i - 1]! + lens[i - 1]! === offs[i]) {
      lens[i - 1]! += lens[i]!; offs.splice(i, 1); lens.splice(i, 1);
    }
    this.used -= len;
  }

  /** Largest hole (for fragmentation diagnostics). */
  largestHole(): number {
    let m = 0;
    for (const l of this.lens) if (l > m) m = l;
    return m;
  }

  holes(): number { return this.offs.length; }
}

/** One registered heap (struct dma_heap + its private data). */
export class DmaHeap {
  readonly kind: HeapKind;
  /** kref: 1 for the registration itself, +1 per dma_heap_find (2026 series 1/8). */
  refcount = 1;
  removed = false;
  /** DMA_HEAP_RELEASE emitted: struct dma_heap is gone (any later call on it is a use after free). */
  freed = false;
  /** Buffers allocated from the heap and not yet released. */
  liveBuffers = 0;
  allocCount = 0;
  /** Remaining injected allocation failures (fault `heap-alloc-fail`). */
  failNext = 0;
  private readonly space: FirstFit | undefined;
  private bump = 0;
  private sysUsed = 0;

  constructor(readonly id: number, readonly cfg: HeapConfig) {
    this.kind = HEAP_KIND_OF[cfg.kind];
    this.space = cfg.kind === 'system' || cfg.size <= 0 ? undefined : new FirstFit(cfg.size);
  }

  get name(): string { return this.cfg.name; }
  get capacity(): number { return this.space ? this.space.capacity : 0; }
  get used(): number { return this.space ? this.space.used : this.sysUsed; }
  /** Buffers of this heap are unmappable by kernel and user space (restricted/protected memory). */
  get isProtected(): boolean {
    return this.kind === HeapKind.HEAP_PROTECTED_CARVEOUT || this.kind === HeapKind.HEAP_RESTRICTED_TEE;
  }
  /** TEE round trip of the restricted heap's memory_alloc/memory_restrict (0 for other kinds). */
  get teeLatency(): Ns { return this.kind === HeapKind.HEAP_RESTRICTED_TEE ? this.cfg.allocLatency : 0; }

  /**
   * ops->allocate: reserves `len` (page-aligned) bytes. Returns the physical offset in the heap,
   * or -1 when the heap cannot satisfy it (→ -ENOMEM).
   */
  allocate(len: number): number {
    this.allocCount++;
    if (this.failNext > 0) { this.failNext--; return -1; }
    if (this.cfg.failAllocsAfter >= 0 && this.allocCount > this.cfg.failAllocsAfter) return -1;
    if (!this.space) { const off = this.bump; this.bump += len; this.sysUsed += len; return off; }
    return this.space.alloc(len);
  }

  release(off: number, len: number): void {
    if (this.space) this.space.free(off, len); else this.sysUsed -= len; // system pages go back to the buddy allocator
  }

  largestHole(): number { return this.space ? this.space.largestHole() : Infinity; }
}
