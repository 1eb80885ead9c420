/**
 * The check's decision decoding (lazy-decision.ts) gives what the generated decoder gives, whatever
 * the order of the fields, and judges a damaged body as it does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeSchedDecision, encodeSchedDecision, ProtmVerdict, ProtoDecodeError, Reader, SchedRule, SlotAction, Writer, type SchedDecisionInit,
} from '../../proto/index.js';
import { LazyDecisionDecoder } from './lazy-decision.js';

const decision: SchedDecisionInit = {
  tick: 300, fullTick: true, protm: ProtmVerdict.PROTM_GRANTED, protmRule: SchedRule.RULE_NONE, protmGroup: 7, freeAs: 3, nextTickNs: 5_000_000_000,
  inputs: [{ group: 7, priority: 2, canRun: true, csgSlot: -1, vmId: 4 }, { group: 9, priority: 1, idle: true }],
  slots: [{ slot: 0, group: 7, action: SlotAction.SLOT_START, csgPriority: 15 }],
  evicted: [3, 4],
  reasons: [{ group: 7, rule: SchedRule.RULE_NONE }, { group: 9, rule: SchedRule.RULE_NONE }],
};

function bytes(m: SchedDecisionInit): Uint8Array {
  const w = new Writer();
  encodeSchedDecision(w, m);
  return w.finish();
}

/** A body with a run of `pad` bytes before it, decoded by both decoders from there. */
function both(body: Uint8Array, lazy: LazyDecisionDecoder): [string, string, number] {
  const buf = new Uint8Array(body.length + 5);
  buf.set(body, 5);
  const want = JSON.stringify(decodeSchedDecision(new Reader(buf, 5), buf.length));
  const r = new Reader(buf, 5);
  const got = JSON.stringify(lazy.decode(r, buf.length));
  return [got, want, r.pos - buf.length];
}

test('a decision decodes as the generated decoder decodes it, its reasons when read', () => {
  const lazy = new LazyDecisionDecoder();
  const plain = bytes(decision);
  const [got, want, left] = both(plain, lazy);
  assert.equal(got, want);
  assert.equal(left, 0);
  assert.deepStrictEqual(lazy.value.reasons.map((x) => x.group), [7, 9]);
  // reasons first, in the middle, absent; the same object each time, nothing of the last one left
  const reasonsOnly = bytes({ reasons: decision.reasons });
  const rest = bytes({ ...decision, reasons: [] });
  for (const body of [new Uint8Array([...reasonsOnly, ...rest]), new Uint8Array([...rest, ...reasonsOnly, ...rest]), rest, reasonsOnly, new Uint8Array()]) {
    const [g, w] = both(body, lazy);
    assert.equal(g, w);
  }
  assert.equal(lazy.value.tick, 0);
  assert.deepStrictEqual(lazy.value.inputs, []);
});

test('a damaged decision is judged by the generated decoder', () => {
  const body = bytes(decision);
  const lazy = new LazyDecisionDecoder();
  const outcome = (f: () => unknown): string => {
    try { return JSON.stringify(f()); } catch (e) { return e instanceof ProtoDecodeError ? 'ProtoDecodeError' : String(e); }
  };
  let thrown = 0;
  for (let cut = 1; cut < body.length; cut++) {
    const part = body.slice(0, cut);
    const want = outcome(() => decodeSchedDecision(new Reader(part), part.length));
    assert.equal(outcome(() => lazy.decode(new Reader(part), part.length)), want, `cut at ${cut}`);
    if (want === 'ProtoDecodeError') thrown++;
  }
  assert.ok(thrown > 3, `${thrown} cuts refused`);
});
