/**
 * The driver's other paths into and out of protected time, on the built-in scenarios' traces:
 * tiler OOM and heap growth (group_process_tiler_oom, panthor_heap_grow), MMU faults with the AS
 * command sequence (panthor_mmu_irq_handler, panthor_mmu_as_disable, panthor_vm_active), and a
 * VM_BIND on its ioctl thread between a protected enter and the next exit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CS_TILER_OOM, ENOMEM, FaultKind, FwAckKind, FwIface, FwReqKind, GpuMode, IrqLine, ModeSwitchCause, TickTrigger,
  TilerHeapOp, TilerHeapOpNames, AsCommandNames, VmOp, type EventInit,
} from '../../proto/index.js';
import { applyOverrides, loadBuiltin, type ScenarioOverrides } from '../scenario/index.js';
import type { TraceSink } from '../sim/index.js';
import { simulate } from '../world.js';

class Collect implements TraceSink {
  readonly events: EventInit[] = [];
  onEvent(ev: EventInit): void { this.events.push(ev); }
}
function run(name: string, o: ScenarioOverrides = {}): EventInit[] {
  const c = new Collect();
  simulate(applyOverrides(loadBuiltin(name), o), { sinks: [c] });
  return c.events;
}
type Body = NonNullable<EventInit['body']>;
type Value<K> = Extract<Body, { case: K }> extends { value: infer X } ? X : never;
function is<K extends Body['case']>(e: EventInit, k: K): Value<K> | undefined {
  const b = e.body;
  if (!b || b.case !== k) return undefined;
  return (b as { value: unknown }).value as Value<K>;
}

test('tiler OOM: FW TILER_OOM event → OOM work → panthor_heap_grow (+1 chunk) → chunk mapped (LOCK, FLUSH_PT, UNLOCK) → TILER_OOM acked, doorbell', () => {
  const evs = run('tiler-oom');
  const i = evs.findIndex((e) => is(e, 'fwAck')?.bits === CS_TILER_OOM && is(e, 'fwAck')?.kind === FwAckKind.ACK_EVENT);
  assert.ok(i > 0, 'the FW raised TILER_OOM');
  const seq: string[] = [];
  let irq = -1; // the interrupt that reported the TILER_OOM: doorbells it caused, or rung after the ack, are this OOM's
  for (let k = i; k < evs.length && seq.length < 12; k++) {
    const e = evs[k]!;
    const f = is(e, 'fault'), h = is(e, 'tilerHeap'), m = is(e, 'mmu'), r = is(e, 'fwReq');
    const d = is(e, 'doorbell') && (k - (e.cause ?? 0) === irq || seq.includes('ack')) ? is(e, 'doorbell') : undefined;
    if (f?.kind === FaultKind.FAULT_TILER_OOM) { seq.push('fault'); irq = k - (e.cause ?? 0); }
    else if (h) seq.push(TilerHeapOpNames[h.op ?? 0]!);
    else if (m) seq.push(AsCommandNames[m.cmd ?? 0]!);
    else if (r && r.iface === FwIface.CS && r.kind === FwReqKind.REQ_EVENT_ACK && r.bits === CS_TILER_OOM) seq.push('ack');
    else if (d && d.csMask) { seq.push('doorbell'); if (seq.includes('HEAP_OOM_ACK')) break; }
  }
  // The IRQ path rings the CS doorbell for the TILER_OOM event (cs_slot_process_irq_locked's
  // ring_cs_db_mask) without acknowledging it; the OOM work acks it and rings again.
  assert.deepEqual(seq, ['fault', 'HEAP_OOM', 'doorbell', 'HEAP_GROW', 'AS_COMMAND_LOCK', 'AS_COMMAND_FLUSH_PT', 'AS_COMMAND_UNLOCK',
    'ack', 'HEAP_OOM_ACK', 'doorbell']);
  const grows = evs.flatMap((e) => { const h = is(e, 'tilerHeap'); return h && h.op === TilerHeapOp.HEAP_GROW ? [h] : []; });
  // The game's heap starts with 1 chunk and grows one chunk per OOM up to its max of 64.
  const game = grows.filter((h) => h.maxChunks === 64).map((h) => h.chunkCount ?? 0);
  assert.deepEqual(game.slice(0, 5), [2, 3, 4, 5, 6]);
  assert.equal(Math.max(...game), 64);
  // Under the 2026 series the chunk's mapping is a VM operation: once, it forced a protected exit mid-job.
  const exits = evs.filter((e) => is(e, 'modeSwitch')?.cause === ModeSwitchCause.CAUSE_HEAP_GROW);
  assert.ok(exits.length >= 1, 'a heap grow forced a protected exit');
  assert.equal(is(exits[0]!, 'modeSwitch')?.from, GpuMode.MODE_PROTECTED);
});

test('tiler OOM at max_chunks: panthor_heap_grow -ENOMEM, NULL chunk acked, the FW faults the CS (CS_FATAL OOM), the job fails', () => {
  const evs = run('tiler-oom');
  const k = evs.findIndex((e) => is(e, 'tilerHeap')?.op === TilerHeapOp.HEAP_GROW_DENIED);
  assert.ok(k > 0);
  const denied = is(evs[k]!, 'tilerHeap');
  assert.equal(denied?.result, -ENOMEM);
  assert.equal(denied?.chunkCount, 3);
  assert.equal(denied?.maxChunks, 3);
  const ack = evs.slice(k).find((e) => is(e, 'tilerHeap')?.op === TilerHeapOp.HEAP_OOM_ACK);
  assert.equal(is(ack as EventInit, 'tilerHeap')?.chunkVa, 0);
  const fatal = evs.slice(k).find((e) => is(e, 'fault')?.kind === FaultKind.FAULT_CS_FATAL);
  assert.equal(is(fatal as EventInit, 'fault')?.exceptionType, 0x60);
  const g = denied?.group;
  assert.ok(evs.slice(k).some((e) => is(e, 'job')?.group === g && (is(e, 'job')?.fenceError ?? 0) < 0), 'the job failed');
});

test('MMU fault: MMU IRQ, AS_FAULT, the AS disabled (LOCK, FLUSH_MEM, UNLOCK, UPDATE), tick now, the group made fatal and terminated', () => {
  const evs = run('mmu-fault');
  const i = evs.findIndex((e) => is(e, 'fwIrq')?.line === IrqLine.MMU_IRQ);
  assert.ok(i > 0);
  const f = is(evs[i + 1]!, 'vm');
  assert.equal(f?.op, VmOp.AS_FAULT);
  const as = f?.asNr ?? -1;
  assert.equal(is(evs[i]!, 'fwIrq')?.status, 1 << as);
  const cmds = evs.slice(i + 2, i + 7).flatMap((e) => { const m = is(e, 'mmu'); return m ? [AsCommandNames[m.cmd ?? 0]] : []; });
  assert.deepEqual(cmds, ['AS_COMMAND_LOCK', 'AS_COMMAND_FLUSH_MEM', 'AS_COMMAND_UNLOCK', 'AS_COMMAND_UPDATE']);
  const dec = evs.slice(i).find((e) => is(e, 'decision'));
  assert.equal(is(dec as EventInit, 'decision')?.trigger, TickTrigger.TRIGGER_MMU_FAULT);
  const vmId = f?.vmId;
  const term = evs.slice(i).find((e) => { const g = is(e, 'groupState'); return g?.vmId === vmId && g?.to === 3; });
  assert.ok(term, 'the faulty VM\'s group is terminated');
  assert.ok((is(term as EventInit, 'groupState')?.fatalQueues ?? 0) !== 0);
  // AS slots: three user ASes for four VMs, reused by LRU (each eviction names the VM that lost it).
  const evict = evs.filter((e) => is(e, 'vm')?.op === VmOp.AS_EVICT).length;
  const assign = evs.filter((e) => is(e, 'vm')?.op === VmOp.AS_ASSIGN && (is(e, 'vm')?.evictedVmId ?? 0) > 0).length;
  assert.ok(evict > 10);
  assert.equal(assign, evict);
});

test('VM_BIND between a protected enter and its exit: the ioctl thread forces the exit mid-job (2026 series), MMU commands only once normal; rfc-2025 issues them while protected', () => {
  const evs = run('vm-bind-race');
  const begins = evs.flatMap((e, i) => { const v = is(e, 'vm'); return v && v.op === VmOp.VM_OP_BEGIN && v.gpuProtected ? [i] : []; });
  assert.ok(begins.length >= 3, `binds while protected: ${begins.length}`);
  for (const b of begins) {
    const pid = is(evs[b]!, 'vm')?.pid;
    assert.ok(pid && pid > 1000, 'on the app\'s ioctl thread');
    const exit = evs.slice(b).findIndex((e) => is(e, 'modeSwitch')?.cause === ModeSwitchCause.CAUSE_VM_BIND);
    const cmd = evs.slice(b).findIndex((e) => is(e, 'mmu')?.pid === pid);
    assert.ok(exit > 0 && cmd > exit, 'the forced exit comes before the MMU commands');
    assert.equal(is(evs[b + cmd]!, 'mmu')?.gpuProtected, false);
  }
  // Deterministic per seed.
  assert.deepEqual(run('vm-bind-race').length, evs.length);
  const rfc = run('vm-bind-race', { protmPolicy: 'rfc-2025' });
  assert.ok(rfc.some((e) => is(e, 'mmu')?.gpuProtected), 'rfc-2025: an MMU command while PROTM_ACTIVE');
});
