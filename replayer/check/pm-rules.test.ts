import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CSG_STATE_START, CSG_STATE_SUSPEND, FaultKind, PmOp, PmState, SlotAction, TickTrigger, type EventInit } from '../../proto/index.js';
import { E, MS } from '../test-events.js';
import { memoryTrace } from '../trace-file.js';
import { applyOverrides, loadBuiltin, runModel } from '../../hw-model/index.js';
import { normalizeEventInit } from '../verify.js';
import { checkTrace } from './check.js';
import type { CheckReport } from './engine.js';

const run = (events: EventInit[]): CheckReport => checkTrace(memoryTrace({ policy: 'panthor-2026', heapPolicy: 'probe-defer' }, events), {});
const of = (r: CheckReport, rule: string): Array<[number, number]> => r.findings.filter((f) => f.rule === rule).map((f) => [f.index, f.root]);
const pm = (t: number, op: PmOp, state: PmState): EventInit => ({ t, body: { case: 'pm', value: { op, state } } });
const start = (t: number): EventInit => E.decision(t, { tick: 1, trigger: TickTrigger.TRIGGER_SUBMIT, slots: [
  { slot: 0, group: 1, csgPriority: 15, action: SlotAction.SLOT_START }] });

test('R26: a doorbell between PM_SUSPENDED and PM_RESUME_BEGIN is flagged, rooted at the suspend; none after the resume', () => {
  const ev: EventInit[] = [E.probeDone(0), pm(MS, PmOp.PM_SUSPEND_BEGIN, PmState.PM_STATE_SUSPENDING),
    pm(2 * MS, PmOp.PM_SUSPENDED, PmState.PM_STATE_SUSPENDED),
    { t: 3 * MS, body: { case: 'doorbell', value: { id: 0 } } },
    pm(4 * MS, PmOp.PM_RESUME_BEGIN, PmState.PM_STATE_RESUMING),
    { t: 5 * MS, body: { case: 'doorbell', value: { id: 0 } } }];
  const r = run(ev);
  assert.deepEqual(of(r, 'R26'), [[3, 2]]);
  assert.match(r.findings.find((f) => f.rule === 'R26')!.message, /doorbell while the device is suspended \(since #2\)/);
});

test('R27: suspended with a group still on a CSG slot is flagged', () => {
  const ev: EventInit[] = [E.probeDone(0), E.proc(0, 10, 'weston', true), E.groupCreate(MS, 10, 1, 2), start(2 * MS),
    E.csgState(2 * MS, 0, 1, CSG_STATE_START), E.csgAck(2 * MS, 0, 1, CSG_STATE_START),
    pm(3 * MS, PmOp.PM_SUSPENDED, PmState.PM_STATE_SUSPENDED)];
  const r = run(ev);
  assert.deepEqual(of(r, 'R27').map(([i]) => i), [6]);
  // Unbound first (SUSPEND acknowledged): no finding.
  const ok = run([...ev.slice(0, 6), E.csgState(2.5 * MS, 0, 1, CSG_STATE_SUSPEND), E.csgAck(2.6 * MS, 0, 1, CSG_STATE_SUSPEND),
    pm(3 * MS, PmOp.PM_SUSPENDED, PmState.PM_STATE_SUSPENDED)]);
  assert.deepEqual(of(ok, 'R27'), []);
  assert.match(r.findings.find((f) => f.rule === 'R27')!.message, /group 1 \(weston\) on CSG 0 still resident/);
});

test('R28: a tick that keeps a group timed out by PROGRESS_TIMER_EVENT is flagged; one that terminates it is not', () => {
  const base: EventInit[] = [E.probeDone(0), E.proc(0, 10, 'weston', true), E.groupCreate(MS, 10, 1, 2), start(2 * MS),
    { t: 3 * MS, body: { case: 'fault', value: { kind: FaultKind.FAULT_PROGRESS_TIMER, group: 1 } } }];
  const keep = E.decision(4 * MS, { tick: 2, trigger: TickTrigger.TRIGGER_PROGRESS_TIMER, slots: [{ slot: 0, group: 1, csgPriority: 15, action: SlotAction.SLOT_KEEP }] });
  const term = E.decision(4 * MS, { tick: 2, trigger: TickTrigger.TRIGGER_PROGRESS_TIMER, slots: [{ slot: 0, group: 1, csgPriority: 15, action: SlotAction.SLOT_TERMINATE }] });
  assert.deepEqual(of(run([...base, keep]), 'R28'), [[5, 4]]);
  assert.deepEqual(of(run([...base, term]), 'R28'), []);
});

test('R26–R28 hold on the model: runtime-pm-protected, runtime-pm-lazy-heap and progress-timeout-protm traces have none of them', () => {
  for (const name of ['runtime-pm-protected', 'runtime-pm-lazy-heap', 'progress-timeout-protm']) {
    const cfg = applyOverrides(loadBuiltin(name), {});
    const events: EventInit[] = [];
    runModel(cfg, { sinks: [{ onEvent(e: EventInit) { events.push(normalizeEventInit(e)); } }] });
    assert.ok(events.some((e) => e.body?.case === 'pm' || e.body?.case === 'fault'), name);
    const r = run(events);
    for (const id of ['R26', 'R27', 'R28']) assert.deepEqual(of(r, id), [], `${name} ${id}`);
  }
});
