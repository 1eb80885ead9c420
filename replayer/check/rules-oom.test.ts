import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AsCommand, SlotAction, TilerHeapOp, VmOp, type EventInit, type TilerHeapEventInit } from '../../proto/index.js';
import { E, MS, storyEvents } from '../test-events.js';
import { memoryTrace } from '../trace-file.js';
import { checkTrace } from './check.js';
import type { CheckReport } from './engine.js';

function run(events: EventInit[]): CheckReport {
  return checkTrace(memoryTrace({ policy: 'panthor-2026', heapPolicy: 'probe-defer' }, events));
}
const of = (r: CheckReport, rule: string): Array<[string, number]> =>
  r.findings.filter((f) => f.rule === rule).map((f) => [f.severity, f.index]);
/** The story with `items` appended after its last event, 1 ms apart. */
function after(...items: EventInit[]): { ev: EventInit[]; first: number } {
  const ev = storyEvents();
  const first = ev.length;
  const t = ev[ev.length - 1]?.t ?? 0;
  items.forEach((x, k) => ev.push({ ...x, t: t + (k + 1) * MS }));
  return { ev, first };
}
const heap = (op: TilerHeapOp, v: Partial<TilerHeapEventInit> = {}): EventInit =>
  ({ t: 0, body: { case: 'tilerHeap', value: { op, handle: 0x10000, vmId: 1, group: 1, queue: 0, chunkCount: 2, maxChunks: 4, targetInFlight: 2, renderpassesInFlight: 1, ...v } } });

test('R23: LOCK, flush, UNLOCK then UPDATE is clean; UPDATE inside a locked region, a second LOCK and an unmatched UNLOCK are not', () => {
  const ok = after(E.mmu(0, AsCommand.AS_COMMAND_LOCK), E.mmu(0, AsCommand.AS_COMMAND_FLUSH_MEM), E.mmu(0, AsCommand.AS_COMMAND_UNLOCK), E.mmu(0, AsCommand.AS_COMMAND_UPDATE));
  assert.deepEqual(of(run(ok.ev), 'R23'), []);
  const bad = after(E.mmu(0, AsCommand.AS_COMMAND_LOCK), E.mmu(0, AsCommand.AS_COMMAND_UPDATE), E.mmu(0, AsCommand.AS_COMMAND_LOCK),
    E.mmu(0, AsCommand.AS_COMMAND_UNLOCK), E.mmu(0, AsCommand.AS_COMMAND_UNLOCK));
  const f = bad.first;
  assert.deepEqual(of(run(bad.ev), 'R23'), [['violation', f + 1], ['violation', f + 2], ['violation', f + 4]]);
});

test('R24: a grow denied below both limits, a chunk acked without a grow, more chunks than max_chunks and an unanswered OOM are findings', () => {
  const ok = after(heap(TilerHeapOp.HEAP_OOM), heap(TilerHeapOp.HEAP_GROW, { chunkCount: 3, chunkVa: 0x1000 }),
    heap(TilerHeapOp.HEAP_OOM_ACK, { chunkCount: 3, chunkVa: 0x1000 }),
    heap(TilerHeapOp.HEAP_OOM, { chunkCount: 4 }), heap(TilerHeapOp.HEAP_GROW_DENIED, { chunkCount: 4, result: -12 }),
    heap(TilerHeapOp.HEAP_OOM_ACK, { chunkCount: 4 }));
  assert.deepEqual(of(run(ok.ev), 'R24'), []);
  const bad = after(heap(TilerHeapOp.HEAP_OOM), heap(TilerHeapOp.HEAP_GROW_DENIED, { result: -12 }),
    heap(TilerHeapOp.HEAP_OOM_ACK, { chunkVa: 0x2000 }), heap(TilerHeapOp.HEAP_GROW, { chunkCount: 5 }),
    heap(TilerHeapOp.HEAP_OOM, { queue: 1 }));
  const f = bad.first;
  // The last OOM is never answered: reported once the trace runs on 200 ms past it.
  bad.ev.push(E.log((bad.ev[bad.ev.length - 1]?.t ?? 0) + 200 * MS, 'later'));
  assert.deepEqual(of(run(bad.ev), 'R24').sort((a, b) => a[1] - b[1]),
    [['violation', f + 1], ['violation', f + 2], ['violation', f + 3], ['anomaly', f + 4]]);
});

test('R25: the first decision after an AS fault must not keep a group of the faulty VM', () => {
  const fault: EventInit = { t: 0, body: { case: 'vm', value: { op: VmOp.AS_FAULT, asNr: 1, vmId: 7 } } };
  const dec = (action: SlotAction): EventInit => E.decision(0, {
    tick: 99, inputs: [{ group: 5, vmId: 7, csgSlot: 0 }], slots: [{ slot: 0, group: 5, action }],
  });
  assert.deepEqual(of(run(after(fault, dec(SlotAction.SLOT_TERMINATE)).ev), 'R25'), []);
  const bad = after(fault, dec(SlotAction.SLOT_KEEP), dec(SlotAction.SLOT_KEEP));
  assert.deepEqual(of(run(bad.ev), 'R25'), [['violation', bad.first + 1]]);
});
