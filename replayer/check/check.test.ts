import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AsCommand, FaultKind, FwIface, FwReqKind, GpuMode, GroupStateKind, HeapKind, HeapOp, HeapPurpose, IoctlCmd,
  ModeSwitchCause, ProbeStage, ProtmVerdict, ResetCause, ResetPhase, SlotAction, TickTrigger, WatchdogOp,
  type EventInit,
} from '../../proto/index.js';
import { E, MS, storyEvents } from '../test-events.js';
import { memoryTrace, openTrace } from '../trace-file.js';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkTrace, formatCheckReport, isClean } from './check.js';
import type { CheckReport } from './engine.js';
import { CHECK_RULES } from './rules.js';
import { skipTest } from '../../test-support/skip.js';

const SEC = 1000 * MS;

function run(events: EventInit[], policy = 'panthor-2026', heapPolicy = 'probe-defer'): CheckReport {
  return checkTrace(memoryTrace({ policy, heapPolicy }, events));
}
/** Findings of one rule: [severity, index] pairs. */
function of(r: CheckReport, rule: string): Array<[string, number]> {
  return r.findings.filter((f) => f.rule === rule).map((f) => [f.severity, f.index]);
}
/** A copy of the story with `items` inserted after event k (at its time). */
function ins(k: number, ...items: EventInit[]): EventInit[] {
  const ev = storyEvents();
  const t = ev[k]!.t;
  ev.splice(k + 1, 0, ...items.map((x) => ({ ...x, t })));
  return ev;
}
function story(patch: (ev: EventInit[]) => void): EventInit[] {
  const ev = storyEvents();
  patch(ev);
  return ev;
}
const tail = (t0: number, dt: number): EventInit => E.log(t0 + dt, 'later');

test('the story is clean under every policy but kbase (two resident CSGs while protected)', () => {
  for (const p of ['rfc-2025', 'panthor-2026', 'panthor-2026-reviewed']) {
    const r = run(storyEvents(), p);
    assert.ok(isClean(r), `${p}: ${formatCheckReport(r)}`);
  }
  assert.deepStrictEqual(of(run(storyEvents(), 'kbase'), 'R9'), [['violation', 30]]);
});

test('every rule has an id, a name, a title', () => {
  const ids = CHECK_RULES.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  assert.equal(ids.length, 35);
  for (const r of CHECK_RULES) assert.ok(r.name && r.title.length > 20, r.id);
});

test('R1 single-protected-group', () => {
  assert.deepStrictEqual(of(run(ins(30, E.protmEnter(0))), 'R1'), [['violation', 31]]);
  assert.deepStrictEqual(of(run(ins(30, E.mode(0, GpuMode.MODE_PROTECTED, GpuMode.MODE_PROTECTED, ModeSwitchCause.CAUSE_PROTM_ACTIVE, 1, 0))), 'R1'), [['violation', 31]]);
  assert.deepStrictEqual(of(run(storyEvents()), 'R1'), []);
});

test('R2 protm-top-priority-only', () => {
  const low = story((ev) => { (ev[24]!.body!.value as { endpointPriority: number }).endpointPriority = 13; });
  assert.deepStrictEqual(of(run(low), 'R2'), [['violation', 27]]);
  assert.deepStrictEqual(of(run(storyEvents()), 'R2'), []);
});

test('R3 protm-acks-before-enter', () => {
  // The ack after the toggle is not sampled by the FW.
  const late = story((ev) => { const [a] = ev.splice(26, 1); ev.splice(27, 0, { ...a, t: ev[26]!.t }); });
  assert.deepStrictEqual(of(run(late), 'R3'), [['violation', 27]]);
  // An ack with no GLB_PROTM_ENTER before the next tick.
  const orphan = ins(35, E.protmPendingAck(0, 0, 0, 1));
  assert.deepStrictEqual(of(run(orphan), 'R3'), [['violation', 36]]);
  assert.deepStrictEqual(of(run(storyEvents()), 'R3'), []);
});

