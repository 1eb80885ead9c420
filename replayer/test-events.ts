/**
 * Event builders for the replayer's tests: short, named constructors for synthetic sequences
 * (absolute times in ns), and a fast-check arbitrary of events over a small id space so that
 * random sequences touch the same groups, slots, buffers and processes.
 */
import fc from 'fast-check';
import {
  AsCommand, FaultKind, FwAckKind, FwIface, FwReqKind, GpuMode, GroupStateKind, HeapKind, HeapOp, HeapPurpose,
  IoctlCmd, JobPhase, LogLevel, ModeSwitchCause, ProbeStage, ProcessOp, ProtmVerdict, ResetCause, ResetKind,
  ResetPhase, SchedRule, SlotAction, TickTrigger, WatchdogOp,
  type EventInit, type FwAckInit, type FwRequestInit, type GroupStateInit, type HeapCallInit, type IoctlInit,
  type SchedDecisionInit, CS_PROTM_PENDING, GLB_PING, GLB_PROTM_ENTER, GLB_PROTM_EXIT,
} from '../proto/index.js';

export const MS = 1_000_000;

export const E = {
  proc(t: number, pid: number, comm: string, privileged = false): EventInit {
    return { t, body: { case: 'process', value: { op: ProcessOp.PROC_START, pid, comm, appKind: comm, privileged } } };
  },
  probeDone(t: number, slots = 4, as = 7): EventInit {
    return { t, body: { case: 'probe', value: { stage: ProbeStage.PROBE_DONE, csgSlotCount: slots, asCount: as, fwVersion: 0x01050000 } } };
  },
  probe(t: number, stage: number, extra: Record<string, unknown> = {}): EventInit {
    return { t, body: { case: 'probe', value: { stage: stage as never, ...extra } } };
  },
  heap(t: number, v: HeapCallInit): EventInit { return { t, body: { case: 'heap', value: v } }; },
  ioctl(t: number, v: IoctlInit): EventInit { return { t, body: { case: 'ioctl', value: v } }; },
  groupCreate(t: number, pid: number, handle: number, priority: number, flags = 0, ret = 0, queues = 1): EventInit {
    return E.ioctl(t, {
      pid, fd: 3, cmd: IoctlCmd.GROUP_CREATE, ret,
      args: { case: 'groupCreate', value: { groupHandle: ret ? 0 : handle, priority, flags, vmId: 1, queues: Array.from({ length: queues }, () => ({ priority: 1, ringbufSize: 65536 })) } },
    });
  },
  submit(t: number, pid: number, group: number, ret = 0, addr = 0x1000, size = 64): EventInit {
    return E.ioctl(t, {
      pid, fd: 3, cmd: IoctlCmd.GROUP_SUBMIT, ret,
      args: { case: 'groupSubmit', value: { groupHandle: group, queueSubmits: [{ queueIndex: 0, streamAddr: addr, streamSize: size }] } },
    });
  },
  gs(t: number, v: GroupStateInit): EventInit { return { t, body: { case: 'groupState', value: v } }; },
  req(t: number, v: FwRequestInit): EventInit { return { t, body: { case: 'fwReq', value: v } }; },
  ack(t: number, v: FwAckInit): EventInit { return { t, body: { case: 'fwAck', value: v } }; },
  /** CSG state request (START/RESUME/SUSPEND/TERMINATE) on a slot. */
  csgState(t: number, csg: number, group: number, state: number, prio = 15, protmSuspendBuf = 0): EventInit {
    return E.req(t, { iface: FwIface.CSG, csg, kind: FwReqKind.REQ_TOGGLE, bits: 0x7, state, group, endpointPriority: prio, protmSuspendBuf });
  },
  csgAck(t: number, csg: number, group: number, state: number): EventInit {
    return E.ack(t, { iface: FwIface.CSG, csg, kind: FwAckKind.ACK_REQUEST, bits: 0x7, state, group });
  },
  protmPendingEvent(t: number, csg: number, cs: number, group: number): EventInit {
    return E.ack(t, { iface: FwIface.CS, csg, cs, kind: FwAckKind.ACK_EVENT, bits: CS_PROTM_PENDING, group });
  },
  protmPendingAck(t: number, csg: number, cs: number, group: number): EventInit {
    return E.req(t, { iface: FwIface.CS, csg, cs, kind: FwReqKind.REQ_EVENT_ACK, bits: CS_PROTM_PENDING, group });
  },
  protmEnter(t: number): EventInit { return E.req(t, { iface: FwIface.GLB, kind: FwReqKind.REQ_TOGGLE, bits: GLB_PROTM_ENTER }); },
  protmEnterAck(t: number): EventInit { return E.ack(t, { iface: FwIface.GLB, kind: FwAckKind.ACK_REQUEST, bits: GLB_PROTM_ENTER }); },
  protmExitEvent(t: number): EventInit { return E.ack(t, { iface: FwIface.GLB, kind: FwAckKind.ACK_EVENT, bits: GLB_PROTM_EXIT }); },
  protmExitAck(t: number): EventInit { return E.req(t, { iface: FwIface.GLB, kind: FwReqKind.REQ_EVENT_ACK, bits: GLB_PROTM_EXIT }); },
  ping(t: number): EventInit { return E.req(t, { iface: FwIface.GLB, kind: FwReqKind.REQ_TOGGLE, bits: GLB_PING }); },
  mode(t: number, from: number, to: number, cause: number, group = 0, csg = 0): EventInit {
    return { t, body: { case: 'modeSwitch', value: { from: from as never, to: to as never, cause: cause as never, group, csg } } };
  },
  decision(t: number, v: SchedDecisionInit): EventInit { return { t, body: { case: 'decision', value: v } }; },
  reset(t: number, phase: number, cause: number = ResetCause.RESET_CAUSE_NONE, success = true): EventInit {
    return { t, body: { case: 'reset', value: { kind: ResetKind.RESET_SLOW, phase: phase as never, cause: cause as never, success } } };
  },
  watchdog(t: number, op: number, gpuProtected = false): EventInit {
    return { t, body: { case: 'watchdog', value: { op: op as never, gpuProtected } } };
  },
  mmu(t: number, cmd: number, gpuProtected = false, vmId = 1): EventInit {
    return { t, body: { case: 'mmu', value: { asNr: 1, cmd: cmd as never, vmId, gpuProtected } } };
  },
  fault(t: number, kind: number, group = 0): EventInit {
    return { t, body: { case: 'fault', value: { kind: kind as never, group } } };
  },
  job(t: number, group: number, phase: number, seqno = 1, gpuNs = 0): EventInit {
    return { t, body: { case: 'job', value: { group, queue: 0, seqno, phase: phase as never, gpuNs } } };
  },
  log(t: number, msg: string, level: number = LogLevel.LOG_WARN): EventInit {
    return { t, body: { case: 'log', value: { level: level as never, msg, source: 'panthor' } } };
  },
};

