/** Protected-mode policies: who gets protected mode, and the knobs that distinguish them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtmVerdict, SchedRule } from '../../proto/index.js';
import { REVIEW_FIXES, type ReviewFix } from '../contract.js';
import { ms } from '../sim/index.js';
import { heapPolicy } from './heap.js';
import { protmPolicy, type ProtmGroupView } from './protm.js';
import { parseReviewFixes, reviewFixesOf } from './review-fixes.js';

const g = (id: number, priority: number, protmPending = false): ProtmGroupView => ({ id, priority, protmPending, isProtected: protmPending });
const NO_FIX: ReadonlySet<ReviewFix> = new Set();

test('rfc-2025 and the 2026 series with pending-required: only a top group with pending queues enters', () => {
  const cases = [[protmPolicy('rfc-2025'), NO_FIX], [protmPolicy('panthor-2026'), new Set<ReviewFix>(['pending-required'])]] as const;
  for (const [p, fixes] of cases) {
    assert.equal(p.choose([g(1, 2, true), g(2, 1)], true, 0, fixes).verdict, ProtmVerdict.PROTM_GRANTED, p.name);
    const denied = p.choose([g(1, 2), g(2, 1, true)], true, 0, fixes);
    assert.equal(denied.verdict, ProtmVerdict.PROTM_DENIED, p.name);
    assert.equal(denied.rule, SchedRule.RULE_NOT_TOP);
    assert.equal(denied.group, 2);
    assert.equal(p.choose([g(1, 2)], false, 0, fixes).verdict, ProtmVerdict.PROTM_NONE);
  }
});

test('panthor-2026 as posted: protm_group = first group of the highest list, even with nothing pending anywhere', () => {
  const p = protmPolicy('panthor-2026');
  const c = p.choose([g(1, 2), g(2, 1, true)], true, 0, NO_FIX);
  assert.equal(c.verdict, ProtmVerdict.PROTM_GRANTED);
  assert.equal(c.rule, SchedRule.RULE_FIRST_OF_HIGHEST_LIST);
  assert.equal(c.group, 1);
  const none = p.choose([g(4, 0)], false, 0, NO_FIX);
  assert.equal(none.verdict, ProtmVerdict.PROTM_GRANTED, 'no pending queue anywhere: still a protm_group');
  assert.equal(none.group, 4);
  assert.equal(p.choose([], false, 0, NO_FIX).verdict, ProtmVerdict.PROTM_NONE, 'no non-idle group: none');
});

test('kbase: keep protected while the active group is top; the protected group becomes the sole resident', () => {
  const p = protmPolicy('kbase');
  const keep = p.choose([g(3, 1), g(4, 0)], false, 3, NO_FIX);
  assert.equal(keep.verdict, ProtmVerdict.PROTM_KEEP);
  assert.equal(keep.rule, SchedRule.RULE_KBASE_KEEP_PROTM);
  const grant = p.choose([g(3, 1, true), g(4, 0)], true, 0, NO_FIX);
  assert.equal(grant.rule, SchedRule.RULE_KBASE_SOLE_RESIDENT);
  assert.equal(grant.soleResident, true);
  assert.equal(p.tickPeriod(ms(10)), ms(100), 'kbase ticks every 100 ms');
});

test('policy knobs: who polls PROTM_ACTIVE, who forces exits from the tick, who handles faults at pre-reset', () => {
  const rfc = protmPolicy('rfc-2025'), posted = protmPolicy('panthor-2026'), kbase = protmPolicy('kbase');
  assert.equal(rfc.activePoll, false, 'the RFC waits for the GLB ack only');
  assert.equal(posted.activePoll, true);
  assert.equal(rfc.tickForcedExit || posted.tickForcedExit, false, 'neither the RFC nor 7/8 forces an exit from the tick');
  assert.equal(kbase.tickForcedExit, true);
  assert.equal(posted.handleProtmFault && !rfc.handleProtmFault && !kbase.handleProtmFault, true);
  assert.equal(posted.pingWhileProtected && rfc.pingWhileProtected && !kbase.pingWhileProtected, true);
  assert.equal(posted.failEnterFatal, false, '7/8 makes no group fatal on a failed enter');
  assert.equal(posted.vmBindForcesExit && !rfc.vmBindForcesExit, true);
  assert.equal(posted.enterAckTimeout, ms(4000));
  assert.equal(posted.activeTimeout, ms(500));
  assert.equal(posted.exitGrace, ms(5));
  assert.throws(() => protmPolicy('nope' as never));
  assert.equal(heapPolicy('lazy-slow-reset').lazySlowReset, true);
  assert.equal(heapPolicy('probe-defer').deferProbe, true);
});

test('review fixes: -reviewed has all of them, panthor-2026 none unless named, other policies never', () => {
  assert.deepEqual([...reviewFixesOf('panthor-2026-reviewed', undefined)], [...REVIEW_FIXES]);
  assert.equal(reviewFixesOf('panthor-2026', undefined).size, 0);
  assert.deepEqual([...reviewFixesOf('panthor-2026', ['pause-ping'])], ['pause-ping']);
  assert.equal(reviewFixesOf('kbase', ['pause-ping']).size, 0);
  assert.deepEqual(parseReviewFixes('pause-ping, pending-required'), ['pause-ping', 'pending-required']);
  assert.equal(parseReviewFixes('all').length, REVIEW_FIXES.length);
  assert.match(parseReviewFixes('nope') as string, /unknown review fix "nope"/);
});
