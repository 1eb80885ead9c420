/**
 * Synthetic decision traces for the diff's tests and benchmark: a compositor, a protected video
 * player and a game, one group each, ticking on CSG slots, with the video player asking for
 * protected mode every `protmEvery` ticks. Not a simulation: the decisions are written directly so
 * that the tests know exactly where two variants differ.
 *
 * `policy: 'shared'` keeps every group resident when protected mode is granted (like panthor-2026);
 * `policy: 'sole'` suspends the others first (like kbase). `handleBase` shifts the raw handles, to
 * show that the diff matches groups by identity, not by handle.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import {
  ContainerWriter, GpuMode, IoctlCmd, JobPhase, ModeSwitchCause, ProcessOp, ProtmVerdict, SchedRule, SlotAction,
  TickTrigger, type EventInit, type SchedDecisionInit, type TraceHeaderInit,
} from '../../proto/index.js';

export interface SyntheticOptions {
  ticks: number;
  policy?: 'shared' | 'sole';
  protmEvery?: number;
  handleBase?: number;
  /** Tick at which one extra PERIODIC decision (with a distinct slot layout) is inserted. */
  extraAt?: number;
  /** Create the groups in reverse order (handles change, identities do not). */
  reverseCreate?: boolean;
  /** Emit only decisions after the setup (fast path for the benchmark). */
  decisionsOnly?: boolean;
}

const MS = 1_000_000;
const APPS = [
  { pid: 100, comm: 'compositor', prio: 2 },
  { pid: 101, comm: 'video-player', prio: 1 },
  { pid: 102, comm: 'game', prio: 1 },
] as const;

export function syntheticHeader(policy: string): TraceHeaderInit {
  return {
    formatVersion: 1, producer: 'csftrace test', modelVersion: 'synthetic', scenarioName: 'synthetic',
    scenarioText: 'synthetic: decisions written directly\n', seed: 1, policy, durationNs: 0,
  };
}

/** The events of a synthetic trace. Decision k (k ≥ 0) is the k-th SchedDecision. */
export function syntheticEvents(o: SyntheticOptions): EventInit[] {
  return [...syntheticStream(o)];
}

