/**
 * GPU memory handler: tiler heaps (TILER_HEAP_CREATE / DESTROY, then every step of the tiler OOM
 * path: chunks against max_chunks, OOMs, grows, denials) and address spaces (the AS slots, which VM
 * holds each, whether it is on the LRU list or faulty: AS_ASSIGN / AS_EVICT / AS_IDLE / AS_FAULT /
 * AS_REENABLE / AS_RELEASE, and the VM operations in flight with their threads).
 */
import { TilerHeapOp, TilerHeapOpNames, VmOp, VmOpNames } from '../../proto/index.js';
import { enumName, type Handler } from './handler.js';
import type { GpuMemSlices, GpuMemState } from './slices.js';

/** The state's gpuMem part before any event (also what a snapshot of an older build lacks). */
export function emptyGpuMem(): GpuMemState {
  return { tilerHeaps: {}, as: {}, vmOpsInFlight: 0, lastVmOp: null };
}

export const gpuMemHandler: Handler<GpuMemSlices> = {
  name: 'gpu-mem',
  families: ['ioctl', 'tilerHeap', 'vm', 'process'],
  owns: ['gpuMem'],
  reads: [],
  init: () => ({ gpuMem: emptyGpuMem() }),
  handleEvent(s, ev, i) {
    const g = s.gpuMem;
    const b = ev.body;
    switch (b.case) {
      case 'ioctl': {
        const io = b.value;
        if (io.ret !== 0) break;
        const a = io.args;
        if (a.case === 'tilerHeapCreate') {
          const v = a.value;
          g.tilerHeaps[`${io.pid}:${v.handle}`] = {
            handle: v.handle, pid: io.pid, vmId: v.vmId, chunks: v.initialChunkCount, maxChunks: v.maxChunks,
            targetInFlight: v.targetInFlight, chunkSize: v.chunkSize, ooms: 0, grows: 0, denied: 0, failed: 0,
            inFlight: 0, lastOp: '', createdIdx: i, idx: i,
          };
        } else if (a.case === 'tilerHeapDestroy') {
          delete g.tilerHeaps[`${io.pid}:${a.value.handle}`];
        }
        break;
      }
      case 'tilerHeap': {
        const v = b.value;
        let h;
        for (const k in g.tilerHeaps) {
          const c = g.tilerHeaps[k]!;
          if (c.handle === v.handle && c.vmId === v.vmId) { h = c; break; }
        }
        if (!h) break;
        if (v.maxChunks) h.chunks = v.chunkCount;
        h.inFlight = v.renderpassesInFlight;
        h.lastOp = enumName(TilerHeapOpNames, v.op);
        h.idx = i;
        if (v.op === TilerHeapOp.HEAP_OOM) h.ooms++;
        else if (v.op === TilerHeapOp.HEAP_GROW) h.grows++;
        else if (v.op === TilerHeapOp.HEAP_GROW_DENIED) h.denied++;
        else if (v.op === TilerHeapOp.HEAP_GROW_FAILED) h.failed++;
        break;
      }
      case 'vm': {
        const v = b.value;
        const op = v.op;
        if (op === VmOp.VM_OP_BEGIN || op === VmOp.VM_OP_END) {
          g.vmOpsInFlight = Math.max(0, g.vmOpsInFlight + (op === VmOp.VM_OP_BEGIN ? 1 : -1));
          g.lastVmOp = { vmId: v.vmId, pid: v.pid, op: enumName(VmOpNames, op), gpuProtected: v.gpuProtected, idx: i };
          break;
        }
        if (v.asNr < 0) break;
        const key = String(v.asNr);
        const slot = g.as[key] ?? { as: v.asNr, vmId: 0, state: 'free', faults: 0, lastOp: '', idx: i };
        slot.lastOp = enumName(VmOpNames, op);
        slot.idx = i;
        switch (op) {
          case VmOp.AS_ASSIGN: case VmOp.AS_REENABLE: slot.vmId = v.vmId; slot.state = 'active'; break;
          case VmOp.AS_IDLE: slot.state = 'lru'; break;
          case VmOp.AS_EVICT: case VmOp.AS_RELEASE: slot.vmId = 0; slot.state = 'free'; break;
          case VmOp.AS_FAULT: slot.state = 'faulty'; slot.faults++; break;
          default: break;
        }
        g.as[key] = slot;
        break;
      }
      case 'process': {
        if (b.value.op !== 1) break;
        const pid = b.value.pid;
        for (const k in g.tilerHeaps) if (g.tilerHeaps[k]!.pid === pid) delete g.tilerHeaps[k];
        break;
      }
      default: break;
    }
  },
};
