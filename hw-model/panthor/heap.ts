/**
 * panthor_heap.c: tiler heaps (panthor_heap_create, panthor_heap_destroy) behind
 * TILER_HEAP_CREATE / TILER_HEAP_DESTROY (panthor_ioctl_tiler_heap_create / _destroy): the
 * argument checks, the per-file pool limit, the heap context and first chunk GPU VAs. Chunk growth
 * on TILER_OOM (panthor_heap_grow) is not modelled: the model's FW never runs out of heap.
 */
import { EBUSY, EINVAL, ENOENT } from '../../proto/index.js';
import type { TilerHeapCreateInit } from '../../proto/index.js';
import { PAGE_SIZE } from '../dma-heap/index.js';
import type { PanthorFile } from './objects.js';
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
  pf.tilerHeaps.set(h, { vm, id, chunks: init });
  a.handle = h;
  a.tilerHeapCtxGpuVa = 0xfffe_0000_0000 + vmId * 0x100_0000 + id * 0x1000;
  a.firstHeapChunkGpuVa = 0xfffd_0000_0000 + (vmId * U.MAX_HEAPS_PER_POOL + id) * U.MAX_CHUNK_SIZE;
  return 0;
}

/**
 * panthor_ioctl_tiler_heap_destroy: the VM from handle >> 16 (-EINVAL), its heap pool (-ENOENT if
 * it never had one, panthor_vm_get_heap_pool), then the heap id (-EINVAL).
 */
export function tilerHeapDestroy(pf: PanthorFile, handle: number): number {
  const vm = pf.vms.get(handle >>> 16);
  if (!vm) return -EINVAL;
  if (!vm.heapPool) return -ENOENT;
  return pf.tilerHeaps.delete(handle) ? 0 : -EINVAL;
}
