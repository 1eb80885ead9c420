/**
 * panthor_sched.c, the tiler OOM path: cs_slot_process_tiler_oom_event_locked (the queue's bit in
 * group->tiler_oom, the group's OOM work queued on sched->heap_alloc_wq, a thread of its own here),
 * group_tiler_oom_work and group_process_tiler_oom: the CS output's heap_address and render pass
 * counters, panthor_heap_grow (heap.ts), the chunk's mapping (a VM operation: mmu.ts vmOp, which
 * under the 2026 series forces a protected exit first), then, under the scheduler lock, heap_start /
 * heap_end written, TILER_OOM acknowledged and the CSG doorbell rung; a chunk allocated for a group
 * that left its slot meanwhile goes back (panthor_heap_return_chunk). -ENOMEM still acknowledges,
 * with a NULL chunk (the FW then finds memory another way, firmware assumption
 * tiler_oom_null_chunk); any other error makes the queue fatal and ticks.
 *
 *   CS_TILER_OOM ──► HEAP_OOM ──(heap_alloc_wq)──► panthor_heap_grow ──► chunk alloc (50 µs)
 *        ──► vmOp: [protm.lock] [exit_sync] LOCK, FLUSH_PT, UNLOCK ──► HEAP_OOM_ACK + doorbell
 */
import { FwIface, FwReqKind, LogLevel, ModeSwitchCause, TilerHeapOp, TickTrigger, EINVAL, ENOMEM } from '../../proto/index.js';
import * as R from '../../proto/index.js';
import type { Sim } from '../sim/index.js';
import type { PanthorFw } from './fw.js';
import { heapGrow, heapOfCtx, heapReturnChunk } from './heap.js';
import type { PanthorMmu } from './mmu.js';
import type { Group, TilerHeap } from './objects.js';
import type { Scheduler } from './sched.js';
import type { PanthorTrace } from './trace.js';
import { sleep, type Work, Worker } from './work.js';

/** panthor_alloc_heap_chunk: the kernel BO's pages and its vmap (the model's cost, before the map). */
export const HEAP_CHUNK_ALLOC_NS = 50_000;

export class TilerOom {
  /** sched->heap_alloc_wq. */
  readonly wq: Worker;

  constructor(sim: Sim, private readonly sched: Scheduler, private readonly pfw: PanthorFw,
              private readonly trace: PanthorTrace, private readonly mmu: PanthorMmu, schedWorker: Worker) {
    this.wq = new Worker(sim, 'heap_alloc_wq');
    schedWorker.peers.push(this.wq);
  }

  /** cs_slot_process_tiler_oom_event_locked: mark the queue, queue the group's OOM work. */
  tilerOomEvent(g: Group, csg: number, cs: number, ev: number): void {
    const c = this.pfw.fw.csgs[csg]!.cs[cs]!;
    const h = heapOfCtx(g.vm, c.heapAddress);
    this.emit(TilerHeapOp.HEAP_OOM, g, cs, h, c.heapAddress, c.heapVtStart - c.heapFragEnd, c.heapVtEnd - c.heapFragEnd, 0, 0, ev);
    const queued = g.tilerOom !== 0;
    g.tilerOom |= 1 << cs;
    if (!queued) this.wq.queue(this.work(g, ev));
  }

  /** group_tiler_oom_work: every queue marked so far, lowest first. */
  private *work(g: Group, ev: number): Work {
    let mask = g.tilerOom;
    g.tilerOom = 0;
    g.tilerOomBusy |= mask;
    while (mask) {
      const cs = 31 - Math.clz32(mask & -mask);
      mask &= ~(1 << cs);
      try { yield* this.process(g, cs, ev); } finally { g.tilerOomBusy &= ~(1 << cs); }
    }
  }