test('R4 no-heap-no-protm', () => {
  const base = (ok: boolean): EventInit[] => [
    E.probe(1 * MS, ProbeStage.PROBE_HEAP_LOOKUP, { heapName: 'protected', result: -517 }),
    E.probe(2 * MS, ProbeStage.PROBE_FW_SECTION, { sectionFlags: 1 << 5, skipped: ok }),
    E.probeDone(3 * MS),
    E.proc(4 * MS, 101, 'video-player'),
    E.ioctl(5 * MS, { pid: 101, fd: 3, cmd: IoctlCmd.DEV_QUERY, args: { case: 'devQuery', value: { type: 4, pointer: 0x1000, protectedFeatures: ok ? 0 : 1 } } }),
    E.groupCreate(6 * MS, 101, 2, 1, 1, ok ? -22 : 0),
    ...(ok ? [] : [E.protmPendingAck(7 * MS, 1, 0, 2), E.protmEnter(8 * MS)]),
  ];
  assert.deepStrictEqual(of(run(base(false)), 'R4'), [['violation', 1], ['violation', 4], ['violation', 5], ['violation', 6], ['violation', 7]]);
  assert.deepStrictEqual(of(run(base(true)), 'R4'), []);
  assert.deepStrictEqual(of(run(storyEvents()), 'R4'), []);
});

test('R5 protm-enter-completes', () => {
  const t0 = 10 * MS;
  const noAck = [E.protmEnter(t0), tail(t0, 5 * SEC)];
  assert.deepStrictEqual(of(run(noAck), 'R5'), [['violation', 0]]);
  const timeoutReset = [E.protmEnter(t0), E.reset(t0 + 4000 * MS, ResetPhase.RESET_BEGIN, ResetCause.RESET_CAUSE_PROTM_ENTER_TIMEOUT), tail(t0, 5 * SEC)];
  assert.deepStrictEqual(of(run(timeoutReset), 'R5'), [['anomaly', 0]]);
  const noActive = [E.protmEnter(t0), E.protmEnterAck(t0 + MS), E.mode(t0 + MS, 0, GpuMode.MODE_ENTERING, 1), tail(t0, 2 * SEC)];
  assert.deepStrictEqual(of(run(noActive), 'R5'), [['violation', 1]]);
  const exitPending = [E.protmEnter(t0), E.protmEnterAck(t0 + MS), E.mode(t0 + 2 * MS, GpuMode.MODE_ENTERING, GpuMode.MODE_EXITING, 4), tail(t0, 2 * SEC)];
  assert.deepStrictEqual(of(run(exitPending), 'R5'), []);
  const lateAck = [E.protmEnter(t0), E.protmEnterAck(t0 + 4100 * MS), E.mode(t0 + 4101 * MS, 0, GpuMode.MODE_PROTECTED, 2)];
  assert.deepStrictEqual(of(run(lateAck), 'R5').map((x) => x[1]).includes(1), true);
  assert.deepStrictEqual(of(run(storyEvents()), 'R5'), []);
});

test('R6 protm-exit-acked-once', () => {
  assert.deepStrictEqual(of(run(ins(35, E.protmExitAck(0))), 'R6'), [['violation', 36]], 'acknowledged twice');
  const neverAcked = story((ev) => { ev.splice(35); });
  assert.deepStrictEqual(of(run([...neverAcked, tail(neverAcked.at(-1)!.t!, SEC)]), 'R6'), [['violation', 34]]);
  const noTick = story((ev) => { ev.splice(36); });
  assert.deepStrictEqual(of(run([...noTick, tail(noTick.at(-1)!.t!, SEC)]), 'R6'), [['violation', 35]]);
  assert.deepStrictEqual(of(run(ins(40, E.protmExitEvent(0), E.protmExitAck(0), E.decision(0, { tick: 9 }))), 'R6'), [['anomaly', 41]], 'exit with no active group');
  assert.deepStrictEqual(of(run(storyEvents()), 'R6'), []);
});

