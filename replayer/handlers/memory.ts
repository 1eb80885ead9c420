/**
 * Memory handler: VMs (VM_CREATE/DESTROY/BIND/GET_STATE, AS binding from MMU commands), BOs
 * (BO_CREATE, mmap offsets, labels, PRIME imports), dma-buf heaps (references, live bytes, TEE
 * calls, removal, fragmentation of carve-outs) and dma-bufs (reference counts, importers, fds).
 */
import {
  AsCommand, HeapKind, HeapKindNames, HeapOp, HeapPurpose, HeapPurposeNames, IoctlCmd, type HeapCall, type Ioctl,
} from '../../proto/index.js';
import { enumName, type Handler, type View } from './handler.js';
import type { DmaBufRec, HeapRec, MemorySlices, ProcessSlices } from './slices.js';

/** A PRIME import finds its dma-buf through the importing process's fd. */
type Reads = Pick<ProcessSlices, 'processes'>;

/** VM_BIND op type (bits 31:28): MAP 0, UNMAP 1, SYNC_ONLY 2. */
const OP_TYPE_SHIFT = 28;

const PROTECTED_PURPOSES: readonly number[] = [
  HeapPurpose.PURPOSE_FW_PROT_SECTION, HeapPurpose.PURPOSE_PROTM_SUSPEND_BUF, HeapPurpose.PURPOSE_PROTECTED_BO,
];

function isProtectedHeapKind(kind: string): boolean {
  return kind === HeapKindNames[HeapKind.HEAP_PROTECTED_CARVEOUT] || kind === HeapKindNames[HeapKind.HEAP_RESTRICTED_TEE];
}

/** The heap record of that name (own keys only: a heap named "__proto__" is a heap like any other). */
function heapNamed(s: MemorySlices, name: string): HeapRec | undefined {
  return Object.prototype.hasOwnProperty.call(s.heaps, name) ? s.heaps[name] : undefined;
}

function ensureHeap(s: MemorySlices, name: string, id: number, i: number): HeapRec {
  let h = heapNamed(s, name);
  if (!h) {
    h = {
      id, name, kind: enumName(HeapKindNames, HeapKind.HEAP_SYSTEM), capacity: 0, refcount: 0, allocated: 0, allocations: 0,
      failedAllocs: 0, teeCalls: 0, teeNs: 0, removed: false, fragmentation: 0, largestFree: 0, createdIdx: i, idx: i,
    };
    Object.defineProperty(s.heaps, name, { value: h, enumerable: true, writable: true, configurable: true });
  }
  return h;
}

/** A successful ioctl's effect on VMs, BOs and dma-bufs. */
function onIoctl(s: View<MemorySlices, Reads>, io: Ioctl, i: number): void {
  if (io.ret !== 0) return;
  const a = io.args;
  const pid = io.pid;
  switch (a.case) {
    case 'vmCreate':
      s.vms[`${pid}:${a.value.id}`] = { id: a.value.id, pid, state: 'USABLE', asNr: -1, mappings: 0, createdIdx: i, idx: i };
      break;
    case 'vmDestroy': delete s.vms[`${pid}:${a.value.id}`]; break;
    case 'vmGetState': {
      const vm = s.vms[`${pid}:${a.value.vmId}`];
      if (vm) { vm.state = a.value.state === 1 ? 'UNUSABLE' : 'USABLE'; vm.idx = i; }
      break;
    }
    case 'vmBind': {
      const vm = s.vms[`${pid}:${a.value.vmId}`];
      for (const op of a.value.ops) {
        const type = op.flags >>> OP_TYPE_SHIFT;
        const delta = type === 0 ? 1 : type === 1 ? -1 : 0;
        if (vm) { vm.mappings += delta; vm.idx = i; }
        const bo = op.boHandle ? s.bos[`${pid}:${op.boHandle}`] : undefined;
        if (bo) { bo.vaMapped += delta; bo.idx = i; }
      }
      break;
    }
    case 'boCreate':
      s.bos[`${pid}:${a.value.handle}`] = {
        handle: a.value.handle, pid, size: a.value.size, flags: a.value.flags, exclusiveVm: a.value.exclusiveVmId,
        mmapped: false, vaMapped: 0, imported: 0, protected: false, label: '', createdIdx: i, idx: i,
      };
      break;
    case 'boMmapOffset': {
      const bo = s.bos[`${pid}:${a.value.handle}`];
      if (bo) { bo.mmapped = true; bo.idx = i; }
      break;
    }
    case 'boSetLabel': {
      const bo = s.bos[`${pid}:${a.value.handle}`];
      if (bo) { bo.label = a.value.label; bo.idx = i; }
      break;
    }
    case 'primeFdToHandle': {
      const buffer = s.processes[pid]?.fds[a.value.fd]?.buffer ?? 0;
      const db = buffer ? s.dmabufs[buffer] : undefined;
      const key = `${pid}:${a.value.handle}`;
      const bo = s.bos[key];
      if (bo) { bo.imported = buffer || bo.imported; bo.idx = i; }
      else {
        s.bos[key] = {
          handle: a.value.handle, pid, size: db?.size ?? 0, flags: 0, exclusiveVm: 0, mmapped: false, vaMapped: 0,
          imported: buffer, protected: db?.protected ?? false, label: '', createdIdx: i, idx: i,
        };
      }
      if (db) {
        const who = `pid ${pid}`;
        if (!db.importers.includes(who)) db.importers.push(who);
        db.idx = i;
      }
      break;
    }
    case 'dmaHeapAlloc': {
      if (io.cmd !== IoctlCmd.DMA_HEAP_IOCTL_ALLOC) break;
      const db = s.dmabufs[a.value.bufferId];
      if (db && db.ownerPid === 0) { db.ownerPid = pid; db.idx = i; }
      break;
    }
    default: break;
  }
}