  /** group_process_tiler_oom. */
  private *process(g: Group, cs: number, ev: number): Work {
    if (g.csgId < 0 || g.destroyed) {
      this.emit(TilerHeapOp.HEAP_OOM_SKIPPED, g, cs, undefined, 0, 0, 0, 0, 0, ev);
      return;
    }
    const c = this.pfw.fw.csgs[g.csgId]!.cs[cs]!;
    const heapVa = c.heapAddress, vtStart = c.heapVtStart, vtEnd = c.heapVtEnd, fragEnd = c.heapFragEnd;
    const inFlight = vtStart - fragEnd, pendingFrag = vtEnd - fragEnd;
    const heap = g.vm.heapPool ? heapOfCtx(g.vm, heapVa) : undefined;
    let ret: number, chunkVa = 0;
    if (!g.vm.heapPool || fragEnd > vtEnd || vtEnd >= vtStart) ret = -EINVAL;
    else ({ ret, chunkVa } = heapGrow(heap, inFlight));
    if (ret && ret !== -ENOMEM) {
      const e = this.emit(TilerHeapOp.HEAP_GROW_FAILED, g, cs, heap, heapVa, inFlight, pendingFrag, 0, ret, ev);
      this.trace.log(LogLevel.LOG_WARN, 'Failed to extend the tiler heap', e);
      g.fatalQueues |= 1 << cs;
      this.trace.emitQueueState(g.queues[cs]!, e);
      this.sched.requestTick(TickTrigger.TRIGGER_PERIODIC, e);
      return;
    }
    let e: number;
    if (ret === 0) {
      // panthor_alloc_heap_chunk: a kernel BO (its pages), then its mapping, a VM operation.
      yield sleep(HEAP_CHUNK_ALLOC_NS);
      e = this.emit(TilerHeapOp.HEAP_GROW, g, cs, heap, heapVa, inFlight, pendingFrag, chunkVa, 0, ev);
      yield* this.mmu.vmOp(g.vm, chunkVa - (chunkVa & 0xfff), 0, ModeSwitchCause.CAUSE_HEAP_GROW, e);
    } else {
      e = this.emit(TilerHeapOp.HEAP_GROW_DENIED, g, cs, heap, heapVa, inFlight, pendingFrag, 0, ret, ev);
    }
    // Under the scheduler lock: the group may have left its slot while the chunk was allocated.
    if (g.csgId < 0 || g.destroyed) {
      if (chunkVa && heap) {
        heapReturnChunk(heap);
        this.emit(TilerHeapOp.HEAP_CHUNK_RETURNED, g, cs, heap, heapVa, inFlight, pendingFrag, chunkVa, 0, e);
      }
      return;
    }
    const slot = this.pfw.fw.csgs[g.csgId]!.cs[cs]!;
    slot.heapStart = chunkVa; slot.heapEnd = chunkVa;
    slot.req = ((slot.req & ~R.CS_TILER_OOM) | (slot.ack & R.CS_TILER_OOM)) >>> 0;
    const a = this.trace.emitFwReq({ iface: FwIface.CS, csg: g.csgId, cs, kind: FwReqKind.REQ_EVENT_ACK,
      bits: R.CS_TILER_OOM, req: slot.req, group: g.id }, e);
    slot.lastReqEv = a;
    const k = this.emit(TilerHeapOp.HEAP_OOM_ACK, g, cs, heap, heapVa, inFlight, pendingFrag, chunkVa, ret, a);
    this.pfw.ringDoorbell(g.csgId + 1, 0, 1 << cs, k);
  }

  private emit(op: TilerHeapOp, g: Group, cs: number, h: TilerHeap | undefined, heapVa: number, inFlight: number,
               pendingFrag: number, chunkVa: number, result: number, cause: number): number {
    return this.trace.emitTilerHeap({
      op, handle: h ? h.handle : 0, vmId: g.vm.id, group: g.id, queue: cs, chunkCount: h ? h.chunkCount : 0,
      maxChunks: h ? h.maxChunks : 0, targetInFlight: h ? h.targetInFlight : 0, renderpassesInFlight: inFlight,
      pendingFragCount: pendingFrag, chunkSize: h ? h.chunkSize : 0, chunkVa, result, heapCtxVa: heapVa,
    }, cause);
  }
}