/** A small but complete protected-mode story: probe, heap, two apps, a protected group entering and leaving. */
export function storyEvents(): EventInit[] {
  const ev: EventInit[] = [];
  let t = 0;
  const at = (): number => (t += MS);
  ev.push(E.heap(at(), { op: HeapOp.DMA_HEAP_ADD, heapId: 1, heapName: 'protected', kind: HeapKind.HEAP_PROTECTED_CARVEOUT, heapCapacity: 64 << 20 }));
  ev.push(E.probe(at(), ProbeStage.PROBE_HEAP_LOOKUP, { heapName: 'protected', heapNameSource: 'module-param' }));
  ev.push(E.heap(at(), { op: HeapOp.DMA_HEAP_FIND, heapId: 1, heapName: 'protected', purpose: HeapPurpose.PURPOSE_PROBE, refcount: 1 }));
  ev.push(E.probe(at(), ProbeStage.PROBE_FW_SECTION, { sectionFlags: 1 << 5, size: 4096 }));
  ev.push(E.probeDone(at()));
  ev.push(E.proc(at(), 100, 'compositor', true));
  ev.push(E.proc(at(), 101, 'video-player'));
  ev.push({ t: at(), body: { case: 'process', value: { op: ProcessOp.PROC_OPEN, pid: 101, path: '/dev/dri/renderD128', fd: 3 } } });
  ev.push(E.groupCreate(at(), 100, 1, 2));
  ev.push(E.heap(at(), { op: HeapOp.DMA_HEAP_BUFFER_ALLOC, heapName: 'protected', size: 1 << 20, bufferId: 7, purpose: HeapPurpose.PURPOSE_PROTM_SUSPEND_BUF, groupHandle: 2, refcount: 1 }));
  ev.push(E.groupCreate(at(), 101, 2, 1, 1));
  ev.push(E.gs(at(), { group: 2, from: GroupStateKind.PANTHOR_CS_GROUP_CREATED, to: GroupStateKind.PANTHOR_CS_GROUP_CREATED, csgSlot: -1, pid: 101, priority: 1, isProtected: true, queueCount: 1, protmSuspendBufferId: 7 }));
  ev.push(E.decision(at(), { tick: 1, trigger: TickTrigger.TRIGGER_SUBMIT, fullTick: true,
    inputs: [{ group: 1, priority: 2, canRun: true, csgSlot: -1 }, { group: 2, priority: 1, canRun: true, isProtected: true, csgSlot: -1 }],
    slots: [{ slot: 0, group: 1, csgPriority: 15, action: SlotAction.SLOT_START }, { slot: 1, group: 2, csgPriority: 14, action: SlotAction.SLOT_START }],
    reasons: [{ group: 1, rule: SchedRule.RULE_PRIORITY_ORDER }, { group: 2, rule: SchedRule.RULE_PRIORITY_ORDER }] }));
  ev.push(E.csgState(at(), 0, 1, 1, 15));
  ev.push(E.csgState(at(), 1, 2, 1, 14, 0x8000000));
  ev.push(E.csgAck(at(), 0, 1, 1));
  ev.push(E.gs(at(), { group: 1, from: GroupStateKind.PANTHOR_CS_GROUP_CREATED, to: GroupStateKind.PANTHOR_CS_GROUP_ACTIVE, csgSlot: 0, pid: 100, priority: 2, queueCount: 1 }));
  ev.push(E.csgAck(at(), 1, 2, 1));
  ev.push(E.gs(at(), { group: 2, from: GroupStateKind.PANTHOR_CS_GROUP_CREATED, to: GroupStateKind.PANTHOR_CS_GROUP_ACTIVE, csgSlot: 1, pid: 101, priority: 1, isProtected: true, queueCount: 1, protmSuspendBufferId: 7 }));
  ev.push(E.submit(at(), 101, 2));
  ev.push(E.job(at(), 2, JobPhase.JOB_QUEUED, 1));
  ev.push(E.protmPendingEvent(at(), 1, 0, 2));
  ev.push({ t: at(), body: { case: 'queueState', value: { group: 2, queue: 0, insert: 64, extract: 0, blocked: 7 as never, protmPending: true } } });
  ev.push(E.decision(at(), { tick: 2, trigger: TickTrigger.TRIGGER_PROTM_PENDING, fullTick: true,
    inputs: [{ group: 2, priority: 1, canRun: true, isProtected: true, protmPending: true, csgSlot: 1, csgPriority: 14 }, { group: 1, priority: 2, canRun: true, idle: true, csgSlot: 0, csgPriority: 15 }],
    slots: [{ slot: 1, group: 2, csgPriority: 15, action: SlotAction.SLOT_KEEP }, { slot: 0, group: 1, csgPriority: 14, action: SlotAction.SLOT_KEEP }],
    protm: ProtmVerdict.PROTM_GRANTED, protmRule: SchedRule.RULE_PENDING_REQUIRED, protmGroup: 2 }));
  ev.push(E.req(at(), { iface: FwIface.CSG, csg: 1, kind: FwReqKind.REQ_TOGGLE, bits: 1 << 4, group: 2, endpointPriority: 15 }));
  ev.push(E.req(at(), { iface: FwIface.CSG, csg: 0, kind: FwReqKind.REQ_TOGGLE, bits: 1 << 4, group: 1, endpointPriority: 14 }));
  ev.push(E.protmPendingAck(at(), 1, 0, 2));
  ev.push(E.protmEnter(at()));
  ev.push(E.protmEnterAck(at()));
  ev.push(E.mode(at(), GpuMode.MODE_NORMAL, GpuMode.MODE_ENTERING, ModeSwitchCause.CAUSE_SCHED_ENTER, 2, 1));
  ev.push(E.mode(at(), GpuMode.MODE_ENTERING, GpuMode.MODE_PROTECTED, ModeSwitchCause.CAUSE_PROTM_ACTIVE, 2, 1));
  ev.push(E.job(at(), 2, JobPhase.JOB_STARTED, 1));
  ev.push(E.job(at(), 2, JobPhase.JOB_DONE, 1, 3 * MS));
  ev.push(E.mode(at(), GpuMode.MODE_PROTECTED, GpuMode.MODE_NORMAL, ModeSwitchCause.CAUSE_FW_EXIT, 2, 1));
  ev.push(E.protmExitEvent(at()));
  ev.push(E.protmExitAck(at()));
  ev.push(E.decision(at(), { tick: 3, trigger: TickTrigger.TRIGGER_PROTM_EXIT, fullTick: true,
    inputs: [{ group: 1, priority: 2, canRun: true, csgSlot: 0, csgPriority: 14 }, { group: 2, priority: 1, canRun: true, isProtected: true, idle: true, csgSlot: 1, csgPriority: 15 }],
    slots: [{ slot: 0, group: 1, csgPriority: 15, action: SlotAction.SLOT_KEEP }, { slot: 1, group: 2, csgPriority: 14, action: SlotAction.SLOT_KEEP }] }));
  ev.push(E.watchdog(at(), WatchdogOp.WD_PING_SENT));
  ev.push(E.ping(at()));
  ev.push(E.ack(at(), { iface: FwIface.GLB, kind: FwAckKind.ACK_REQUEST, bits: GLB_PING }));
  ev.push(E.watchdog(at(), WatchdogOp.WD_PING_ACKED));
  ev.push(E.mmu(at(), AsCommand.AS_COMMAND_UPDATE));
  ev.push(E.fault(at(), FaultKind.FAULT_CS_FAULT, 1));
  ev.push(E.log(at(), 'CS fault on group 1'));
  ev.push(E.reset(at(), ResetPhase.RESET_BEGIN, ResetCause.RESET_CAUSE_GPU_FAULT));
  ev.push(E.reset(at(), ResetPhase.RESET_END, ResetCause.RESET_CAUSE_GPU_FAULT));
  ev.push(E.heap(at(), { op: HeapOp.DMA_BUF_RELEASE, heapName: 'protected', bufferId: 7 }));
  ev.push(E.gs(at(), { group: 2, from: GroupStateKind.PANTHOR_CS_GROUP_SUSPENDED, to: GroupStateKind.GROUP_DESTROYED, csgSlot: -1 }));
  return ev;
}

