import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Reader, Writer, decodeSchedDecision, encodeSchedDecision, type SchedDecisionInit, type SlotAssignInit } from '../../proto/index.js';
import { DecisionInterner } from './decision-key.js';

const groupId = (h: number): number => (h === 0 ? 0 : 100 + (h % 4)); // handles 1 and 5 are the same group

const decision = fc.record({
  tick: fc.nat(1000),
  trigger: fc.integer({ min: 0, max: 11 }),
  slots: fc.array(fc.record({
    slot: fc.integer({ min: 0, max: 7 }), group: fc.integer({ min: 0, max: 6 }),
    csgPriority: fc.integer({ min: 0, max: 15 }), action: fc.integer({ min: 0, max: 5 }),
  }), { maxLength: 6 }),
  evicted: fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 4 }),
  protm: fc.integer({ min: 0, max: 5 }),
  protmRule: fc.integer({ min: 0, max: 22 }),
  protmGroup: fc.integer({ min: 0, max: 6 }),
  inputs: fc.array(fc.record({ group: fc.nat(6), priority: fc.nat(3), csgSlot: fc.integer({ min: -1, max: 7 }) }), { maxLength: 3 }),
  freeAs: fc.nat(8),
}) as fc.Arbitrary<SchedDecisionInit>;

function bytesOf(d: SchedDecisionInit): Uint8Array {
  const w = new Writer();
  encodeSchedDecision(w, d);
  return w.finish();
}

test('idOfBytes (wire) equals idOf (decoded) for any decision', () => {
  const k = new DecisionInterner();
  fc.assert(fc.property(decision, (d) => {
    const b = bytesOf(d);
    const viaObject = k.idOf(decodeSchedDecision(new Reader(b), b.length), groupId);
    const viaWire = k.idOfBytes(new Reader(b), b.length, groupId);
    assert.equal(viaWire, viaObject);
  }), { numRuns: 500 });
});

test('outcome, not reasons, times, ticks, inputs or handles: equal outcomes share an id, different ones do not', () => {
  const k = new DecisionInterner();
  const s0: SlotAssignInit = { slot: 0, group: 1, csgPriority: 15, action: 1 }, s1: SlotAssignInit = { slot: 1, group: 2, csgPriority: 14, action: 4 };
  const base: SchedDecisionInit = {
    tick: 4, trigger: 5, slots: [s0, s1],
    evicted: [2], protm: 1, protmRule: 4, protmGroup: 1,
  };
  const id = (d: SchedDecisionInit): number => { const b = bytesOf(d); return k.idOfBytes(new Reader(b), b.length, groupId); };
  const a = id(base);
  assert.equal(id({ ...base, tick: 99, nextTickNs: 5, inputs: [{ group: 3 }], freeAs: 2 }), a);
  assert.equal(id({ ...base, protmGroup: 5, slots: [{ ...s0, group: 5 }, s1] }), a, 'handle 5 is the same group as 1');
  assert.equal(id({ ...base, slots: [s1, s0] }), a, 'slot order');
  assert.equal(id({ ...base, slots: [s0, { ...s1, csgPriority: 0 }] }), a, 'an evicted slot\'s priority');
  // The rule and the trigger are the decision's reason, kept beside the outcome.
  assert.equal(id({ ...base, protmRule: 7 }), a, 'another rule, same outcome');
  assert.equal(k.lastRule, 7);
  assert.equal(id({ ...base, trigger: 0 }), a, 'another trigger, same outcome');
  assert.equal(k.lastTrigger, 0);
  assert.notEqual(id({ ...base, protm: 3 }), a, 'another verdict');
  assert.notEqual(id({ ...base, protmGroup: 2 }), a, 'another protected group');
  assert.notEqual(id({ ...base, slots: [{ ...s0, action: 3 }, s1] }), a, 'another requested state');
  assert.notEqual(id({ ...base, evicted: [] }), a);
  assert.notEqual(id({ ...base, slots: [{ ...s0, csgPriority: 14 }, s1] }), a);
  // Unpacked repeated evicted (older writers) reads the same as packed.
  const w = new Writer();
  w.uint32((2 << 3)); w.uint32(5);
  for (const s of base.slots!) {
    w.uint32((5 << 3) | 2); const at = w.fork();
    w.uint32(1 << 3); w.uint32(s.slot!); w.uint32(2 << 3); w.uint32(s.group!); w.uint32(3 << 3); w.uint32(s.csgPriority!); w.uint32(4 << 3); w.uint32(s.action!);
    w.ldelim(at);
  }
  w.uint32(6 << 3); w.uint32(2);
  w.uint32(7 << 3); w.uint32(1); w.uint32(8 << 3); w.uint32(4); w.uint32(9 << 3); w.uint32(1);
  const b = w.finish();
  assert.equal(k.idOfBytes(new Reader(b), b.length, groupId), a);
});
