/**
 * panthor_heap.c: tiler heaps (panthor_heap_create, panthor_heap_destroy) behind
 * TILER_HEAP_CREATE / TILER_HEAP_DESTROY (panthor_ioctl_tiler_heap_create / _destroy): the
 * argument checks, the per-file pool limit, the heap context and first chunk GPU VAs; and the
 * growth on TILER_OOM: panthor_heap_grow (the limits: more render passes in flight than
 * target_in_flight, or max_chunks reached → -ENOMEM; an unknown heap context → -EINVAL) and
 * panthor_heap_return_chunk. The chunk's mapping (panthor_alloc_heap_chunk → a kernel BO mapped
 * into the VM) is a VM operation, done by the caller (sched-oom.ts through mmu.ts).
 */
import { EBUSY, EINVAL, ENOENT, ENOMEM } from '../../proto/index.js';
import type { TilerHeapCreateInit } from '../../proto/index.js';
import { PAGE_SIZE } from '../dma-heap/index.js';
import { type PanthorFile, TilerHeap, type Vm } from './objects.js';
import * as U from './uapi.js';

/**
 * panthor_ioctl_tiler_heap_create → panthor_heap_create: the VM, the chunk checks, a heap id from
 * the VM's pool (0 .. MAX_HEAPS_PER_POOL - 1, -EBUSY when full); the handle is (vm_id << 16) | id.
 */
export function tilerHeapCreate(pf: PanthorFile, a: TilerHeapCreateInit): number {
  const vmId = a.vmId ?? 0;
  const vm = pf.vms.get(vmId);
  if (!vm) return -EINVAL;
  vm.heapPool = true;       // panthor_vm_get_heap_pool(vm, true) creates it before the checks
  const init = a.initialChunkCount ?? 0, cs = a.chunkSize ?? 0, max = a.maxChunks ?? 0;
  if (init === 0 || init > max) return -EINVAL;
  if (cs % PAGE_SIZE !== 0 || cs < U.MIN_CHUNK_SIZE || cs > U.MAX_CHUNK_SIZE) return -EINVAL;
  let id = 0;
  while (id < U.MAX_HEAPS_PER_POOL && pf.tilerHeaps.has(((vmId << 16) | id) >>> 0)) id++;
  if (id >= U.MAX_HEAPS_PER_POOL) return -EBUSY;
  const h = ((vmId << 16) | id) >>> 0;
  a.handle = h;
  a.tilerHeapCtxGpuVa = 0xfffe_0000_0000 + vmId * 0x100_0000 + id * 0x1000;
  a.firstHeapChunkGpuVa = 0xfffd_0000_0000 + (vmId * U.MAX_HEAPS_PER_POOL + id) * U.MAX_CHUNK_SIZE;
  const heap = new TilerHeap(vm, id, h, cs, init, max, a.targetInFlight ?? 0, a.tilerHeapCtxGpuVa, a.firstHeapChunkGpuVa);
  pf.tilerHeaps.set(h, heap);
  vm.heaps.push(heap);
  return 0;
}

/** The VM's heap whose context is at `ctxVa` (the CS output heap_address), or undefined. */
export function heapOfCtx(vm: Vm, ctxVa: number): TilerHeap | undefined {
  for (const h of vm.heaps) if (h.ctx.va === ctxVa) return h;
  return undefined;
}

/**
 * panthor_heap_grow: -EINVAL for an unknown heap; -ENOMEM when more render passes are in flight
 * than target_in_flight or chunk_count has reached max_chunks (the FW then has to find memory
 * another way); else a chunk is added (chunk_count + 1) and its VA returned with chunk_size >> 12
 * in the low bits, as heap_start wants it.
 */
export function heapGrow(heap: TilerHeap | undefined, renderpassesInFlight: number): { ret: number; chunkVa: number } {
  if (!heap || heap.vm.destroyed) return { ret: -EINVAL, chunkVa: 0 };
  if (renderpassesInFlight > heap.targetInFlight || heap.chunkCount >= heap.maxChunks) return { ret: -ENOMEM, chunkVa: 0 };
  const va = heap.nextChunkVa;
  heap.nextChunkVa += heap.chunkSize;
  heap.chunkCount++;
  return { ret: 0, chunkVa: va + heap.chunkSize / 4096 };
}

/** panthor_heap_return_chunk: a chunk that could not be linked (its group left the slot) is freed. */
export function heapReturnChunk(heap: TilerHeap): void {
  heap.chunkCount--;
  heap.nextChunkVa -= heap.chunkSize;
}

/**
 * panthor_ioctl_tiler_heap_destroy: the VM from handle >> 16 (-EINVAL), its heap pool (-ENOENT if
 * it never had one, panthor_vm_get_heap_pool), then the heap id (-EINVAL).
 */
export function tilerHeapDestroy(pf: PanthorFile, handle: number): number {
  const vm = pf.vms.get(handle >>> 16);
  if (!vm) return -EINVAL;
  if (!vm.heapPool) return -ENOENT;
  const heap = pf.tilerHeaps.get(handle);
  if (!heap) return -EINVAL;
  pf.tilerHeaps.delete(handle);
  const i = vm.heaps.indexOf(heap);
  if (i >= 0) vm.heaps.splice(i, 1);
  return 0;
}