/** A dma-heap or dma-buf call's effect on the heaps and buffers. */
function onHeapCall(s: MemorySlices, h: HeapCall, i: number): void {
  const heap = h.heapName ? ensureHeap(s, h.heapName, h.heapId, i) : undefined;
  if (heap) heap.idx = i;
  switch (h.op) {
    case HeapOp.DMA_HEAP_ADD:
      if (heap && h.result === 0) {
        heap.id = h.heapId; heap.kind = enumName(HeapKindNames, h.kind); heap.capacity = h.heapCapacity;
        heap.removed = false; heap.createdIdx = i;
      }
      break;
    case HeapOp.DMA_HEAP_FIND: case HeapOp.DMA_HEAP_PUT:
      if (heap && h.result === 0) heap.refcount = h.refcount;
      break;
    case HeapOp.DMA_HEAP_REMOVE:
      if (heap) heap.removed = true;
      break;
    case HeapOp.TEE_CALL:
      if (heap) { heap.teeCalls++; heap.teeNs += h.latencyNs; }
      break;
    case HeapOp.DMA_HEAP_BUFFER_ALLOC: {
      if (h.result !== 0) { if (heap) heap.failedAllocs++; break; }
      const prot = (heap !== undefined && isProtectedHeapKind(heap.kind)) || PROTECTED_PURPOSES.includes(h.purpose);
      const rec: DmaBufRec = {
        id: h.bufferId, heap: h.heapName, size: h.size, purpose: enumName(HeapPurposeNames, h.purpose),
        ownerPid: h.callerPid, group: h.groupHandle, refcount: h.refcount || 1, importers: [], fds: 0,
        physOffset: h.physOffset, protected: prot, createdIdx: i, idx: i,
      };
      s.dmabufs[h.bufferId] = rec;
      if (heap) { heap.allocated += h.size; heap.allocations++; }
      break;
    }
    case HeapOp.DMA_BUF_RELEASE: {
      const db = s.dmabufs[h.bufferId];
      if (db) {
        const hp = heapNamed(s, db.heap);
        if (hp) { hp.allocated -= db.size; hp.allocations--; }
        delete s.dmabufs[h.bufferId];
      }
      break;
    }
    case HeapOp.DMA_BUF_EXPORT: {
      const db = s.dmabufs[h.bufferId];
      if (db) { db.fds++; if (h.refcount) db.refcount = h.refcount; db.idx = i; }
      break;
    }
    case HeapOp.DMA_BUF_IMPORT: {
      const db = s.dmabufs[h.bufferId];
      if (db) {
        const who = h.callerPid ? `pid ${h.callerPid}` : 'panthor';
        if (!db.importers.includes(who)) db.importers.push(who);
        if (h.refcount) db.refcount = h.refcount;
        db.idx = i;
      }
      break;
    }
    case HeapOp.DMA_BUF_GET: case HeapOp.DMA_BUF_PUT: {
      const db = s.dmabufs[h.bufferId];
      if (db) { db.refcount = h.refcount; db.idx = i; }
      break;
    }
    default: break;
  }
}

export const memoryHandler: Handler<MemorySlices, Reads> = {
  name: 'memory',
  families: ['ioctl', 'heap', 'mmu', 'process'],
  owns: ['vms', 'bos', 'heaps', 'dmabufs'],
  reads: ['processes'],
  init: () => ({ vms: {}, bos: {}, heaps: {}, dmabufs: {} }),
  handleEvent(s, ev, i) {
    const b = ev.body;
    switch (b.case) {
      case 'ioctl': onIoctl(s, b.value, i); break;
      case 'heap': onHeapCall(s, b.value, i); break;
      case 'mmu': {
        const m = b.value;
        if (m.cmd !== AsCommand.AS_COMMAND_UPDATE || !m.vmId) break;
        for (const k in s.vms) {
          const vm = s.vms[k]!;
          if (vm.id === m.vmId) { vm.asNr = m.asNr; vm.idx = i; }
        }
        break;
      }
      case 'process': {
        // A process exit closes its render-node file: its VMs and BOs go with it.
        if (b.value.op !== 1) break;
        const pid = b.value.pid;
        for (const k in s.vms) if (s.vms[k]!.pid === pid) delete s.vms[k];
        for (const k in s.bos) if (s.bos[k]!.pid === pid) delete s.bos[k];
        break;
      }
      default: break;
    }
  },
  finalize(s) {
    // Fragmentation of bounded heaps: free extents between live allocations (by phys offset).
    for (const name in s.heaps) {
      const h = s.heaps[name]!;
      if (!h.capacity) { h.fragmentation = 0; h.largestFree = 0; continue; }
      const ext: Array<[number, number]> = [];
      for (const k in s.dmabufs) {
        const d = s.dmabufs[k]!;
        if (d.heap === name) ext.push([d.physOffset, d.size]);
      }
      ext.sort((x, y) => x[0] - y[0]);
      let pos = 0; let largest = 0; let free = 0;
      for (const [off, size] of ext) {
        if (off > pos) { largest = Math.max(largest, off - pos); free += off - pos; }
        pos = Math.max(pos, off + size);
      }
      if (h.capacity > pos) { largest = Math.max(largest, h.capacity - pos); free += h.capacity - pos; }
      h.largestFree = largest;
      h.fragmentation = free > 0 ? Math.round((1 - largest / free) * 1000) / 1000 : 0;
    }
  },
};
