import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Cursor } from './cursor.js';
import { applyEvent, finalizeState, initialState } from './reducer.js';
import { Replayer } from './replayer.js';
import type { ReplayState } from './state.js';
import { arbEvents, storyEvents, MS } from './test-events.js';
import { memoryTrace, type TraceFile } from './trace-file.js';
import type { EventInit } from '../proto/index.js';

function stepped(trace: TraceFile, i: number): ReplayState {
  const s = initialState();
  let k = 0;
  for (const ev of trace.iterate(0, i + 1)) applyEvent(s, ev, k++);
  return finalizeState(s);
}

const trace = (events: EventInit[], chunkEvents = 7): TraceFile => memoryTrace({ policy: 'panthor-2026' }, events, { chunkEvents });

test('state by seek equals state by stepping from 0 (random sequences, random K, random indices)', () => {
  fc.assert(fc.property(arbEvents(250), fc.integer({ min: 1, max: 40 }), fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), (events, k, picks) => {
    const tr = trace(events);
    const r = Replayer.open(tr, { keyframeEvery: k });
    for (const p of picks) {
      const i = (p % (events.length + 1)) - 1;
      assert.deepStrictEqual(r.stateAt(i), stepped(tr, i));
    }
  }), { numRuns: 60 });
});

test('progressive keyframe build: partial build still answers every index, and completes', () => {
  const events = storyEvents();
  const tr = trace(events);
  const r = Replayer.open(tr, { keyframeEvery: 4 });
  assert.equal(r.keyframesReady, false);
  assert.equal(r.buildKeyframesStep(5), false);
  assert.ok(r.keyframeProgress() > 0 && r.keyframeProgress() < 1);
  assert.deepStrictEqual(r.stateAt(events.length - 2), stepped(tr, events.length - 2));
  while (!r.buildKeyframesStep(3));
  assert.equal(r.keyframesReady, true);
  assert.equal(r.keyframeProgress(), 1);
  assert.deepStrictEqual(r.stateAt(10), stepped(tr, 10));
});

test('keyframe memory budget: K doubles and seeks stay exact', () => {
  const events = storyEvents();
  const tr = trace(events);
  const r = Replayer.open(tr, { keyframeEvery: 2, keyframeBudgetBytes: 20_000 });
  while (!r.buildKeyframesStep(1000));
  assert.ok(r.keyframeEvery > 2, `K stayed ${r.keyframeEvery}`);
  assert.ok(r.keyframeStats.bytes <= 20_000 || r.keyframeStats.count <= 2);
  for (let i = -1; i < events.length; i += 3) assert.deepStrictEqual(r.stateAt(i), stepped(tr, i));
});

test('reverse then forward returns the same state', () => {
  fc.assert(fc.property(arbEvents(200), fc.nat(), fc.integer({ min: 1, max: 60 }), (events, p, n) => {
    const tr = trace(events);
    const c = new Cursor(Replayer.open(tr, { keyframeEvery: 8 }));
    c.seek(p % events.length);
    const before = JSON.stringify(c.state());
    const at = c.index;
    const back = c.step(-n);
    c.step(at - back);
    assert.equal(c.index, at);
    assert.equal(JSON.stringify(c.state()), before);
  }), { numRuns: 60 });
});