test('R7 forced-exit-completes', () => {
  const t0 = 10 * MS;
  const seq = (dt: number, reset = false): EventInit[] => [
    E.mode(t0, GpuMode.MODE_PROTECTED, GpuMode.MODE_EXITING, ModeSwitchCause.CAUSE_FORCED_EXIT_PING, 2, 1),
    reset ? E.reset(t0 + dt, ResetPhase.RESET_BEGIN, ResetCause.RESET_CAUSE_PROTM_EXIT_TIMEOUT) : E.mode(t0 + dt, GpuMode.MODE_EXITING, GpuMode.MODE_NORMAL, ModeSwitchCause.CAUSE_FORCED_EXIT_PING, 2, 1),
    tail(t0, 2 * SEC),
  ];
  assert.deepStrictEqual(of(run(seq(MS)), 'R7'), []);
  assert.deepStrictEqual(of(run(seq(600 * MS)), 'R7'), [['violation', 1]]);
  assert.deepStrictEqual(of(run(seq(510 * MS, true)), 'R7'), [['anomaly', 0]]);
  assert.deepStrictEqual(of(run([seq(MS)[0]!, tail(t0, 2 * SEC)]), 'R7'), [['violation', 0]]);
});

test('R8 no-mmu-while-protected', () => {
  assert.deepStrictEqual(of(run(ins(30, E.mmu(0, AsCommand.AS_COMMAND_LOCK))), 'R8'), [['violation', 31]]);
  assert.deepStrictEqual(of(run(ins(5, E.mmu(0, AsCommand.AS_COMMAND_UPDATE, true))), 'R8'), [['violation', 6]]);
  assert.deepStrictEqual(of(run(storyEvents()), 'R8'), []);
});

test('R9 kbase-sole-resident (kbase only)', () => {
  const sole = ins(26, E.csgState(0, 0, 1, 2, 14), E.csgAck(0, 0, 1, 2),
    E.gs(0, { group: 1, from: GroupStateKind.PANTHOR_CS_GROUP_ACTIVE, to: GroupStateKind.PANTHOR_CS_GROUP_SUSPENDED, csgSlot: -1, pid: 100, priority: 2 }));
  assert.deepStrictEqual(of(run(sole, 'kbase'), 'R9'), []);
  assert.deepStrictEqual(of(run(storyEvents(), 'kbase'), 'R9'), [['violation', 30]]);
  assert.deepStrictEqual(of(run(ins(30, E.csgState(0, 2, 1, 3, 13)), 'kbase'), 'R9').map((x) => x[1]), [30, 31]);
  assert.equal(run(storyEvents(), 'panthor-2026').rules.find((r) => r.id === 'R9')!.applicable, false);
});

test('R10 protected-bo-not-exposed', () => {
  const buf = (mmapRet: number): EventInit[] => ins(7,
    E.heap(0, { op: HeapOp.DMA_HEAP_BUFFER_ALLOC, heapName: 'protected', size: 1 << 20, bufferId: 9, callerPid: 101, purpose: HeapPurpose.PURPOSE_USER_BUFFER }),
    E.ioctl(0, { pid: 101, fd: 4, cmd: IoctlCmd.DMA_HEAP_IOCTL_ALLOC, args: { case: 'dmaHeapAlloc', value: { len: 1 << 20, fd: 5, heap: 'protected', bufferId: 9 } } }),
    E.ioctl(0, { pid: 101, fd: 3, cmd: IoctlCmd.PRIME_FD_TO_HANDLE, args: { case: 'primeFdToHandle', value: { fd: 5, handle: 4 } } }),
    E.ioctl(0, { pid: 101, fd: 3, cmd: IoctlCmd.BO_MMAP_OFFSET, ret: mmapRet, args: { case: 'boMmapOffset', value: { handle: 4 } } }));
  assert.deepStrictEqual(of(run(buf(0)), 'R10'), [['violation', 11]]);
  assert.deepStrictEqual(of(run(buf(-22)), 'R10'), []);
  assert.deepStrictEqual(of(run(ins(9, E.heap(0, { op: HeapOp.DMA_BUF_EXPORT, heapName: 'protected', bufferId: 7 }))), 'R10'), [['violation', 10]]);
  assert.deepStrictEqual(of(run(storyEvents()), 'R10'), []);
});

