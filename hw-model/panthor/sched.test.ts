/**
 * The scheduler's tick against panthor_sched.c (6.18): mid-slice vs full ticks (resched_target),
 * the rotation order, when the tick keeps running, the idle pass, the per-tick CSG_STATUS_UPDATE,
 * ENDPOINT_CONFIG with START/RESUME. Each test fails on the model before it followed tick_work.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FwIface, FwReqKind, GpuMode, GroupStateKind, ModeSwitchCause, ProtmVerdict, SlotAction, TickTrigger, type EventInit } from '../../proto/index.js';
import type { ProtmPolicy } from '../contract.js';
import * as R from '../../proto/index.js';
import { applyOverrides, loadBuiltin } from '../scenario/index.js';
import { ms, sec } from '../sim/index.js';
import { simulate } from '../world.js';
import { Client, bodies, boot, computeStream, protectedStream, testConfig } from './testing.js';
import * as U from './uapi.js';

const csgReqs = (events: Parameters<typeof bodies>[0]) =>
  bodies(events, 'fwReq').filter((r) => r.iface === FwIface.CSG && r.kind === FwReqKind.REQ_TOGGLE);

test('an event tick while slots are free is mid-slice (resched_target = U64_MAX), not a full tick', () => {
  const b = boot(testConfig());
  const c = new Client(b.k, 100);
  const g = c.groupCreate().handle;
  c.submit(g, computeStream(ms(30)));
  b.sim.run(b.sim.now + ms(60));
  const ds = bodies(b.events, 'decision');
  const idleTicks = ds.filter((d) => d.trigger === TickTrigger.TRIGGER_CSG_IDLE);
  assert.ok(idleTicks.length >= 1, 'the CSG went idle and ticked');
  // 30 ms after the submit tick: the old model took every tick past last + 10 ms as full.
  for (const d of idleTicks) assert.equal(d.fullTick, false);
  assert.equal(ds.filter((d) => d.trigger === TickTrigger.TRIGGER_PERIODIC).length, 0, 'no timeslice tick with free slots');
});

test('two busy groups of one priority on free slots: no timeslicing (slots not full)', () => {
  const b = boot(testConfig());
  const a = new Client(b.k, 100), c = new Client(b.k, 101);
  const ga = a.groupCreate().handle, gc = c.groupCreate().handle;
  for (let i = 0; i < 3; i++) { a.submit(ga, computeStream(ms(20))); c.submit(gc, computeStream(ms(20))); }
  b.sim.run(b.sim.now + ms(50));
  const ds = bodies(b.events, 'decision');
  assert.ok(ds.length >= 1);
  for (const d of ds) { assert.equal(d.timeslice, false); assert.equal(d.nextTickNs ?? 0, 0); }
});

test('full tick: runnable groups first, then the resident ones by ascending CSG priority; two newcomers evict two', () => {
  // 3 CSG slots, five busy MEDIUM groups: A, B, C resident first, then D and E wait.
  const b = boot(testConfig({ gpu: { groupNum: 3 } }));
  const cl = [100, 101, 102, 103, 104].map((pid) => new Client(b.k, pid));
  const gs = cl.map((c) => c.groupCreate().handle);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) cl[i]!.submit(gs[i]!, computeStream(ms(100)));
  b.sim.run(b.sim.now + ms(2));
  for (let i = 3; i < 5; i++) for (let j = 0; j < 4; j++) cl[i]!.submit(gs[i]!, computeStream(ms(100)));
  b.sim.run(b.sim.now + ms(30));
  const ds = bodies(b.events, 'decision');
  const rot = ds.find((d) => d.fullTick && (d.evicted ?? []).length > 0);
  assert.ok(rot, 'a full tick evicted resident groups');
  const [A, B, C, D, E] = gs;
  assert.deepEqual([...(rot.evicted ?? [])].sort(), [A, B].sort(), 'the two highest CSG priorities rotate out');
  const kept = (rot.slots ?? []).filter((s) => s.action === SlotAction.SLOT_KEEP);
  assert.deepEqual(kept.map((s) => [s.group, s.csgPriority]), [[C, 13]]);
  const started = (rot.slots ?? []).filter((s) => s.action === SlotAction.SLOT_START).map((s) => [s.group, s.csgPriority]);
  assert.deepEqual(started, [[D, 15], [E, 14]]);
  // All slots busy, no idle group, MEDIUM groups still waiting: the tick keeps running.
  assert.equal(rot.timeslice, true);
  assert.ok((rot.nextTickNs ?? 0) > 0);
});

test('the idle pass starts off-slot idle groups on free slots (a new group with no job yet)', () => {
  const b = boot(testConfig());
  const c = new Client(b.k, 100);
  const idle = c.groupCreate({ priority: U.PANTHOR_GROUP_PRIORITY_LOW }).handle;
  const busy = c.groupCreate().handle;
  c.submit(busy, computeStream(ms(5)));
  b.sim.run(b.sim.now + ms(3));
  const starts = csgReqs(b.events).filter((r) => ((r.bits ?? 0) & R.CSG_STATE_MASK) !== 0 && r.state === R.CSG_STATE_START);
  assert.deepEqual(starts.map((r) => r.group).sort(), [busy, idle].sort());
});

test('every tick with resident groups asks for CSG_STATUS_UPDATE first; START/RESUME carry ENDPOINT_CONFIG', () => {
  const b = boot(testConfig());
  const c = new Client(b.k, 100);
  const g = c.groupCreate().handle;
  c.submit(g, computeStream(ms(30)));
  b.sim.run(b.sim.now + ms(60));
  const reqs = csgReqs(b.events);
  const start = reqs.find((r) => r.state === R.CSG_STATE_START && r.group === g);
  assert.ok(start && ((start.bits ?? 0) & R.CSG_ENDPOINT_CONFIG) !== 0, 'START queued with ENDPOINT_CONFIG');
  const status = reqs.filter((r) => r.bits === R.CSG_STATUS_UPDATE);
  const ticksWithResident = bodies(b.events, 'decision').filter((d) => (d.inputs ?? []).some((e) => (e.csgSlot ?? -1) >= 0));
  assert.ok(ticksWithResident.length >= 1);
  assert.equal(status.length, ticksWithResident.length, 'one status request per tick with a resident group');
  // The request comes before the tick's decision, which reads idleness from it.
  const idxStatus = b.events.findIndex((e) => e.body?.case === 'fwReq' && e.body.value.bits === R.CSG_STATUS_UPDATE);
  const idxDecision = b.events.findIndex((e, i) => i > idxStatus && e.body?.case === 'decision');
  assert.ok(idxStatus >= 0 && idxDecision > idxStatus);
});

/**
 * A protected job interrupted by an FW exit: the JOB IRQ reports GLB PROTM_EXIT and the CSG of the
 * CS that raises PROTM_PENDING again. Returns which the host handled first.
 */
