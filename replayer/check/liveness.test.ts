import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockedReason, GpuMode, ModeSwitchCause, ProtmVerdict, ResetPhase, SlotAction, TickTrigger, type EventInit } from '../../proto/index.js';
import { E, MS } from '../test-events.js';
import { memoryTrace } from '../trace-file.js';
import { applyOverrides, findBuiltin, parseProtmPolicy, parseScenario, runModel } from '../../hw-model/index.js';
import { normalizeEventInit } from '../verify.js';
import { checkTrace, formatCheckReport, isClean } from './check.js';
import type { CheckReport } from './engine.js';

function run(events: EventInit[], policy = 'panthor-2026', starvationBoundNs?: number): CheckReport {
  return checkTrace(memoryTrace({ policy, heapPolicy: 'probe-defer' }, events), { starvationBoundNs });
}
const of = (r: CheckReport, rule: string): Array<[number, number]> =>
  r.findings.filter((f) => f.rule === rule).map((f) => [f.index, f.root]);

/** weston (HIGH, group 1, normal) and video (MEDIUM, group 2, protected), both on slots. */
function base(): EventInit[] {
  return [
    E.probeDone(0),
    E.proc(0, 10, 'weston', true), E.proc(0, 11, 'video'),
    E.groupCreate(1 * MS, 10, 1, 2), E.groupCreate(1 * MS, 11, 2, 1, 1),
    E.decision(2 * MS, { tick: 1, trigger: TickTrigger.TRIGGER_SUBMIT, slots: [
      { slot: 0, group: 1, csgPriority: 15, action: SlotAction.SLOT_START },
      { slot: 1, group: 2, csgPriority: 14, action: SlotAction.SLOT_START }] }),
  ];
}
const blocked = (t: number, group: number): EventInit =>
  ({ t, body: { case: 'queueState', value: { group, queue: 0, blocked: BlockedReason.BLOCKED_PROTM, protmPending: true } } });
const grant = (t: number, group: number): EventInit => E.decision(t, { tick: 2, trigger: TickTrigger.TRIGGER_PROTM_PENDING,
  protm: ProtmVerdict.PROTM_GRANTED, protmGroup: group, slots: [{ slot: 0, group: 1, csgPriority: 15, action: SlotAction.SLOT_KEEP }] });