/** The same events, one at a time (bounded memory, for million-decision benchmarks). */
export function* syntheticStream(o: SyntheticOptions): Generator<EventInit> {
  const policy = o.policy ?? 'shared';
  const every = o.protmEvery ?? 10;
  const base = o.handleBase ?? 1;
  let ev: EventInit[] = [];
  let t = 0;
  const handle: [number, number, number] = [0, 0, 0];
  for (const a of APPS) ev.push({ t, body: { case: 'process', value: { op: ProcessOp.PROC_START, pid: a.pid, comm: a.comm } } });
  const order: readonly (0 | 1 | 2)[] = o.reverseCreate ? [2, 1, 0] : [0, 1, 2];
  order.forEach((i, n) => {
    const a = APPS[i];
    handle[i] = base + n;
    t += 1000;
    ev.push({
      t, body: {
        case: 'ioctl', value: {
          pid: a.pid, fd: 3, cmd: IoctlCmd.GROUP_CREATE, ret: 0,
          args: { case: 'groupCreate', value: { priority: a.prio, groupHandle: handle[i], flags: i === 1 ? 1 : 0 } },
        },
      },
    });
  });
  const [comp, video, game] = handle;
  let seq = 0;
  const decision = (d: SchedDecisionInit): void => { ev.push({ t, body: { case: 'decision', value: d } }); };
  for (let k = 0; k < o.ticks; k++) {
    yield* ev;
    ev = [];
    t += 10 * MS;
    const protm = every > 0 && k % every === every - 1;
    if (!o.decisionsOnly) {
      seq++;
      ev.push({ t: t - 2 * MS, body: { case: 'job', value: { group: protm ? video : (k % 2 ? game : comp), queue: 0, seqno: seq, phase: JobPhase.JOB_QUEUED, deadlineNs: t + 8 * MS } } });
    }
    if (o.extraAt === k) {
      decision({
        tick: k, trigger: TickTrigger.TRIGGER_SYNC_UPDATE,
        slots: [{ slot: 0, group: game, csgPriority: 15, action: SlotAction.SLOT_KEEP }],
      });
    }
    if (protm) {
      const inputs = [
        { group: comp, priority: 2, csgSlot: 0, csgPriority: 15, canRun: true },
        { group: video, priority: 1, csgSlot: 1, csgPriority: 14, protmPending: true, isProtected: true, canRun: true },
        { group: game, priority: 1, csgSlot: 2, csgPriority: 13, canRun: true },
      ];
      if (policy === 'shared') {
        decision({
          tick: k, trigger: TickTrigger.TRIGGER_PROTM_PENDING, inputs,
          slots: [
            { slot: 0, group: comp, csgPriority: 15, action: SlotAction.SLOT_KEEP },
            { slot: 1, group: video, csgPriority: 14, action: SlotAction.SLOT_KEEP },
            { slot: 2, group: game, csgPriority: 13, action: SlotAction.SLOT_KEEP },
          ],
          protm: ProtmVerdict.PROTM_GRANTED, protmRule: SchedRule.RULE_FIRST_OF_HIGHEST_LIST, protmGroup: video,
        });
      } else {
        decision({
          tick: k, trigger: TickTrigger.TRIGGER_PROTM_PENDING, inputs,
          slots: [
            { slot: 0, group: comp, csgPriority: 0, action: SlotAction.SLOT_SUSPEND },
            { slot: 1, group: video, csgPriority: 15, action: SlotAction.SLOT_KEEP },
            { slot: 2, group: game, csgPriority: 0, action: SlotAction.SLOT_SUSPEND },
          ],
          evicted: [comp, game],
          protm: ProtmVerdict.PROTM_GRANTED, protmRule: SchedRule.RULE_KBASE_SOLE_RESIDENT, protmGroup: video,
        });
      }
      if (!o.decisionsOnly) {
        ev.push({ t: t + 1000, cause: 1, body: { case: 'modeSwitch', value: { from: GpuMode.MODE_NORMAL, to: GpuMode.MODE_PROTECTED, cause: ModeSwitchCause.CAUSE_SCHED_ENTER, group: video, csg: 1 } } });
        ev.push({ t: t + 2000, body: { case: 'job', value: { group: video, queue: 0, seqno: seq, phase: JobPhase.JOB_STARTED, protRegion: true } } });
        const dur = policy === 'shared' ? 6 * MS : 3 * MS;
        ev.push({ t: t + dur, body: { case: 'job', value: { group: video, queue: 0, seqno: seq, phase: JobPhase.JOB_DONE, gpuNs: dur - 2000, deadlineNs: t + 8 * MS, protRegion: true } } });
        ev.push({ t: t + dur + 1000, body: { case: 'modeSwitch', value: { from: GpuMode.MODE_PROTECTED, to: GpuMode.MODE_NORMAL, cause: ModeSwitchCause.CAUSE_FW_EXIT, group: video, csg: 1 } } });
      }
    } else {
      const running = k % 2 ? game : comp;
      decision({
        tick: k, trigger: TickTrigger.TRIGGER_PERIODIC, fullTick: true,
        inputs: [{ group: comp, priority: 2, csgSlot: 0, csgPriority: 15, canRun: true }],
        slots: [
          { slot: 0, group: comp, csgPriority: 15, action: SlotAction.SLOT_KEEP },
          { slot: 1, group: video, csgPriority: 14, action: k % every === 0 ? SlotAction.SLOT_RESUME : SlotAction.SLOT_KEEP },
          { slot: 2, group: game, csgPriority: 13, action: SlotAction.SLOT_KEEP },
        ],
        reasons: [{ group: running, rule: SchedRule.RULE_PRIORITY_ORDER }],
      });
      if (!o.decisionsOnly) {
        ev.push({ t: t + 1000, body: { case: 'job', value: { group: running, queue: 0, seqno: seq, phase: JobPhase.JOB_STARTED } } });
        ev.push({ t: t + 5 * MS, body: { case: 'job', value: { group: running, queue: 0, seqno: seq, phase: JobPhase.JOB_DONE, gpuNs: 5 * MS - 1000, deadlineNs: t + 8 * MS } } });
      }
    }
  }
  yield* ev;
}

/** Writes `events` as a trace file with the synthetic header of `policy`, streaming; the event count. */
export function writeSyntheticTrace(path: string, policy: string, events: Iterable<EventInit>): number {
  const fd = openSync(path, 'w');
  let n = 0;
  try {
    const w = new ContainerWriter(syntheticHeader(policy), { write: (b) => { writeSync(fd, b); } });
    for (const ev of events) { w.add(ev); n++; }
    w.finish();
  } finally { closeSync(fd); }
  return n;
}