test('story: device, groups, slots, FW pending, heaps and counters', () => {
  const events = storyEvents();
  const tr = trace(events);
  const r = Replayer.open(tr);
  const find = (pred: (e: EventInit) => boolean): number => events.findIndex(pred);

  // After the GLB_PROTM_ENTER toggle: a pending request with its origin and age.
  const enter = find((e) => e.body?.case === 'fwReq' && e.body.value.bits === 1 << 4 && e.body.value.iface === 0);
  const sEnter = r.stateAt(enter);
  const p = sEnter.fw.pending.find((x) => x.name === 'GLB_PROTM_ENTER');
  assert.ok(p, 'GLB_PROTM_ENTER pending');
  assert.equal(p.sinceIdx, enter);
  assert.equal(p.kind, 'request');
  assert.equal(p.ageNs, 0);
  // A FW event (CS_PROTM_PENDING) pending until the host acknowledges it, with its age.
  const pend = find((e) => e.body?.case === 'fwAck' && e.body.value.iface === 2);
  const sPend = r.stateAt(pend + 2);
  const pe = sPend.fw.pending.find((x) => x.name === 'CS_PROTM_PENDING');
  assert.ok(pe);
  assert.deepStrictEqual([pe.kind, pe.csg, pe.cs, pe.sinceIdx, pe.ageNs], ['event', 1, 0, pend, 2 * MS]);
  assert.equal(r.stateAt(enter - 1).fw.pending.some((x) => x.name === 'CS_PROTM_PENDING'), false, 'acked before the enter');
  assert.equal(r.stateAt(enter + 2).device.gpuMode, 'MODE_ENTERING');
  assert.equal(r.stateAt(enter + 2).device.protmActiveGroup, 2);

  // After the ack the request is no longer pending; protected mode follows.
  const sProt = r.stateAt(enter + 3);
  assert.equal(sProt.fw.pending.some((x) => x.name === 'GLB_PROTM_ENTER'), false);
  assert.equal(sProt.device.gpuMode, 'MODE_PROTECTED');
  assert.equal(sProt.slots[1]?.group, 2);
  assert.equal(sProt.slots[1]?.csgPriority, 15);
  assert.equal(sProt.slots[0]?.csgPriority, 14);
  assert.equal(sProt.groups[2]?.app, 'video-player');
  assert.equal(sProt.groups[2]?.isProtected, true);
  assert.equal(sProt.groups[2]?.state, 'PANTHOR_CS_GROUP_ACTIVE');
  assert.equal(sProt.dmabufs[7]?.protected, true);
  assert.equal(sProt.heaps.protected?.allocated, 1 << 20);
  assert.equal(sProt.heaps.protected?.refcount, 1);
  assert.equal(sProt.device.protectedHeap, 'protected');
  assert.equal(sProt.device.protSections.loaded, 1);

  const last = r.stateAt(events.length - 1);
  assert.equal(last.device.gpuMode, 'MODE_NORMAL');
  assert.equal(last.counters.protmEnters, 1);
  assert.equal(last.counters.protmExits, 1);
  assert.equal(last.counters.protectedNs, 3 * MS);
  assert.equal(last.device.resetCount, 1);
  assert.equal(last.device.watchdog.pings, 1);
  assert.equal(last.groups[2], undefined, 'destroyed group removed');
  assert.equal(last.dmabufs[7], undefined, 'released buffer removed');
  assert.equal(last.heaps.protected?.allocated, 0);
  assert.equal(last.slots.every((sl) => sl.group === 0), true, 'slots empty after reset');
  assert.equal(last.groups[1]?.lastFault, 'FAULT_CS_FAULT');
  assert.equal(last.processes[101]?.fds[3]?.path, '/dev/dri/renderD128');
  assert.equal(last.sched.decisions, 3);
  assert.equal(last.sched.lastTrigger, 'TRIGGER_PROTM_EXIT');
  assert.equal(last.counters.jobsDone, 1);
  assert.equal(last.groups[1] !== undefined && last.groups[1].priority, 2);
  // JSON-able: survives a round trip unchanged.
  assert.deepStrictEqual(JSON.parse(JSON.stringify(last)), last);
});

test('stateAt outside the trace is a RangeError; -1 is the initial state', () => {
  const tr = trace(storyEvents());
  const r = Replayer.open(tr);
  assert.throws(() => r.stateAt(tr.eventCount), RangeError);
  assert.throws(() => r.stateAt(-2), RangeError);
  assert.deepStrictEqual(r.stateAt(-1), finalizeState(initialState()));
});

test('keyframes built by one replayer and adopted by another (another thread) give the same states', () => {
  // the story several times over, each later in time
  const story = storyEvents();
  const span = (story[story.length - 1]?.t ?? 0) + MS;
  const evs = Array.from({ length: 8 }, (_, r) => story.map((e) => ({ ...e, t: (e.t ?? 0) + r * span }))).flat();
  const tr = memoryTrace({ scenarioName: 'story' }, evs, { chunkEvents: 64 });
  const n = tr.eventCount;
  assert.ok(n > 100);
  // a tiny budget makes K double while building: the batches after it start again from 0
  const builder = Replayer.open(tr, { keyframeEvery: 8, keyframeBudgetBytes: 4096 });
  const ui = Replayer.open(tr, { keyframeEvery: 8, keyframeBudgetBytes: 4096 });
  let every = builder.keyframeEvery, sent = 0, batches = 0;
  while (!builder.buildKeyframesStep(17)) {
    if (builder.keyframeEvery !== every) { every = builder.keyframeEvery; sent = 0; }
    const b = builder.keyframesSince(sent);
    sent += b.frames.length;
    ui.adoptKeyframes(b);
    batches++;
    assert.equal(ui.keyframeEvery, builder.keyframeEvery);
  }
  ui.adoptKeyframes(builder.keyframesSince(builder.keyframeEvery === every ? sent : 0));
  assert.ok(batches > 3 && builder.keyframeEvery > 8, `K doubled (${builder.keyframeEvery}) over ${batches} batches`);
  assert.ok(ui.keyframeProgress() > 0.5 && ui.keyframeProgress() <= 1);
  // the few events after the last keyframe are the adopting replayer's own to build
  while (!ui.buildKeyframesStep(1000));
  const fresh = Replayer.open(tr);
  for (const i of [-1, 0, 7, 8, 63, Math.floor(n / 2), n - 1]) assert.deepEqual(ui.stateAt(i), fresh.stateAt(i), `state after #${i}`);
  // an older batch (smaller K) changes nothing
  ui.adoptKeyframes({ every: 8, from: 0, frames: [] });
  assert.equal(ui.keyframeEvery, builder.keyframeEvery);
  assert.deepEqual(ui.stateAt(n - 1), fresh.stateAt(n - 1));
});
