/**
 * The driver's tracepoints (the model's counterpart of panthor's trace events and drm_dbg/drm_err
 * lines): one helper per event family the kernel side emits, so every file reports a group, a job
 * or an FW request the same way. Each returns the index of the event it emitted.
 */
import {
  type BlockedReason, type FaultKind, type GroupStateKind, type LogLevel, type ProbeInit, JobPhase,
  completeFwRequest, type FwRequestInit, type IrqLine, type TilerHeapEventInit, type VmEventInit,
} from '../../proto/index.js';
import type { ScenarioConfig } from '../contract.js';
import type { Firmware } from '../firmware/index.js';
import type { Sim } from '../sim/index.js';
import type { Group, Job, Queue } from './objects.js';

export class PanthorTrace {
  /** Probe attempt number carried by every probe event. */
  probeAttempt = 0;

  constructor(private readonly sim: Sim, private readonly cfg: ScenarioConfig, private readonly fw: Firmware) {}

  log(level: LogLevel, msg: string, cause = -1, source = 'panthor'): number {
    return this.sim.bus.emitBody({ case: 'log', value: { level, msg, source } }, cause);
  }

  emitProbe(v: ProbeInit, cause = -1): number {
    return this.sim.bus.emitBody({ case: 'probe', value: { heapNameSource: this.cfg.driver.heapNameSource, attempt: this.probeAttempt, ...v } }, cause);
  }

  emitFwReq(v: FwRequestInit, cause: number): number {
    return this.sim.bus.emitBody({ case: 'fwReq', value: completeFwRequest(v) }, cause);
  }

  emitGroupState(g: Group, from: GroupStateKind, to: GroupStateKind, cause: number): number {
    return this.sim.bus.emitBody({ case: 'groupState', value: {
      group: g.id, from, to, csgSlot: g.csgId, pid: g.pid, priority: g.priority, isProtected: g.isProtected,
      timedout: g.timedout, fatalQueues: g.fatalQueues, innocent: g.innocent, vmId: g.vm.id,
      queueCount: g.queues.length, protmPendingQueues: g.protmPendingQueues, protmSuspendBuf: g.protmSuspendVa,
      protmSuspendBufferId: g.protmSuspendBuf ? g.protmSuspendBuf.id : 0,
    } }, cause);
  }

  emitQueueState(q: Queue, cause: number): number {
    const st = q.st;
    return this.sim.bus.emitBody({ case: 'queueState', value: {
      group: q.group.id, queue: q.index, insert: q.insert * 8, extract: q.extract * 8, blocked: st.blocked as BlockedReason,
      protmPending: st.protPending, idle: q.insert === q.extract && !st.frames.length, fatal: st.fatal || (q.group.fatalQueues & (1 << q.index)) !== 0,
    } }, cause);
  }

  emitJob(j: Job, phase: JobPhase, err: number, cause: number): number {
    return this.sim.bus.emitBody({ case: 'job', value: {
      group: j.queue.group.id, queue: j.queue.index, seqno: j.seqno, phase, protRegion: j.protRegion,
      frame: j.frame, fenceError: err, gpuNs: phase === JobPhase.JOB_DONE ? j.gpuNs : 0, pid: j.queue.group.pid,
      deadlineNs: j.deadlineNs,
    } }, cause);
  }

  emitFault(kind: FaultKind, exceptionType: number, g: Group | null, queue: number, injected: boolean, cause: number, data = 0): number {
    return this.sim.bus.emitBody({ case: 'fault', value: {
      kind, exceptionType, group: g ? g.id : 0, queue, injected, data,
    } }, cause);
  }

  emitMmu(asNr: number, cmd: number, vmId: number, region: number, cause: number, pid = 0): number {
    return this.sim.bus.emitBody({ case: 'mmu', value: {
      asNr, cmd: cmd as 0, vmId, region, gpuProtected: this.fw.isProtected, pid,
    } }, cause);
  }

  emitVm(v: VmEventInit, cause: number): number {
    return this.sim.bus.emitBody({ case: 'vm', value: v }, cause);
  }

  emitTilerHeap(v: TilerHeapEventInit, cause: number): number {
    return this.sim.bus.emitBody({ case: 'tilerHeap', value: v }, cause);
  }

  emitIrq(line: IrqLine, status: number, masked: boolean, cause: number): number {
    return this.sim.bus.emitBody({ case: 'fwIrq', value: { line, status, masked } }, cause);
  }
}
