/**
 * Invariants of the tiler OOM path and of the address spaces (panthor_heap.c, panthor_mmu.c,
 * panthor_sched.c's tiler OOM and MMU fault handling):
 *
 *   R23 as-command-sequence   mmu_hw_do_operation_locked: LOCK, the flush, UNLOCK on an AS; UPDATE
 *                             (panthor_mmu_as_enable / _disable) only on an unlocked AS
 *   R24 tiler-heap-limits     panthor_heap_grow: chunk_count ≤ max_chunks; -ENOMEM only at max_chunks
 *                             or past target_in_flight; a chunk acked only after it was grown; every
 *                             TILER_OOM answered (within the trace, unless raised in its last 100 ms)
 *   R25 mmu-fault-kills-groups panthor_sched_report_mmu_fault + tick_ctx_init: the first tick after an
 *                             AS fault keeps no resident group of the faulty VM
 */
import {
  AsCommand, AsCommandNames, SlotAction, TilerHeapOp, VmOp,
} from '../../proto/index.js';
import type { CheckRule } from './engine.js';
import { checkRuleWords } from '../rule-text.js';

const R23: CheckRule = {
  ...checkRuleWords('R23'),
  families: ['mmu'],
  create(ctx) {
    const locked = new Map<number, number>();   // AS → index of its LOCK
    // Models before 0.4.0 traced a VM_BIND as LOCK, UPDATE, UNLOCK and an AS enable as a lone
    // UPDATE: a sequence of the model, not of a driver, so their traces are not held to this rule.
    const old = /^0\.[0-3]\./.test(ctx.modelVersion);
    return {
      before(ev, i) {
        const b = ev.body;
        if (old || b.case !== 'mmu') return;
        const m = b.value, as = m.asNr, lk = locked.get(as);
        const cmd = AsCommandNames[m.cmd] ?? String(m.cmd);
        switch (m.cmd) {
          case AsCommand.AS_COMMAND_LOCK:
            if (lk !== undefined) ctx.report(i, ev.t, `AS${as} LOCK while the LOCK at #${lk} was not unlocked`, 'violation', [lk]);
            locked.set(as, i);
            break;
          case AsCommand.AS_COMMAND_FLUSH_PT: case AsCommand.AS_COMMAND_FLUSH_MEM:
            if (lk === undefined) ctx.report(i, ev.t, `AS${as} ${cmd} outside a LOCK/UNLOCK pair`);
            break;
          case AsCommand.AS_COMMAND_UNLOCK:
            if (lk === undefined) ctx.report(i, ev.t, `AS${as} UNLOCK without a LOCK`);
            locked.delete(as);
            break;
          case AsCommand.AS_COMMAND_UPDATE:
            if (lk !== undefined) ctx.report(i, ev.t, `AS${as} UPDATE while the region locked at #${lk} is not unlocked`, 'violation', [lk]);
            break;
          default: break;
        }
      },
      finish() {
        for (const [as, lk] of locked) ctx.report(lk, 0, `AS${as} LOCK at #${lk} never unlocked`, 'anomaly');
      },
    };
  },
};

const R24: CheckRule = {
  ...checkRuleWords('R24'),
  families: ['reset', 'tilerHeap'],
  create(ctx) {
    const open = new Map<string, { i: number; t: number; grown: boolean }>();   // "group.queue" → its HEAP_OOM
    return {
      before(ev, i) {
        const b = ev.body;
        if (b.case === 'reset') { open.clear(); return; }
        if (b.case !== 'tilerHeap') return;
        const h = b.value, key = `${h.group}.${h.queue}`, o = open.get(key);
        if (h.maxChunks && h.chunkCount > h.maxChunks) {
          ctx.report(i, ev.t, `tiler heap 0x${h.handle.toString(16)} has ${h.chunkCount} chunks, more than max_chunks ${h.maxChunks}`);
        }
        switch (h.op) {
          case TilerHeapOp.HEAP_OOM:
            if (!o) open.set(key, { i, t: ev.t, grown: false });
            break;
          case TilerHeapOp.HEAP_GROW:
            if (o) o.grown = true;
            break;
          case TilerHeapOp.HEAP_GROW_DENIED:
            if (h.chunkCount < h.maxChunks && h.renderpassesInFlight <= h.targetInFlight) {
              ctx.report(i, ev.t, `tiler heap 0x${h.handle.toString(16)}: grow denied with ${h.chunkCount}/${h.maxChunks} chunks and ${h.renderpassesInFlight}/${h.targetInFlight} render passes in flight`);
            }
            break;
          case TilerHeapOp.HEAP_OOM_ACK:
            if (h.chunkVa && !(o && o.grown)) ctx.report(i, ev.t, `TILER_OOM of group ${h.group} queue ${h.queue} acked with chunk 0x${h.chunkVa.toString(16)} that was never grown`);
            open.delete(key);
            break;
          case TilerHeapOp.HEAP_GROW_FAILED: case TilerHeapOp.HEAP_OOM_SKIPPED: case TilerHeapOp.HEAP_CHUNK_RETURNED:
            open.delete(key);
            break;
          default: break;
        }
      },
      finish() {
        // An OOM raised in the last 100 ms may still be in the works when the trace ends.
        for (const [key, o] of open) {
          if (ctx.now - o.t < 100_000_000) continue;
          ctx.report(o.i, o.t, `TILER_OOM of group ${key.replace('.', ' queue ')} at #${o.i} never answered (no ack, failure or skip)`, 'anomaly');
        }
      },
    };
  },
};

const R25: CheckRule = {
  ...checkRuleWords('R25'),
  families: ['vm', 'decision'],
  create(ctx) {
    const faulty = new Map<number, number>();    // VM id → index of its AS_FAULT
    return {
      before(ev, i) {
        const b = ev.body;
        if (b.case === 'vm' && b.value.op === VmOp.AS_FAULT) { faulty.set(b.value.vmId, i); return; }
        if (b.case !== 'decision' || !faulty.size) return;
        const d = b.value;
        const vmOf = new Map<number, number>();
        for (const e of d.inputs) vmOf.set(e.group, e.vmId);
        for (const a of d.slots) {
          const vm = vmOf.get(a.group);
          if (vm === undefined || !faulty.has(vm)) continue;
          if (a.action === SlotAction.SLOT_KEEP || a.action === SlotAction.SLOT_START || a.action === SlotAction.SLOT_RESUME) {
            const f = faulty.get(vm) as number;
            ctx.report(i, ev.t, `tick ${d.tick} keeps group ${a.group} of VM ${vm} on CSG ${a.slot} after the AS fault at #${f}`, 'violation', [f], f);
          }
        }
        faulty.clear();
      },
    };
  },
};

export const OOM_RULES: readonly CheckRule[] = [R23, R24, R25];