test('R20: a grant to a group with no pending protected queue is the root of the reset that follows', () => {
  // The grant (#6) goes to weston, which asked for nothing; the enter toggle and the reset follow.
  const ev = [...base(), grant(10 * MS, 1), { ...E.protmEnter(10 * MS), cause: 1 }, E.reset(510 * MS, ResetPhase.RESET_BEGIN)];
  const r = run(ev);
  assert.deepEqual(of(r, 'R20'), [[6, 6]]);
  const f = r.findings.find((x) => x.rule === 'R20')!;
  assert.match(f.message, /GRANTED to group 1 \(weston\), which has no pending protected queue; the GPU was reset at #8, 500\.000ms later/);
  assert.deepEqual(f.related, [7, 8]);
  assert.match(formatCheckReport(r), /root #6/);
  // Granted to the video while its queue is blocked on protected mode: no finding.
  const ok = run([...base(), blocked(9 * MS, 2), grant(10 * MS, 2), E.protmEnter(10 * MS),
    E.mode(11 * MS, GpuMode.MODE_NORMAL, GpuMode.MODE_PROTECTED, ModeSwitchCause.CAUSE_PROTM_ACTIVE, 2, 1)]);
  assert.deepEqual(of(ok, 'R20'), []);
});

test('R21: protected work waiting past the bound with no protected entry; the bound is an option', () => {
  const starved = [...base(), blocked(10 * MS, 2),
    E.decision(20 * MS, { tick: 3, trigger: TickTrigger.TRIGGER_PROTM_PENDING, protm: ProtmVerdict.PROTM_DENIED, protmGroup: 2 }),
    E.log(300 * MS, 'later')];
  assert.deepEqual(of(run(starved), 'R21'), [[6, 7]], 'reported at the request, rooted at the last decision');
  assert.match(run(starved).findings.find((f) => f.rule === 'R21')!.message, /group 2 \(video\) waited 100\.000ms for protected mode/);
  assert.deepEqual(of(run(starved, 'panthor-2026', 400 * MS), 'R21'), [], 'a longer bound');
  const served = [...base(), blocked(10 * MS, 2),
    E.mode(50 * MS, GpuMode.MODE_NORMAL, GpuMode.MODE_PROTECTED, ModeSwitchCause.CAUSE_PROTM_ACTIVE, 2, 1), E.log(300 * MS, 'later')];
  assert.deepEqual(of(run(served), 'R21'), []);
});

test('R22: a protected group kept while a higher-priority group is resumed beside it', () => {
  const keep = (t: number, action: SlotAction, group: number): EventInit => E.decision(t, { tick: 4, trigger: TickTrigger.TRIGGER_SUBMIT,
    protm: ProtmVerdict.PROTM_KEEP, protmGroup: 2, slots: [
      { slot: 1, group: 2, csgPriority: 14, action: SlotAction.SLOT_KEEP },
      { slot: 0, group, csgPriority: 15, action }] });
  const ev = [...base(), blocked(9 * MS, 2), grant(10 * MS, 2),
    E.mode(11 * MS, GpuMode.MODE_NORMAL, GpuMode.MODE_PROTECTED, ModeSwitchCause.CAUSE_PROTM_ACTIVE, 2, 1)];
  const bad = run([...ev, keep(20 * MS, SlotAction.SLOT_RESUME, 1)]);
  assert.deepEqual(of(bad, 'R22'), [[9, 9]]);
  assert.match(bad.findings.find((f) => f.rule === 'R22')!.message, /group 2 \(video\) \(MEDIUM\) kept in protected mode while group 1 \(weston\) \(HIGH\) is resumed at CSG priority 15/);
  assert.deepEqual(of(run([...ev, keep(20 * MS, SlotAction.SLOT_KEEP, 1)]), 'R22'), [], 'kept, not resumed');
});

test('a damaged or empty trace is never clean', () => {
  const empty = checkTrace(memoryTrace({ policy: 'kbase' }, []));
  assert.equal(empty.violations + empty.anomalies, 0);
  assert.equal(isClean(empty), false);
  assert.match(formatCheckReport(empty), /not clean: the trace holds no event/);
  assert.doesNotMatch(formatCheckReport(empty), /^clean:/m);
});

/** A model run of a scenario text, as a trace in memory. */
function modelTrace(yaml: string, policy: string): CheckReport {
  const cfg = applyOverrides(parseScenario(yaml, 'test.yaml'), { protmPolicy: parseProtmPolicy(policy)! });
  const events: EventInit[] = [];
  runModel(cfg, { sinks: [{ onEvent: (ev: EventInit) => { events.push(normalizeEventInit(ev)); } }] });
  return checkTrace(memoryTrace({ policy, heapPolicy: cfg.driver.heapPolicy, scenarioText: yaml }, events));
}

test('no false R4 after heap-remove while the device holds its reference; no false R12 for a user-supplied suspend buffer', () => {
  const removed = modelTrace(`name: heap-remove-held
duration: 1s
apps: [{ name: weston, kind: compositor }, { name: video, kind: video-player }]
faults: [{ at: 300ms, kind: heap-remove, heap: protected }]
`, 'panthor-2026');
  assert.deepEqual(of(removed, 'R4'), []);
  const found = removed.findings.map((f) => f.rule);
  assert.ok(found.length > 0, 'the run still has findings of other rules');
  const user = modelTrace(findBuiltin('userspace-dmabuf')!.text, 'panthor-2026');
  assert.deepEqual(of(user, 'R12'), []);
});
