/**
 * panthor_heap.c: tiler heaps (panthor_heap_create, panthor_heap_destroy) behind
 * TILER_HEAP_CREATE / TILER_HEAP_DESTROY (panthor_ioctl_tiler_heap_create / _destroy): the
 * argument checks, the per-file pool limit, the heap context and first chunk GPU VAs. Chunk growth
 * on TILER_OOM (panthor_heap_grow) is not modelled: the model's FW never runs out of heap.
 */
import type { TilerHeapCreateInit } from '../../proto/index.js';
import { EBUSY, EINVAL, PAGE_SIZE } from '../dma-heap/index.js';
import type { PanthorFile } from './objects.js';
import * as U from './uapi.js';

export function tilerHeapCreate(pf: PanthorFile, a: TilerHeapCreateInit): number {
  const vm = pf.vms.get(a.vmId ?? 0);
  if (!vm) return -EINVAL;
  const init = a.initialChunkCount ?? 0, cs = a.chunkSize ?? 0, max = a.maxChunks ?? 0;
  if (init < 1 || cs < U.MIN_CHUNK_SIZE || cs > U.MAX_CHUNK_SIZE || cs % PAGE_SIZE !== 0 || max < init) return -EINVAL;
  if (pf.tilerHeaps.size >= U.MAX_GROUPS_PER_POOL) return -EBUSY;
  const h = pf.nextTilerHeap++;
  pf.tilerHeaps.set(h, { vm, chunks: init });
  a.handle = h;
  a.tilerHeapCtxGpuVa = 0xfffe_0000_0000 + h * 0x1000;
  a.firstHeapChunkGpuVa = 0xfffd_0000_0000 + h * U.MAX_CHUNK_SIZE;
  return 0;
}

export function tilerHeapDestroy(pf: PanthorFile, handle: number): number {
  return pf.tilerHeaps.delete(handle) ? 0 : -EINVAL;
}