test('R11 protm-suspend-buffer', () => {
  const noBuf = story((ev) => { (ev[14]!.body!.value as { protmSuspendBuf: number }).protmSuspendBuf = 0; });
  assert.deepStrictEqual(of(run(noBuf), 'R11'), [['violation', 14]]);
  const normalWithBuf = story((ev) => { (ev[13]!.body!.value as { protmSuspendBuf: number }).protmSuspendBuf = 0x1000; });
  assert.deepStrictEqual(of(run(normalWithBuf), 'R11'), [['violation', 13]]);
  assert.deepStrictEqual(of(run(storyEvents()), 'R11'), []);
});

test('R12 heap-refs-balance', () => {
  const find = E.heap(1 * MS, { op: HeapOp.DMA_HEAP_FIND, heapName: 'protected', purpose: HeapPurpose.PURPOSE_PROBE, refcount: 1 });
  const put = E.heap(2 * MS, { op: HeapOp.DMA_HEAP_PUT, heapName: 'protected', purpose: HeapPurpose.PURPOSE_PROBE });
  const defer = E.probe(3 * MS, ProbeStage.PROBE_DEFER, { result: -517 });
  assert.deepStrictEqual(of(run([find, defer]), 'R12'), [['violation', 1]]);
  assert.deepStrictEqual(of(run([find, put, defer]), 'R12'), []);
  // Teardown with the heap reference and the suspend buffer still held.
  const leak = story((ev) => { ev.splice(46, 2); ev.push(E.probe(ev.at(-1)!.t!, ProbeStage.PROBE_REMOVE)); });
  assert.deepStrictEqual(of(run(leak), 'R12').map((x) => x[1]), [46, 46]);
  const clean = story((ev) => {
    const t = ev.at(-1)!.t!;
    ev.push(E.probe(t, ProbeStage.PROBE_REMOVE), E.heap(t, { op: HeapOp.DMA_HEAP_PUT, heapName: 'protected' }));
  });
  assert.deepStrictEqual(of(run(clean), 'R12'), []);
  // A destroyed group's protm suspend buffer never released.
  const kept = story((ev) => { ev.splice(46, 1); ev.push(tail(ev.at(-1)!.t!, 2 * SEC)); });
  assert.deepStrictEqual(of(run(kept), 'R12'), [['violation', 46]]);
});

test('R13 protm-fault-handling', () => {
  const fault = (activeFatal: boolean, blameOther: boolean): EventInit[] => ins(30,
    E.fault(0, FaultKind.FAULT_PROTM, 2),
    E.reset(0, ResetPhase.RESET_BEGIN, ResetCause.RESET_CAUSE_PROTM_FAULT),
    E.gs(0, { group: 2, from: GroupStateKind.PANTHOR_CS_GROUP_ACTIVE, to: activeFatal ? GroupStateKind.PANTHOR_CS_GROUP_TERMINATED : GroupStateKind.PANTHOR_CS_GROUP_SUSPENDED, csgSlot: -1, pid: 101, priority: 1, isProtected: true, fatalQueues: activeFatal ? 1 : 0 }),
    E.gs(0, { group: 1, from: GroupStateKind.PANTHOR_CS_GROUP_ACTIVE, to: GroupStateKind.PANTHOR_CS_GROUP_SUSPENDED, csgSlot: -1, pid: 100, priority: 2, fatalQueues: blameOther ? 1 : 0, innocent: !blameOther }),
    E.reset(0, ResetPhase.RESET_END, ResetCause.RESET_CAUSE_PROTM_FAULT));
  assert.deepStrictEqual(of(run(fault(true, false)), 'R13'), []);
  assert.deepStrictEqual(of(run(fault(true, true)), 'R13'), [['violation', 34]]);
  assert.deepStrictEqual(of(run(fault(false, false)), 'R13'), [['violation', 31]]);
  const noReset = [E.fault(MS, FaultKind.FAULT_PROTM, 2), tail(MS, 2 * SEC)];
  assert.deepStrictEqual(of(run(noReset), 'R13'), [['violation', 0]]);
});

