/** Protected-mode policies: who gets protected mode, and the knobs that distinguish them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtmVerdict, SchedRule } from '../../proto/index.js';
import { ms } from '../sim/index.js';
import { heapPolicy } from './heap.js';
import { protmPolicy, type ProtmGroupView } from './protm.js';

const g = (id: number, priority: number, protmPending = false): ProtmGroupView => ({ id, priority, protmPending, isProtected: protmPending });

test('rfc-2025 and the reviewed 2026 series: only a top group with pending queues enters', () => {
  for (const name of ['rfc-2025', 'panthor-2026-reviewed'] as const) {
    const p = protmPolicy(name);
    assert.equal(p.choose([g(1, 2, true), g(2, 1)], true, 0).verdict, ProtmVerdict.PROTM_GRANTED, name);
    const denied = p.choose([g(1, 2), g(2, 1, true)], true, 0);
    assert.equal(denied.verdict, ProtmVerdict.PROTM_DENIED, name);
    assert.equal(denied.rule, SchedRule.RULE_NOT_TOP);
    assert.equal(denied.group, 2);
    assert.equal(p.choose([g(1, 2)], false, 0).verdict, ProtmVerdict.PROTM_NONE);
  }
});

test('panthor-2026 as posted: protm_group = first group of the highest list, pending queues not checked', () => {
  const c = protmPolicy('panthor-2026').choose([g(1, 2), g(2, 1, true)], true, 0);
  assert.equal(c.verdict, ProtmVerdict.PROTM_GRANTED);
  assert.equal(c.rule, SchedRule.RULE_FIRST_OF_HIGHEST_LIST);
  assert.equal(c.group, 1);
});

test('kbase: keep protected while the active group is top; the protected group becomes the sole resident', () => {
  const p = protmPolicy('kbase');
  const keep = p.choose([g(3, 1), g(4, 0)], false, 3);
  assert.equal(keep.verdict, ProtmVerdict.PROTM_KEEP);
  assert.equal(keep.rule, SchedRule.RULE_KBASE_KEEP_PROTM);
  const grant = p.choose([g(3, 1, true), g(4, 0)], true, 0);
  assert.equal(grant.rule, SchedRule.RULE_KBASE_SOLE_RESIDENT);
  assert.equal(grant.soleResident, true);
  assert.equal(p.tickPeriod(ms(10)), ms(100), 'kbase ticks every 100 ms');
});

test('policy knobs: ping while protected, failed enter, pending without heap, VM_BIND exit', () => {
  const posted = protmPolicy('panthor-2026'), reviewed = protmPolicy('panthor-2026-reviewed');
  assert.equal(posted.pingWhileProtected, true);
  assert.equal(reviewed.pingWhileProtected, false);
  assert.equal(protmPolicy('kbase').pingWhileProtected, false);
  assert.equal(posted.failEnterAllSlots, true);
  assert.equal(reviewed.failEnterAllSlots, false);
  assert.equal(reviewed.pendingWithoutHeapFatal, true);
  assert.equal(posted.vmBindForcesExit && reviewed.vmBindForcesExit, true);
  assert.equal(posted.enterAckTimeout, ms(4000));
  assert.equal(posted.activeTimeout, ms(500));
  assert.equal(posted.exitGrace, ms(5));
  assert.throws(() => protmPolicy('nope' as never));
  assert.equal(heapPolicy('lazy-slow-reset').lazySlowReset, true);
  assert.equal(heapPolicy('probe-defer').deferProbe, true);
});
