/**
 * Heap lifetime rules (reference §4.4, the lifetime debate; review of the 2026 series 1/8: "actual
 * robustness to make this safe is not added"): what may be done with a dma-heap once its module
 * is gone (DMA_HEAP_REMOVE) and once its struct is freed (DMA_HEAP_RELEASE, the last kref).
 *
 *   R33  no allocation succeeds on a removed heap: its allocate op belongs to a module that is gone
 *   R34  no heap call on a heap after its release, and no release while buffers of it are alive
 */
import { HeapOp, HeapPurposeNames } from '../../proto/index.js';
import type { CheckRule } from './engine.js';
import { checkRuleWords } from '../rule-text.js';

const R33: CheckRule = {
  ...checkRuleWords('R33'),
  families: ['heap'],
  create(ctx) {
    const removedAt = new Map<number, number>(); // heap id → DMA_HEAP_REMOVE index
    return {
      after(ev, i) {
        const b = ev.body;
        if (b.case !== 'heap') return;
        const h = b.value;
        if (h.op === HeapOp.DMA_HEAP_REMOVE && h.result === 0) { removedAt.set(h.heapId, i); return; }
        if (h.op === HeapOp.DMA_HEAP_ADD && h.result === 0) { removedAt.delete(h.heapId); return; }
        if (h.op !== HeapOp.DMA_HEAP_BUFFER_ALLOC || h.result !== 0) return;
        const r = removedAt.get(h.heapId);
        if (r === undefined) return;
        const who = h.callerPid ? `pid ${h.callerPid}` : h.groupHandle ? `the kernel for group ${h.groupHandle}` : 'the kernel';
        ctx.report(i, ev.t, `buffer ${h.bufferId} (${HeapPurposeNames[h.purpose] ?? h.purpose}) allocated by ${who} from heap "${h.heapName}" after its removal at #${r}: the call reaches the allocate op of a module that is gone (a kref on struct dma_heap does not keep the module)`, 'violation', [r]);
      },
    };
  },
};

const R34: CheckRule = {
  ...checkRuleWords('R34'),
  families: ['heap'],
  create(ctx) {
    const releasedAt = new Map<number, number>(); // heap id → DMA_HEAP_RELEASE index
    return {
      before(ev, i, s) {
        const b = ev.body;
        if (b.case !== 'heap') return;
        const h = b.value;
        if (h.op === HeapOp.DMA_HEAP_ADD) return;
        const r = releasedAt.get(h.heapId);
        if (r !== undefined) {
          ctx.report(i, ev.t, `${opName(h.op)} on heap "${h.heapName}"${h.bufferId ? ` (buffer ${h.bufferId})` : ''} after the heap was freed at #${r}: a use after free`, 'violation', [r]);
          return;
        }
        if (h.op !== HeapOp.DMA_HEAP_RELEASE) return;
        releasedAt.set(h.heapId, i);
        const alive: number[] = [];
        const created: number[] = [];
        for (const k in s.dmabufs) {
          const d = s.dmabufs[k]!;
          if (d.heap === h.heapName) { alive.push(d.id); created.push(d.createdIdx); }
        }
        if (alive.length) {
          ctx.report(i, ev.t, `heap "${h.heapName}" freed (last reference dropped) while ${alive.length} of its buffers are alive (${alive.join(', ')}): their release will call into freed memory`, 'violation', created.slice(0, 8));
        }
      },
    };
  },
};

function opName(op: number): string {
  switch (op) {
    case HeapOp.DMA_HEAP_FIND: return 'dma_heap_find';
    case HeapOp.DMA_HEAP_PUT: return 'dma_heap_put';
    case HeapOp.DMA_HEAP_BUFFER_ALLOC: return 'dma_heap_buffer_alloc';
    case HeapOp.DMA_BUF_RELEASE: return 'dma-buf release';
    case HeapOp.TEE_CALL: return 'TEE call';
    case HeapOp.DMA_HEAP_RELEASE: return 'a second release';
    default: return 'a call';
  }
}

export const HEAP_LIFETIME_RULES: readonly CheckRule[] = [R33, R34];