test('R14 slot-group-consistency', () => {
  const wrongSlot = ins(18, E.gs(0, { group: 1, from: GroupStateKind.PANTHOR_CS_GROUP_ACTIVE, to: GroupStateKind.PANTHOR_CS_GROUP_ACTIVE, csgSlot: 2, pid: 100, priority: 2 }));
  assert.deepStrictEqual(of(run(wrongSlot), 'R14'), [['violation', 19]]);
  const twoSlots = ins(18, E.csgState(0, 2, 1, 1, 13));
  assert.deepStrictEqual(of(run(twoSlots), 'R14'), [['violation', 19]]);
  const samePrio = ins(18, E.decision(0, { tick: 7, slots: [{ slot: 0, group: 1, csgPriority: 15, action: SlotAction.SLOT_KEEP }, { slot: 1, group: 2, csgPriority: 15, action: SlotAction.SLOT_KEEP }] }));
  assert.deepStrictEqual(of(run(samePrio), 'R14'), [['violation', 19]]);
  assert.deepStrictEqual(of(run(storyEvents()), 'R14'), []);
});

test('R15 as-budget', () => {
  const oneAs = story((ev) => { (ev[4]!.body!.value as { asCount: number }).asCount = 1; });
  assert.deepStrictEqual(of(run(oneAs), 'R15').map((x) => x[1]), [12, 23, 36]);
  assert.deepStrictEqual(of(run(storyEvents()), 'R15'), []);
});

test('R16 no-start-if-cannot-run', () => {
  const fatal = E.gs(0, { group: 1, from: GroupStateKind.PANTHOR_CS_GROUP_CREATED, to: GroupStateKind.PANTHOR_CS_GROUP_CREATED, csgSlot: -1, pid: 100, priority: 2, fatalQueues: 1 });
  assert.deepStrictEqual(of(run(ins(12, fatal)), 'R16'), [['violation', 14]]);
  assert.deepStrictEqual(of(run(ins(12, fatal, E.submit(0, 100, 1, 0))), 'R16').map((x) => x[1]), [14, 15]);
  assert.deepStrictEqual(of(run(ins(12, fatal, E.submit(0, 100, 1, -2))), 'R16').map((x) => x[1]), [14, 15]);
  assert.deepStrictEqual(of(run(storyEvents()), 'R16'), []);
});

test('R17 group-state-machine', () => {
  const resumeCreated = story((ev) => { (ev[13]!.body!.value as { state: number }).state = 3; });
  assert.deepStrictEqual(of(run(resumeCreated), 'R17'), [['violation', 13]]);
  const t0 = 10 * MS;
  const noAck = [E.csgState(t0, 0, 0, 2), tail(t0, SEC)];
  assert.deepStrictEqual(of(run(noAck), 'R17'), [['violation', 0]]);
  const ackTimeoutReset = [E.csgState(t0, 0, 0, 2), E.reset(t0 + 100 * MS, ResetPhase.RESET_BEGIN, ResetCause.RESET_CAUSE_CSG_ACK_TIMEOUT), tail(t0, SEC)];
  assert.deepStrictEqual(of(run(ackTimeoutReset), 'R17'), [['anomaly', 0]]);
  assert.deepStrictEqual(of(run(storyEvents()), 'R17'), []);
});

test('R18 uapi-limits', () => {
  assert.deepStrictEqual(of(run(ins(10, E.groupCreate(0, 101, 3, 2))), 'R18'), [['violation', 11]], 'HIGH for an unprivileged caller');
  const ring = ins(10, E.ioctl(0, { pid: 100, fd: 3, cmd: IoctlCmd.GROUP_CREATE, args: { case: 'groupCreate', value: { groupHandle: 5, priority: 0, queues: [{ priority: 16, ringbufSize: 3000 }] } } }));
  assert.deepStrictEqual(of(run(ring), 'R18').map((x) => x[1]), [11, 11]);
  assert.deepStrictEqual(of(run(ins(19, E.submit(0, 101, 2, 0, 0x1010, 64))), 'R18'), [['violation', 20]]);
  assert.deepStrictEqual(of(run(ins(19, E.submit(0, 101, 2, 0, 0, 64))), 'R18'), [['violation', 20]]);
  assert.deepStrictEqual(of(run(ins(19, E.submit(0, 101, 2, -22, 0x1010, 64))), 'R18'), []);
  const many: EventInit[] = [E.proc(0, 100, 'c', true)];
  for (let g = 1; g <= 129; g++) many.push(E.groupCreate(g, 100, g, 0));
  assert.deepStrictEqual(of(run(many), 'R18'), [['violation', 129]]);
  assert.deepStrictEqual(of(run(storyEvents()), 'R18'), []);
});