// ───────────────────────────── random events ─────────────────────────────

const small = (max: number): fc.Arbitrary<number> => fc.integer({ min: 0, max });

const arbBody: fc.Arbitrary<EventInit['body']> = fc.oneof(
  fc.record({ op: small(3), pid: fc.constantFrom(100, 101, 102), comm: fc.constantFrom('a', 'b'), fd: small(6), path: fc.constantFrom('/dev/dri/renderD128', '/dev/dma_heap/protected') })
    .map((v) => ({ case: 'process' as const, value: { ...v, op: v.op as never } })),
  fc.record({ pid: fc.constantFrom(100, 101), handle: fc.integer({ min: 1, max: 4 }), prio: small(3), flags: small(1), ret: fc.constantFrom(0, 0, -22) })
    .map((v) => ({ case: 'ioctl' as const, value: { pid: v.pid, fd: 3, cmd: IoctlCmd.GROUP_CREATE, ret: v.ret, args: { case: 'groupCreate' as const, value: { groupHandle: v.handle, priority: v.prio, flags: v.flags, vmId: 1, queues: [{ priority: 1, ringbufSize: 4096 }] } } } })),
  fc.record({ pid: fc.constantFrom(100, 101), id: fc.integer({ min: 1, max: 3 }), kind: small(2) })
    .map((v) => ({ case: 'ioctl' as const, value: v.kind === 0
      ? { pid: v.pid, cmd: IoctlCmd.VM_CREATE, args: { case: 'vmCreate' as const, value: { id: v.id } } }
      : v.kind === 1 ? { pid: v.pid, cmd: IoctlCmd.BO_CREATE, args: { case: 'boCreate' as const, value: { handle: v.id, size: 4096, flags: 1 } } }
        : { pid: v.pid, cmd: IoctlCmd.BO_MMAP_OFFSET, args: { case: 'boMmapOffset' as const, value: { handle: v.id } } } })),
  fc.record({ op: small(10), heap: fc.constantFrom('protected', 'system'), buf: fc.integer({ min: 1, max: 5 }), size: fc.constantFrom(4096, 1 << 20), ref: small(3), purpose: small(6), off: fc.constantFrom(0, 1 << 20, 4 << 20) })
    .map((v) => ({ case: 'heap' as const, value: { op: v.op as never, heapName: v.heap, heapId: v.heap === 'protected' ? 1 : 2, bufferId: v.buf, size: v.size, refcount: v.ref, purpose: v.purpose as never, physOffset: v.off, kind: HeapKind.HEAP_PROTECTED_CARVEOUT, heapCapacity: 16 << 20 } })),
  fc.record({ iface: small(2), csg: small(3), cs: small(1), kind: small(2), bits: fc.constantFrom(0x7, GLB_PROTM_ENTER, GLB_PING, CS_PROTM_PENDING, 1 << 4, GLB_PROTM_EXIT), state: small(3), group: small(4), prio: small(15) })
    .map((v) => ({ case: 'fwReq' as const, value: { iface: v.iface as never, csg: v.csg, cs: v.cs, kind: v.kind as never, bits: v.bits, state: v.state, group: v.group, endpointPriority: v.prio } })),
  fc.record({ iface: small(2), csg: small(3), cs: small(1), kind: small(1), bits: fc.constantFrom(0x7, GLB_PROTM_ENTER, GLB_PING, CS_PROTM_PENDING, GLB_PROTM_EXIT), state: small(3), group: small(4) })
    .map((v) => ({ case: 'fwAck' as const, value: { iface: v.iface as never, csg: v.csg, cs: v.cs, kind: v.kind as never, bits: v.bits, state: v.state, group: v.group } })),
  fc.record({ from: small(5), to: small(5), cause: small(11), group: small(4), csg: small(3) })
    .map((v) => ({ case: 'modeSwitch' as const, value: { from: v.from as never, to: v.to as never, cause: v.cause as never, group: v.group, csg: v.csg } })),
  fc.record({ group: fc.integer({ min: 1, max: 4 }), to: small(5), slot: fc.integer({ min: -1, max: 3 }), pid: fc.constantFrom(100, 101), prot: fc.boolean(), qc: small(2), fatal: small(1) })
    .map((v) => ({ case: 'groupState' as const, value: { group: v.group, to: v.to as never, csgSlot: v.slot, pid: v.pid, isProtected: v.prot, queueCount: v.qc, fatalQueues: v.fatal } })),
  fc.record({ group: fc.integer({ min: 1, max: 4 }), queue: small(1), insert: small(1000), blocked: small(7), pend: fc.boolean() })
    .map((v) => ({ case: 'queueState' as const, value: { group: v.group, queue: v.queue, insert: v.insert, extract: v.insert >> 1, blocked: v.blocked as never, protmPending: v.pend } })),
  fc.record({ group: fc.integer({ min: 1, max: 4 }), phase: small(7), seq: small(5), gpu: small(1000) })
    .map((v) => ({ case: 'job' as const, value: { group: v.group, queue: 0, seqno: v.seq, phase: v.phase as never, gpuNs: v.gpu } })),
  fc.record({ tick: small(100), trigger: small(11), protm: small(5), group: small(4) })
    .map((v) => ({ case: 'decision' as const, value: { tick: v.tick, trigger: v.trigger as never, protm: v.protm as never, protmGroup: v.group, slots: [{ slot: 0, group: v.group, csgPriority: 15, action: SlotAction.SLOT_KEEP }] } })),
  fc.record({ phase: small(1), cause: small(10), ok: fc.boolean(), cnt: small(3) })
    .map((v) => ({ case: 'reset' as const, value: { phase: v.phase as never, cause: v.cause as never, success: v.ok, resetCount: v.cnt } })),
  fc.record({ stage: small(9), slots: small(4), sect: fc.constantFrom(0, 1 << 5), skipped: fc.boolean() })
    .map((v) => ({ case: 'probe' as const, value: { stage: v.stage as never, csgSlotCount: v.slots, sectionFlags: v.sect, skipped: v.skipped, heapName: 'protected' } })),
  fc.record({ op: small(3), prot: fc.boolean() }).map((v) => ({ case: 'watchdog' as const, value: { op: v.op as never, gpuProtected: v.prot } })),
  fc.record({ cmd: small(5), vm: small(3) }).map((v) => ({ case: 'mmu' as const, value: { cmd: v.cmd as never, vmId: v.vm, asNr: 1 } })),
  fc.record({ kind: small(11), group: small(4) }).map((v) => ({ case: 'fault' as const, value: { kind: v.kind as never, group: v.group } })),
  fc.record({ level: small(3), msg: fc.constantFrom('FW ping timeout', 'hello') }).map((v) => ({ case: 'log' as const, value: { level: v.level as never, msg: v.msg } })),
  fc.record({ id: small(4) }).map((v) => ({ case: 'doorbell' as const, value: { id: v.id } })),
);

/** Random event sequences with non-decreasing times and valid cause links. */
export const arbEvents = (maxLength = 300): fc.Arbitrary<EventInit[]> =>
  fc.array(fc.tuple(arbBody, small(3 * MS), small(5)), { minLength: 1, maxLength }).map((xs) => {
    let t = 0;
    return xs.map(([body, dt, cause], i) => {
      t += dt;
      return { t, cause: cause <= i ? cause : 0, body } as EventInit;
    });
  });