function irqOrder(policy: ProtmPolicy): 'glb' | 'csg' | 'none' {
  const b = boot(testConfig({ driver: { protmPolicy: policy } }));
  const c = new Client(b.k, 100, 'video');
  const g = c.groupCreate({ protected: true }).handle;
  c.submit(g, protectedStream(ms(40)));
  b.sim.run(b.sim.now + ms(10));
  assert.equal(b.k.fw.mode, GpuMode.MODE_PROTECTED);
  const from = b.events.length;
  b.k.fw.exitProtm(ModeSwitchCause.CAUSE_FW_EXIT, -1);
  b.sim.run(b.sim.now + ms(1));
  const ev = b.events;
  for (let i = from; i < ev.length; i++) {
    const x = ev[i]!.body;
    if (x?.case !== 'fwIrq' || !((x.value.status ?? 0) & R.JOB_INT_GLOBAL_IF) || !((x.value.status ?? 0) & 0xffff)) continue;
    for (let j = i + 1; j < ev.length; j++) {
      const y = ev[j]!.body;
      if (y?.case === 'fwIrq') break;
      if (y?.case === 'fwReq' && y.value.kind === FwReqKind.REQ_EVENT_ACK && y.value.iface === FwIface.GLB) return 'glb';
      if (y?.case === 'queueState' && y.value.protmPending) return 'csg';
    }
  }
  return 'none';
}