test('R19a mid-slice-rt-only', () => {
  const d = (prio: number): EventInit => E.decision(0, { tick: 5, trigger: TickTrigger.TRIGGER_SUBMIT, fullTick: false,
    inputs: [{ group: 1, priority: 2, canRun: true, csgSlot: 0 }, { group: 3, priority: prio, canRun: true, csgSlot: -1 }],
    slots: [{ slot: 0, group: 1, action: SlotAction.SLOT_SUSPEND }, { slot: 0, group: 3, csgPriority: 15, action: SlotAction.SLOT_START }] });
  assert.deepStrictEqual(of(run(ins(40, d(1))), 'R19a'), [['violation', 41]]);
  assert.deepStrictEqual(of(run(ins(40, d(3))), 'R19a'), []);
});

test('R19b protm-waits-until-top', () => {
  const inversion = story((ev) => { (ev[23]!.body!.value as { inputs: Array<{ idle: boolean }> }).inputs[1]!.idle = false; });
  assert.deepStrictEqual(of(run(inversion), 'R19b'), [['violation', 23]]);
  assert.deepStrictEqual(of(run(storyEvents()), 'R19b'), []);
  const granted = run(ins(40, E.decision(0, { tick: 9, protm: ProtmVerdict.PROTM_DENIED, protmGroup: 2, inputs: [{ group: 2, priority: 0 }, { group: 1, priority: 2, canRun: true }] })));
  assert.deepStrictEqual(of(granted, 'R19b'), []);
});

test('R19c ping-while-protected', () => {
  assert.deepStrictEqual(of(run(ins(30, E.watchdog(0, WatchdogOp.WD_PING_SENT))), 'R19c'), [['violation', 31]]);
  assert.deepStrictEqual(of(run(ins(30, E.watchdog(0, WatchdogOp.WD_PING_SKIPPED, true))), 'R19c'), []);
  assert.deepStrictEqual(of(run(storyEvents()), 'R19c'), []);
});

test('report text and counts; findings kept per rule are capped, counts are not', () => {
  const many: EventInit[] = [E.mode(0, 0, GpuMode.MODE_PROTECTED, 2, 2, 1)];
  for (let k = 1; k <= 30; k++) many.push(E.watchdog(k * MS, WatchdogOp.WD_PING_SENT));
  const r = checkTrace(memoryTrace({ policy: 'panthor-2026' }, many), { maxPerRule: 5 });
  assert.equal(r.violations, 30);
  assert.equal(r.findings.length, 5);
  const text = formatCheckReport(r);
  assert.match(text, /R19c ping-while-protected +#1 /);
  assert.match(text, /\.\.\. 25 more findings not listed/);
  assert.match(text, /30 violations, 0 anomalies \(R19c ×30\)/);
  const only = checkTrace(memoryTrace({ policy: 'panthor-2026' }, many), { only: ['R8'] });
  assert.equal(only.rules.length, 1);
  assert.equal(only.violations, 0);
  void FwIface; void FwReqKind; void HeapKind;
});

test('golden traces: the PING-in-protected-mode run trips R19c; the kbase run of the default scenario is clean', (t) => {
  const dir = fileURLToPath(new URL('../../../traces/v1/', import.meta.url));
  if (!existsSync(`${dir}watchdog-ping-in-protm.csft`)) { skipTest(t, 'no goldens'); return; }
  const ping = openTrace(`${dir}watchdog-ping-in-protm.csft`);
  const r = checkTrace(ping);
  ping.close();
  assert.equal(r.policy, 'panthor-2026');
  assert.ok(r.findings.some((f) => f.rule === 'R19c' && f.severity === 'violation'), formatCheckReport(r));
  const kb = openTrace(`${dir}drm-video-over-ui-kbase.csft`);
  const k = checkTrace(kb);
  kb.close();
  assert.equal(k.policy, 'kbase');
  assert.ok(k.rules.find((x) => x.id === 'R9')!.applicable);
  assert.ok(isClean(k), formatCheckReport(k));
});
