/**
 * The central user-space allocator of a buffer-sharing pipeline (the direction of the 2026
 * review: "devices listing the heaps they are able to import buffers from (with the list being
 * different based on the buffer properties) ... the central allocator ... can intersect the
 * devices lists and decide which heap to allocate from"). For one pool of buffers and the devices
 * that share it, it intersects their import lists for the buffer's property and picks the first
 * heap of the intersection (in the first device's order of preference) that is registered, i.e.
 * whose /dev/dma_heap/<name> opens. It fails with -ENODEV when the intersection is empty and with
 * -ENOENT when no heap of it is registered. The alternative it is compared with, `gpu-heap`, takes
 * the GPU driver's own protected heap for every buffer whatever the other devices list.
 *
 * The choice is traced as a HeapChoice event, with every list, the intersection and the reason.
 */
import { ENODEV, ENOENT, PipelineAllocator } from '../../proto/index.js';
import type { DeviceConfig, PipelineAllocatorName } from '../contract.js';
import type { Sim } from '../sim/index.js';
import { DEVICE_KIND_OF, importList } from './importer.js';

export interface HeapChoiceResult {
  heap: string;          // '' = none
  ret: number;           // 0, -ENODEV, -ENOENT
  reason: string;
  ev: number;
}

/** The heaps every device lists for that property, in the first device's order. */
export function intersectLists(devices: readonly DeviceConfig[], prot: boolean): string[] {
  const first = devices[0];
  if (!first) return [];
  return importList(first, prot).filter((h) => devices.every((d) => importList(d, prot).includes(h)));
}

/**
 * Picks the heap of `pool` shared by `devices`. `registered(name)` says whether the heap's node
 * exists (the allocator tries to open it).
 */
export function chooseHeap(sim: Sim, o: {
  pid: number; pool: string; prot: boolean; devices: readonly DeviceConfig[]; allocator: PipelineAllocatorName;
  gpuHeap: string; registered: (name: string) => boolean;
}): HeapChoiceResult {
  const inter = intersectLists(o.devices, o.prot);
  let heap = '';
  let ret = 0;
  let reason: string;
  const lists = o.devices.map((d) => `${d.name} [${importList(d, o.prot).join(', ')}]`).join(', ');
  if (o.allocator === 'gpu-heap') {
    heap = o.prot ? o.gpuHeap : 'system';
    if (!heap) { ret = -ENODEV; reason = 'the GPU driver names no protected heap'; }
    else if (!o.registered(heap)) { ret = -ENOENT; reason = `the GPU's heap ${heap} is not registered`; heap = ''; }
    else {
      const refuse = o.devices.filter((d) => !importList(d, o.prot).includes(heap)).map((d) => d.name);
      reason = refuse.length ? `the GPU driver's heap, which ${refuse.join(', ')} do${refuse.length === 1 ? 'es' : ''} not list` : "the GPU driver's heap";
    }
  } else if (inter.length === 0) {
    ret = -ENODEV;
    reason = `no heap that ${o.devices.map((d) => d.name).join(', ')} can all import ${o.prot ? 'protected' : 'ordinary'} buffers from: ${lists}`;
  } else {
    heap = inter.find((h) => o.registered(h)) ?? '';
    if (!heap) { ret = -ENOENT; reason = `no heap of the intersection [${inter.join(', ')}] is registered`; }
    else reason = heap === inter[0] ? `first of the intersection` : `first registered heap of the intersection (${inter.slice(0, inter.indexOf(heap)).join(', ')} not registered)`;
    if (heap && o.prot && o.gpuHeap && heap !== o.gpuHeap) reason += `; the GPU driver's own protected heap is ${o.gpuHeap}`;
  }
  const ev = sim.bus.emitBody({ case: 'heapChoice', value: {
    pid: o.pid, pool: o.pool, protected: o.prot,
    devices: o.devices.map((d) => ({ device: d.name, kind: DEVICE_KIND_OF[d.kind], heaps: [...importList(d, o.prot)] })),
    intersection: inter, chosen: heap, result: ret, reason, gpuHeap: o.gpuHeap,
    allocator: o.allocator === 'gpu-heap' ? PipelineAllocator.ALLOC_GPU_HEAP : PipelineAllocator.ALLOC_INTERSECT,
  } });
  return { heap, ret, reason, ev };
}
