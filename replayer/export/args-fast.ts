/**
 * The arguments of the families that make most of a trace (FW requests/acks/IRQs, doorbells, mode
 * switches, jobs, decisions), written field by field: the generic writer (args.ts `writeFields`)
 * reads fields by name across many message shapes, which costs more than everything else the
 * export does per event. Same keys, values and rules as the generic writer (a test compares the
 * two on every family): proto3 defaults left out except enums, errno fields and locations.
 */
import {
  BlockedReasonNames, FwAckKindNames, FwIface, FwIfaceNames, FwReqKindNames, GpuModeNames, IrqLineNames,
  JobPhaseNames, ModeSwitchCauseNames, ProtmVerdictNames, SchedRuleNames, SlotActionNames, TickTriggerNames, ERRNO_NAMES,
  type Doorbell, type FwAck, type FwIrq, type FwRequest, type Job, type ModeSwitch, type SchedDecision,
} from '../../proto/index.js';
import { argKey, ENTRY, type ArgKey, type ArgWriter } from './arg-writer.js';

type Names = Readonly<Record<number, string>>;
const k = argKey;
const K = {
  iface: k('iface'), csg: k('csg'), cs: k('cs'), kind: k('kind'), bits: k('bits'), req: k('req'), ack: k('ack'), state: k('state'),
  group: k('group'), endpointPriority: k('endpoint_priority'), suspendBuf: k('suspend_buf'), protmSuspendBuf: k('protm_suspend_buf'),
  asNr: k('as_nr'), ringbufInsert: k('ringbuf_insert'), statusWait: k('status_wait'), blockedReason: k('blocked_reason'),
  haltStatus: k('halt_status'), line: k('line'), status: k('status'), masked: k('masked'), id: k('id'), csgMask: k('csg_mask'),
  csMask: k('cs_mask'), from: k('from'), to: k('to'), cause: k('cause'), gpuStatus: k('gpu_status'), queue: k('queue'),
  seqno: k('seqno'), phase: k('phase'), protRegion: k('prot_region'), frame: k('frame'), fenceError: k('fence_error'),
  fenceErrno: k('fence_errno'), gpuNs: k('gpu_ns'), pid: k('pid'), deadlineNs: k('deadline_ns'), tick: k('tick'),
  trigger: k('trigger'), fullTick: k('full_tick'), inputs: k('inputs'), priority: k('priority'), idle: k('idle'),
  protmPending: k('protm_pending'), csgSlot: k('csg_slot'), csgPriority: k('csg_priority'), canRun: k('can_run'),
  isProtected: k('is_protected'), vmId: k('vm_id'), waiting: k('waiting'), slots: k('slots'), slot: k('slot'), action: k('action'),
  evicted: k('evicted'), protm: k('protm'), protmRule: k('protm_rule'), protmGroup: k('protm_group'), reasons: k('reasons'),
  rule: k('rule'), freeAs: k('free_as'), timeslice: k('timeslice'), nextTickNs: k('next_tick_ns'), mode: k('mode'),
} as const;

function n(w: ArgWriter, key: ArgKey, v: number): void { if (v !== 0) w.int(key, v); }
function e(w: ArgWriter, key: ArgKey, t: Names, v: number): void { w.sym(key, t[v] ?? String(v)); }
function b(w: ArgWriter, key: ArgKey, v: boolean): void { if (v) w.bool(key, true); }

export function fwReqArgs(w: ArgWriter, v: FwRequest): void {
  e(w, K.iface, FwIfaceNames, v.iface);
  if (v.csg !== 0 || v.iface !== FwIface.GLB) w.int(K.csg, v.csg);
  if (v.cs !== 0 || v.iface === FwIface.CS) w.int(K.cs, v.cs);
  e(w, K.kind, FwReqKindNames, v.kind);
  n(w, K.bits, v.bits); n(w, K.req, v.req); n(w, K.state, v.state); n(w, K.group, v.group);
  n(w, K.endpointPriority, v.endpointPriority); n(w, K.suspendBuf, v.suspendBuf); n(w, K.protmSuspendBuf, v.protmSuspendBuf);
  n(w, K.asNr, v.asNr); n(w, K.ringbufInsert, v.ringbufInsert);
}