test('FW events: mainline processes the global interface before the CSGs; the 2026 series the CSGs first', () => {
  assert.equal(irqOrder('rfc-2025'), 'glb');
  assert.equal(irqOrder('kbase'), 'glb');
  assert.equal(irqOrder('panthor-2026-reviewed'), 'csg');
});

test('a hung job\'s timeout keeps its remaining time across suspend/resume (rotation does not restart it)', () => {
  // 3 CSG slots, four busy MEDIUM groups: every group is rotated out and back in all the time.
  const b = boot(testConfig({ gpu: { groupNum: 3 } }));
  const cl = [100, 101, 102, 103].map((pid) => new Client(b.k, pid, `app${pid}`));
  const gs = cl.map((c) => c.groupCreate().handle);
  b.k.inject({ at: b.sim.now, kind: 'job-hang', app: 'app100', heap: '', count: 1 });
  cl[0]!.submit(gs[0]!, computeStream(ms(10)));
  for (let i = 1; i < 4; i++) for (let j = 0; j < 60; j++) cl[i]!.submit(gs[i]!, computeStream(ms(200)));
  b.sim.run(b.sim.now + sec(12));
  const suspends = bodies(b.events, 'groupState').filter((e) => e.group === gs[0] && e.to === GroupStateKind.PANTHOR_CS_GROUP_SUSPENDED).length;
  assert.ok(suspends >= 5, `the hung group was suspended ${suspends} times`);
  assert.equal(cl[0]!.groupState(gs[0]!).state & U.DRM_PANTHOR_GROUP_STATE_TIMEDOUT, U.DRM_PANTHOR_GROUP_STATE_TIMEDOUT);
});

test('the protm group is chosen on the per-priority lists: never below a group kept or started in the same tick', () => {
  const events: EventInit[] = [];
  simulate(applyOverrides(loadBuiltin('priority-inversion'), { protmPolicy: 'panthor-2026-reviewed' }), { sinks: [{ onEvent(e) { events.push(e); } }] });
  let n = 0;
  for (const d of bodies(events, 'decision')) {
    if (d.protm !== ProtmVerdict.PROTM_GRANTED && d.protm !== ProtmVerdict.PROTM_KEEP) continue;
    n++;
    const prio = new Map((d.inputs ?? []).map((i) => [i.group, i.priority ?? 0]));
    const running = (d.slots ?? []).filter((s) => s.action === SlotAction.SLOT_KEEP || s.action === SlotAction.SLOT_START || s.action === SlotAction.SLOT_RESUME);
    for (const s of running) assert.ok((prio.get(d.protmGroup) ?? 0) >= (prio.get(s.group) ?? 0), `tick ${d.tick}: group ${d.protmGroup} below group ${s.group}`);
  }
  assert.ok(n > 10, `protected decisions: ${n}`);
});

test('a CSG IRQ handles IDLE before the CS events (the tick it asks for is a CSG_IDLE one)', () => {
  const b = boot(testConfig());
  const c = new Client(b.k, 100);
  const g = c.groupCreate().handle;
  c.submit(g, computeStream(ms(1)));
  b.sim.run(b.sim.now + ms(3));
  const slot = b.k.group(g)?.csgId ?? -1;
  assert.ok(slot >= 0, 'resident');
  // The FW reports IDLE on the CSG and CS_FATAL on its first CS in one JOB IRQ.
  const csg = b.k.fw.csgs[slot]!;
  csg.ack = (csg.ack ^ R.CSG_IDLE) >>> 0;
  csg.cs[0]!.ack = (csg.cs[0]!.ack ^ R.CS_FATAL) >>> 0;
  const from = b.events.length;
  b.k.fw.jobIrqRaw = R.JOB_INT_CSG_IF(slot);
  b.k.handleJobIrq();
  b.sim.run(b.sim.now + ms(1));
  const d = bodies(b.events.slice(from), 'decision')[0];
  assert.equal(d?.trigger, TickTrigger.TRIGGER_CSG_IDLE);
});
