/**
 * The replayed state of tiler heaps and address spaces at the end of the built-in scenarios that
 * exercise them, and the `events` lines of the new families.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyOverrides, loadBuiltin, simulate, type TraceSink } from '../hw-model/index.js';
import { TilerHeapOp, VmOp, type EventInit } from '../proto/index.js';
import { formatEvent } from './format.js';
import { Replayer } from './replayer.js';
import { memoryTrace } from './trace-file.js';

function record(name: string): { r: Replayer; events: EventInit[] } {
  const events: EventInit[] = [];
  const sink: TraceSink = { onEvent(ev) { events.push(ev); } };
  const cfg = applyOverrides(loadBuiltin(name), {});
  simulate(cfg, { sinks: [sink] });
  return { r: Replayer.open(memoryTrace({ policy: cfg.driver.protmPolicy }, events)), events };
}

/** The last event before the end-of-run teardown (the first process close at the run's end). */
function beforeTeardown(events: EventInit[]): number {
  const end = events[events.length - 1]?.t ?? 0;
  const k = events.findIndex((e) => e.t === end && e.body?.case === 'process');
  return k - 1;
}

test('tiler-oom end state: the game\'s heap grew to max_chunks one chunk per OOM, then was denied; the capped heap stays at 3/3 with every OOM denied', () => {
  const { r, events } = record('tiler-oom');
  const s = r.stateAt(beforeTeardown(events));
  const heaps = Object.values(s.gpuMem.tilerHeaps).sort((a, b) => a.pid - b.pid);
  const game = heaps.find((h) => h.maxChunks === 64), capped = heaps.find((h) => h.maxChunks === 3);
  assert.ok(game && capped, JSON.stringify(heaps));
  assert.equal(game.chunks, 64);
  assert.equal(game.grows, 63);
  // Its scene keeps growing past max_chunks: from then on every OOM is denied (a NULL chunk).
  assert.ok(game.denied > 0);
  assert.equal(game.ooms, game.grows + game.denied);
  assert.equal(capped.chunks, 3);
  assert.equal(capped.grows, 1);
  assert.ok(capped.denied >= 3, `denied ${capped.denied}`);
  assert.equal(s.gpuMem.vmOpsInFlight, 0);
});

test('mmu-fault state: the faulty AS right after the fault, active again once the VM is reused; events lines name the new families', () => {
  const { r, events } = record('mmu-fault');
  const f = events.findIndex((e) => e.body?.case === 'vm' && e.body.value.op === VmOp.AS_FAULT);
  const as = String((events[f]!.body as { value: { asNr: number } }).value.asNr);
  const at = r.stateAt(f);
  assert.equal(at.gpuMem.as[as]?.state, 'faulty');
  assert.equal(at.gpuMem.as[as]?.faults, 1);
  const end = r.stateAt(beforeTeardown(events));
  assert.ok(Object.keys(end.gpuMem.as).length === 3, 'three user address spaces');
  assert.notEqual(end.gpuMem.as[as]?.state, 'faulty');
  assert.match(formatEvent(r.trace.event(f), f), /vm AS_FAULT as=\d vm=\d+ addr=0x0*dead0000 status=0x2c0/);
  const g = events.findIndex((e) => e.body?.case === 'tilerHeap');
  assert.equal(g, -1, 'no tiler heap use in mmu-fault');
  const oom = record('tiler-oom');
  const k = oom.events.findIndex((e) => e.body?.case === 'tilerHeap' && e.body.value.op === TilerHeapOp.HEAP_GROW_DENIED);
  assert.match(formatEvent(oom.r.trace.event(k), k), /tiler_heap HEAP_GROW_DENIED group=\d+ queue=0 heap=0x30000 vm=3 chunks=3\/3 in_flight=1\/4 pending_frag=0 ret=-ENOMEM/);
});