export function fwAckArgs(w: ArgWriter, v: FwAck): void {
  e(w, K.iface, FwIfaceNames, v.iface);
  if (v.csg !== 0 || v.iface !== FwIface.GLB) w.int(K.csg, v.csg);
  if (v.cs !== 0 || v.iface === FwIface.CS) w.int(K.cs, v.cs);
  e(w, K.kind, FwAckKindNames, v.kind);
  n(w, K.bits, v.bits); n(w, K.ack, v.ack); n(w, K.state, v.state); n(w, K.group, v.group); n(w, K.statusWait, v.statusWait);
  e(w, K.blockedReason, BlockedReasonNames, v.blockedReason);
  n(w, K.haltStatus, v.haltStatus);
}

export function fwIrqArgs(w: ArgWriter, v: FwIrq): void {
  e(w, K.line, IrqLineNames, v.line); n(w, K.status, v.status); b(w, K.masked, v.masked);
}

export function doorbellArgs(w: ArgWriter, v: Doorbell): void {
  n(w, K.id, v.id); n(w, K.csgMask, v.csgMask); n(w, K.csMask, v.csMask);
}

export function modeSwitchArgs(w: ArgWriter, v: ModeSwitch): void {
  e(w, K.from, GpuModeNames, v.from); e(w, K.to, GpuModeNames, v.to); e(w, K.cause, ModeSwitchCauseNames, v.cause);
  n(w, K.group, v.group); w.int(K.csg, v.csg); n(w, K.gpuStatus, v.gpuStatus);
}

export function jobArgs(w: ArgWriter, v: Job): void {
  n(w, K.group, v.group); w.int(K.queue, v.queue); n(w, K.seqno, v.seqno); e(w, K.phase, JobPhaseNames, v.phase);
  b(w, K.protRegion, v.protRegion); n(w, K.frame, v.frame);
  w.int(K.fenceError, v.fenceError);
  if (v.fenceError < 0) w.sym(K.fenceErrno, ERRNO_NAMES[-v.fenceError] ?? String(v.fenceError));
  n(w, K.gpuNs, v.gpuNs); n(w, K.pid, v.pid); n(w, K.deadlineNs, v.deadlineNs);
}

export function decisionArgs(w: ArgWriter, d: SchedDecision): void {
  decisionHead(w, d);
  decisionMiddle(w, d);
  decisionTail(w, d);
}

/** A decision's arguments in three parts: the tick; what repeats from tick to tick (args-cache.ts); the next tick and mode. */
export function decisionHead(w: ArgWriter, d: SchedDecision): void {
  n(w, K.tick, d.tick);
}

export function decisionMiddle(w: ArgWriter, d: SchedDecision): void {
  e(w, K.trigger, TickTriggerNames, d.trigger); b(w, K.fullTick, d.fullTick);
  if (d.inputs.length) {
    w.open(K.inputs, true);
    for (const r of d.inputs) {
      w.open(ENTRY, false);
      n(w, K.group, r.group); n(w, K.priority, r.priority); b(w, K.idle, r.idle); b(w, K.protmPending, r.protmPending);
      w.int(K.csgSlot, r.csgSlot); n(w, K.csgPriority, r.csgPriority); b(w, K.canRun, r.canRun); b(w, K.isProtected, r.isProtected);
      n(w, K.vmId, r.vmId); b(w, K.waiting, r.waiting);
      w.close();
    }
    w.close();
  }
  if (d.slots.length) {
    w.open(K.slots, true);
    for (const s of d.slots) {
      w.open(ENTRY, false);
      w.int(K.slot, s.slot); n(w, K.group, s.group); n(w, K.csgPriority, s.csgPriority); e(w, K.action, SlotActionNames, s.action);
      w.close();
    }
    w.close();
  }
  if (d.evicted.length) {
    w.open(K.evicted, true);
    for (const g of d.evicted) w.int(ENTRY, g);
    w.close();
  }
  e(w, K.protm, ProtmVerdictNames, d.protm); e(w, K.protmRule, SchedRuleNames, d.protmRule); n(w, K.protmGroup, d.protmGroup);
  if (d.reasons.length) {
    w.open(K.reasons, true);
    for (const r of d.reasons) {
      w.open(ENTRY, false);
      n(w, K.group, r.group); e(w, K.rule, SchedRuleNames, r.rule);
      w.close();
    }
    w.close();
  }
  n(w, K.freeAs, d.freeAs); b(w, K.timeslice, d.timeslice);
}

export function decisionTail(w: ArgWriter, d: SchedDecision): void {
  n(w, K.nextTickNs, d.nextTickNs); e(w, K.mode, GpuModeNames, d.mode);
}
