/**
 * Events as text: one readable line per event with the reference's names (formatEvent), every
 * field named (eventFields, for detail panes), and JSON with enum names as strings (eventToJson).
 * FW req/ack words are decoded into bit names (GLB_PROTM_ENTER, CSG_STATE_START, CS_PROTM_PENDING),
 * IRQ status words into their lines' bits, return codes into errno names (-EINVAL).
 */
import {
  IoctlCmdNames, DevQueryTypeNames, HeapOpNames, HeapKindNames, HeapPurposeNames, FwIfaceNames,
  FwReqKindNames, FwAckKindNames, IrqLineNames, GpuModeNames, ModeSwitchCauseNames, TickTriggerNames,
  SlotActionNames, ProtmVerdictNames, SchedRuleNames, GroupStateKindNames, BlockedReasonNames,
  JobPhaseNames, FaultKindNames, ResetKindNames, ResetPhaseNames, ResetCauseNames, ProbeStageNames,
  LogLevelNames, AsCommandNames, ProcessOpNames, WatchdogOpNames, PmOpNames, PmStateNames, PmOp, EglOpNames, TilerHeapOpNames, TilerHeapOp, VmOpNames, VmOp,
  FwIface, IrqLine, ProtmVerdict, assertUnreachable, ERRNO_NAMES, type BodyOf, type Event, type EventFamily, CSG_STATE_MASK, formatSize,
} from '../proto/index.js';
import { bitNames, stateName } from './fw-bits.js';
import { formatNs } from './time-text.js';
import { PIPELINE_ENUM_FIELDS, describePipeline, pipelineTypeNames } from './pipeline-format.js';

type Names = Readonly<Record<number, string>>;

// ───────────────────────────── value names ─────────────────────────────

const ERRNO: Names = ERRNO_NAMES;

/** "-EINVAL" for -22, "0" for 0, "-999" for an unknown errno, "5" for a positive value. */
export function errnoName(v: number): string {
  if (v >= 0) return String(v);
  const n = ERRNO[-v];
  return n ? `-${n}` : String(v);
}

const EXCEPTION: Names = {
  0x00: 'OK', 0x04: 'TERMINATED', 0x05: 'KABOOM', 0x06: 'EUREKA', 0x08: 'ACTIVE', 0x0f: 'CS_RES_TERM',
  0x40: 'CS_CONFIG_FAULT', 0x41: 'CS_UNRECOVERABLE', 0x44: 'CS_ENDPOINT_FAULT', 0x48: 'CS_BUS_FAULT',
  0x49: 'CS_INSTR_INVALID', 0x4a: 'CS_CALL_STACK_OVERFLOW', 0x50: 'INSTR_INVALID_PC',
  0x51: 'INSTR_INVALID_ENC', 0x55: 'INSTR_BARRIER_FAULT', 0x58: 'DATA_INVALID_FAULT',
  0x59: 'TILE_RANGE_FAULT', 0x5a: 'ADDR_RANGE_FAULT', 0x60: 'OOM', 0x68: 'CSF_FW_INTERNAL_ERROR',
  0x69: 'CSF_RES_EVICTION_TIMEOUT', 0x80: 'GPU_BUS_FAULT', 0xc0: 'TRANSLATION_FAULT_0',
};

export function exceptionName(v: number): string {
  return `${EXCEPTION[v] ?? 'EXCEPTION'}(0x${v.toString(16).padStart(2, '0')})`;
}

const GPU_IRQ_BITS: ReadonlyArray<[number, string]> = [
  [0, 'FAULT'], [1, 'PROTM_FAULT'], [8, 'RESET_COMPLETED'], [9, 'POWER_CHANGED'], [10, 'POWER_CHANGED_ALL'],
  [17, 'CLEAN_CACHES_COMPLETED'], [18, 'DOORBELL_MIRROR'], [19, 'MCU_STATUS_CHANGED'],
];

/** Names of the bits of a *_INT_STAT word for an IRQ line. */
export function irqBitNames(line: number, status: number): string[] {
  const out: string[] = [];
  let rest = status >>> 0;
  if (line === IrqLine.JOB_IRQ) {
    if (rest & 0x80000000) { out.push('GLOBAL_IF'); rest = (rest & 0x7fffffff) >>> 0; }
    for (let b = 0; b < 31; b++) if (rest & (1 << b)) out.push(`CSG_IF${b}`);
    return out;
  }
  if (line === IrqLine.GPU_IRQ) {
    for (const [b, n] of GPU_IRQ_BITS) if (rest & (1 << b)) { out.push(n); rest = (rest & ~(1 << b)) >>> 0; }
  } else if (line === IrqLine.MMU_IRQ) {
    for (let b = 0; b < 16; b++) if (rest & (1 << b)) { out.push(`AS${b}_PAGE_FAULT`); rest = (rest & ~(1 << b)) >>> 0; }
    for (let b = 16; b < 32; b++) if (rest & ((1 << b) >>> 0)) { out.push(`AS${b - 16}_BUS_FAULT`); rest = (rest & ~(1 << b)) >>> 0; }
  }
  for (let b = 0; rest !== 0 && b < 32; b++) {
    const m = (1 << b) >>> 0;
    if (rest & m) { out.push(`BIT${b}`); rest = (rest & ~m) >>> 0; }
  }
  return out;
}

/** Names of an FW req/ack word: the STATE field (CSG/CS) and the named bits. */
export function fwWordNames(iface: number, word: number, withState: boolean): string[] {
  const names = bitNames(iface, word);
  if (withState && iface !== FwIface.GLB) names.unshift(stateName(iface, word & CSG_STATE_MASK));
  return names;
}

/**
 * What an FW request asks for: the STATE value for a CSG/CS state request (a toggle touching the
 * state field, or a bare state write), then the named toggled/acknowledged bits.
 */
export function reqNames(v: { iface: number; kind: number; bits: number; state: number }): string[] {
  const names = bitNames(v.iface, v.bits);
  if (v.iface !== FwIface.GLB && v.kind === 0 && ((v.bits & CSG_STATE_MASK) !== 0 || v.bits === 0)) {
    names.unshift(stateName(v.iface, v.state));
  }
  return names;
}
/** FW acks name the same way (ACK_REQUEST of a state request names the state reached). */
const ackNames = reqNames;

function hex(v: number): string { return `0x${(v >>> 0).toString(16)}`; }
function hex64(v: number): string { return `0x${v.toString(16)}`; }

const size = formatSize;

function ifaceLabel(iface: number, csg: number, cs: number): string {
  return iface === FwIface.GLB ? 'GLB' : iface === FwIface.CSG ? `CSG${csg}` : `CS${csg}.${cs}`;
}

/** snake_case family name as in the .proto (`fw_req`, `mode_switch`). */
export function familyName(c: EventFamily): string {
  return c.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);
}

// ───────────────────────────── one line ─────────────────────────────

function name(t: Names, v: number): string { return t[v] ?? String(v); }

function describeIoctl(v: BodyOf<'ioctl'>): string {
  const parts = [name(IoctlCmdNames, v.cmd), `pid=${v.pid}`, `fd=${v.fd}`];
  if (v.request) parts.push(`request=${hex(v.request)}`);
  const a = v.args;
  switch (a.case) {
    case 'groupSubmit': {
      parts.push(`group=${a.value.groupHandle}`);
      for (const q of a.value.queueSubmits) {
        parts.push(`q${q.queueIndex}:seqno=${q.jobSeqno}${q.protRegion ? ',PROT_REGION' : ''}${q.frame ? `,frame=${q.frame}` : ''}${q.streamSize ? `,size=${q.streamSize}` : ''}`);
      }
      break;
    }
    case 'groupCreate': {
      const g = a.value;
      parts.push(`group=${g.groupHandle}`, `priority=${g.priority}`, `queues=${g.queues.length}`, `vm=${g.vmId}`);
      if (g.flags & 1) parts.push('PROTECTED');
      break;
    }
    case 'groupDestroy': parts.push(`group=${a.value.groupHandle}`); break;
    case 'groupGetState': parts.push(`group=${a.value.groupHandle}`, `state=${hex(a.value.state)}`, `fatal_queues=${hex(a.value.fatalQueues)}`); break;
    case 'devQuery': {
      const q = a.value;
      parts.push(name(DevQueryTypeNames, q.type), `size=${q.size}`);
      if (q.protectedFeatures) parts.push(`features=${hex(q.protectedFeatures)}`);
      break;
    }
    case 'vmCreate': parts.push(`vm=${a.value.id}`, `va_range=${hex64(a.value.userVaRange)}`); break;
    case 'vmDestroy': parts.push(`vm=${a.value.id}`); break;
    case 'vmBind': parts.push(`vm=${a.value.vmId}`, `ops=${a.value.ops.length}`); break;
    case 'vmGetState': parts.push(`vm=${a.value.vmId}`, `state=${a.value.state === 0 ? 'USABLE' : 'UNUSABLE'}`); break;
    case 'boCreate': parts.push(`handle=${a.value.handle}`, `size=${size(a.value.size)}`, `flags=${hex(a.value.flags)}`); break;
    case 'boMmapOffset': parts.push(`handle=${a.value.handle}`); break;
    case 'boSetLabel': parts.push(`handle=${a.value.handle}`, JSON.stringify(a.value.label)); break;
    case 'boQueryInfo': parts.push(`handle=${a.value.handle}`, `extra_flags=${hex(a.value.extraFlags)}`); break;
    case 'tilerHeapCreate': parts.push(`vm=${a.value.vmId}`, `handle=${a.value.handle}`); break;
    case 'tilerHeapDestroy': parts.push(`handle=${a.value.handle}`); break;
    case 'primeFdToHandle': parts.push(`fd=${a.value.fd}`, `handle=${a.value.handle}`); break;
    case 'primeHandleToFd': parts.push(`handle=${a.value.handle}`, `fd=${a.value.fd}`); break;
    case 'syncobjCreate': parts.push(`handle=${a.value.handle}`); break;
    case 'syncobjDestroy': parts.push(`handle=${a.value.handle}`); break;
    case 'syncobjWait': parts.push(`handles=[${a.value.handles.join(',')}]`); break;
    case 'dmaHeapAlloc': {
      const d = a.value;
      parts.push(`heap=${d.heap}`, `len=${size(d.len)}`, `fd_flags=${hex(d.fdFlags)}`);
      if (d.heapFlags) parts.push(`heap_flags=${hex64(d.heapFlags)}`);
      if (d.bufferId) parts.push(`buf=${d.bufferId}`);
      break;
    }
    case 'setUserMmioOffset': parts.push(`offset=${hex64(a.value.offset)}`); break;
    case undefined: break;
    default: assertUnreachable(a);
  }
  parts.push(`ret=${errnoName(v.ret)}`);
  if (v.durationNs) parts.push(`took=${formatNs(v.durationNs)}`);
  return parts.join(' ');
}

function describeHeap(v: BodyOf<'heap'>): string {
  const parts = [name(HeapOpNames, v.op)];
  if (v.heapName) parts.push(`heap=${v.heapName}`);
  if (v.op === 0) parts.push(name(HeapKindNames, v.kind));
  if (v.size) parts.push(`size=${size(v.size)}`);
  if (v.bufferId) parts.push(`buf=${v.bufferId}`);
  if (v.purpose) parts.push(name(HeapPurposeNames, v.purpose));
  parts.push(v.callerPid ? `pid=${v.callerPid}` : 'kernel');
  if (v.groupHandle) parts.push(`group=${v.groupHandle}`);
  if (v.latencyNs) parts.push(`latency=${formatNs(v.latencyNs)}`);
  if (v.device) parts.push(`gpu=${v.device}`);
  parts.push(`ret=${errnoName(v.result)}`, `ref=${v.refcount}`);
  return parts.join(' ');
}

function describeFwReq(v: BodyOf<'fwReq'>): string {
  const parts = [ifaceLabel(v.iface, v.csg, v.cs), name(FwReqKindNames, v.kind)];
  const names = reqNames(v);
  if (names.length) parts.push(names.join('|'));
  if (v.group) parts.push(`group=${v.group}`);
  if (v.endpointPriority) parts.push(`ep_prio=${v.endpointPriority}`);
  if (v.protmSuspendBuf) parts.push(`protm_suspend_buf=${hex64(v.protmSuspendBuf)}`);
  if (v.ringbufInsert) parts.push(`insert=${v.ringbufInsert}`);
  parts.push(`req=${hex(v.req)}`);
  return parts.join(' ');
}

function describeFwAck(v: BodyOf<'fwAck'>): string {
  const parts = [ifaceLabel(v.iface, v.csg, v.cs), name(FwAckKindNames, v.kind)];
  const names = ackNames(v);
  if (names.length) parts.push(names.join('|'));
  if (v.group) parts.push(`group=${v.group}`);
  if (v.statusWait) parts.push(`status_wait=${hex(v.statusWait)}`);
  if (v.blockedReason) parts.push(name(BlockedReasonNames, v.blockedReason));
  if (v.haltStatus) parts.push(`halt_status=${hex(v.haltStatus)}`);
  parts.push(`ack=${hex(v.ack)}`);
  return parts.join(' ');
}

function describeFwIrq(v: BodyOf<'fwIrq'>): string {
  const bits = irqBitNames(v.line, v.status);
  return `${name(IrqLineNames, v.line)} ${bits.join('|') || '0'} status=${hex(v.status)}${v.masked ? ' masked' : ''}`;
}

function describeDoorbell(v: BodyOf<'doorbell'>): string {
  const parts = [`id=${v.id}`];
  if (v.csgMask) parts.push(`csg_mask=${hex(v.csgMask)}`);
  if (v.csMask) parts.push(`cs_mask=${hex(v.csMask)}`);
  return parts.join(' ');
}

function describeModeSwitch(v: BodyOf<'modeSwitch'>): string {
  const parts = [`${name(GpuModeNames, v.from)} -> ${name(GpuModeNames, v.to)}`, name(ModeSwitchCauseNames, v.cause)];
  if (v.group) parts.push(`group=${v.group}`, `csg=${v.csg}`);
  if (v.gpuStatus) parts.push(`gpu_status=${hex64(v.gpuStatus)}`);
  return parts.join(' ');
}

function describeDecision(v: BodyOf<'decision'>): string {
  const parts = [`tick=${v.tick}`, name(TickTriggerNames, v.trigger)];
  if (v.fullTick) parts.push('full');
  const slots = v.slots.filter((s) => s.group !== 0 || s.action !== 0)
    .map((s) => `${s.slot}:g${s.group}/${s.csgPriority}:${name(SlotActionNames, s.action).replace('SLOT_', '')}`);
  parts.push(`slots=[${slots.join(' ')}]`);
  if (v.evicted.length) parts.push(`evicted=[${v.evicted.join(',')}]`);
  if (v.protm !== ProtmVerdict.PROTM_NONE || v.protmRule) {
    parts.push(`${name(ProtmVerdictNames, v.protm)}${v.protmGroup ? `(group=${v.protmGroup})` : ''}`);
    if (v.protmRule) parts.push(name(SchedRuleNames, v.protmRule));
  }
  if (v.timeslice) parts.push('timeslice');
  parts.push(name(GpuModeNames, v.mode));
  return parts.join(' ');
}

function describeGroupState(v: BodyOf<'groupState'>): string {
  const parts = [`group=${v.group}`, `${name(GroupStateKindNames, v.from)} -> ${name(GroupStateKindNames, v.to)}`,
    `csg=${v.csgSlot}`, `prio=${v.priority}`];
  if (v.isProtected) parts.push('protected');
  if (v.protmPendingQueues) parts.push(`protm_pending=${hex(v.protmPendingQueues)}`);
  if (v.timedout) parts.push('TIMEDOUT');
  if (v.fatalQueues) parts.push(`fatal_queues=${hex(v.fatalQueues)}`);
  if (v.innocent) parts.push('INNOCENT');
  return parts.join(' ');
}

function describeQueueState(v: BodyOf<'queueState'>): string {
  const parts = [`group=${v.group}`, `queue=${v.queue}`, name(BlockedReasonNames, v.blocked), `insert=${v.insert}`, `extract=${v.extract}`];
  if (v.protmPending) parts.push('protm_pending');
  if (v.idle) parts.push('idle');
  if (v.fatal) parts.push('fatal');
  return parts.join(' ');
}

function describeJob(v: BodyOf<'job'>): string {
  const parts = [name(JobPhaseNames, v.phase), `group=${v.group}`, `queue=${v.queue}`, `seqno=${v.seqno}`];
  if (v.protRegion) parts.push('PROT_REGION');
  if (v.frame) parts.push(`frame=${v.frame}`);
  if (v.gpuNs) parts.push(`gpu=${formatNs(v.gpuNs)}`);
  if (v.fenceError) parts.push(`fence=${errnoName(v.fenceError)}`);
  if (v.deadlineNs) parts.push(`deadline=${formatNs(v.deadlineNs)}`);
  return parts.join(' ');
}

function describeFault(v: BodyOf<'fault'>): string {
  const parts = [name(FaultKindNames, v.kind)];
  if (v.exceptionType) parts.push(exceptionName(v.exceptionType));
  if (v.group) parts.push(`group=${v.group}`, `queue=${v.queue}`);
  if (v.data) parts.push(`data=${hex64(v.data)}`);
  if (v.injected) parts.push('injected');
  return parts.join(' ');
}

function describeReset(v: BodyOf<'reset'>): string {
  const parts = [name(ResetKindNames, v.kind), name(ResetPhaseNames, v.phase), name(ResetCauseNames, v.cause), `count=${v.resetCount}`];
  if (v.phase === 1) parts.push(v.success ? 'ok' : 'FAILED');
  if (v.protectedSectionsLoaded) parts.push('prot_sections_loaded');
  return parts.join(' ');
}

function describeProbe(v: BodyOf<'probe'>): string {
  const parts = [name(ProbeStageNames, v.stage)];
  if (v.device) parts.push(`gpu=${v.device}`);
  // the heap name and where it came from matter at the start, the name read and the lookup only
  const early = v.stage === 0 || v.stage === 1 || v.stage === 2 || v.stage === 35 || v.stage === 36;
  if (v.stage === 35) parts.push(v.nameSet ? `name="${v.heapName}"` : 'name unset');
  if (v.heapName && early) parts.push(`heap=${v.heapName}`);
  if (v.heapNameSource && early) parts.push(`from=${v.heapNameSource}`);
  if (v.attempt > 1 || (v.attempt && early)) parts.push(`attempt=${v.attempt}`);
  if (v.sectionFlags) parts.push(`section_flags=${hex(v.sectionFlags)}${v.sectionFlags & (1 << 5) ? '(PROT)' : ''}`);
  if (v.size) parts.push(`size=${size(v.size)}`);
  if (v.skipped) parts.push('skipped');
  if (v.fwVersion) parts.push(`fw=${v.fwVersion >>> 24}.${(v.fwVersion >>> 16) & 0xff}.${v.fwVersion & 0xffff}`);
  if (v.csgSlotCount) parts.push(`csg_slots=${v.csgSlotCount}`);
  if (v.asCount) parts.push(`as=${v.asCount}`);
  parts.push(`ret=${errnoName(v.result)}`);
  return parts.join(' ');
}

function describeLog(v: BodyOf<'log'>): string {
  return `${name(LogLevelNames, v.level)} ${v.source ? `${v.source}: ` : ''}${v.msg}`;
}

function describeMmu(v: BodyOf<'mmu'>): string {
  return `${name(AsCommandNames, v.cmd)} as=${v.asNr} vm=${v.vmId}${v.region ? ` region=${hex64(v.region)}` : ''}${v.gpuProtected ? ' GPU_PROTECTED' : ''}${v.pid ? ` thread=ioctl:${v.pid}` : ''}`;
}

function describeTilerHeap(v: BodyOf<'tilerHeap'>): string {
  const parts = [name(TilerHeapOpNames, v.op), `group=${v.group}`, `queue=${v.queue}`];
  if (v.handle) parts.push(`heap=${hex(v.handle)}`);
  parts.push(`vm=${v.vmId}`);
  if (v.maxChunks) parts.push(`chunks=${v.chunkCount}/${v.maxChunks}`);
  if (v.op !== TilerHeapOp.HEAP_OOM_SKIPPED) parts.push(`in_flight=${v.renderpassesInFlight}${v.targetInFlight ? `/${v.targetInFlight}` : ''}`, `pending_frag=${v.pendingFragCount}`);
  if (v.chunkVa) parts.push(`chunk=${hex64(v.chunkVa)}`);
  if (v.op === TilerHeapOp.HEAP_OOM_ACK && !v.chunkVa) parts.push('chunk=NULL');
  if (v.result) parts.push(`ret=${errnoName(v.result)}`);
  return parts.join(' ');
}

function describeVm(v: BodyOf<'vm'>): string {
  const parts = [name(VmOpNames, v.op), `as=${v.asNr}`, `vm=${v.vmId}`];
  if (v.evictedVmId) parts.push(`evicted_vm=${v.evictedVmId}`);
  if (v.op === VmOp.AS_FAULT) parts.push(`addr=${hex64(v.faultAddress)}`, `status=${hex(v.faultStatus)}`);
  if (v.op === VmOp.VM_OP_BEGIN || v.op === VmOp.VM_OP_END) parts.push(`thread=${v.pid ? `ioctl:${v.pid}` : 'kworker'}`);
  if (v.gpuProtected) parts.push('GPU_PROTECTED');
  if (v.lockWaitNs) parts.push(`lock_wait=${formatNs(v.lockWaitNs)}`);
  if (v.op === VmOp.AS_IDLE || v.op === VmOp.AS_ASSIGN) parts.push(`lru=${v.lruLen}`);
  return parts.join(' ');
}

function describeProcess(v: BodyOf<'process'>): string {
  const parts = [name(ProcessOpNames, v.op), `pid=${v.pid}`];
  if (v.comm) parts.push(`comm=${v.comm}`);
  if (v.appKind) parts.push(`kind=${v.appKind}`);
  if (v.path) parts.push(`path=${v.path}`);
  if (v.op === 2 || v.op === 3 || v.fd) parts.push(`fd=${errnoName(v.fd)}`);
  if (v.privileged) parts.push('privileged');
  return parts.join(' ');
}

function describeWatchdog(v: BodyOf<'watchdog'>): string {
  return `${name(WatchdogOpNames, v.op)}${v.gpuProtected ? ' GPU_PROTECTED' : ''}`;
}

function describePm(v: BodyOf<'pm'>): string {
  const parts = [name(PmOpNames, v.op), `state=${name(PmStateNames, v.state)}`];
  if (v.op === PmOp.PM_RESUME_BEGIN || v.op === PmOp.PM_RESUMED || v.op === PmOp.PM_SUSPENDED) parts.push(v.fast ? 'fast' : 'slow');
  if (v.resetPending) parts.push('reset_pending');
  if (v.op === PmOp.PM_RESUMED || v.op === PmOp.PM_RESUME_FAILED) parts.push(`ret=${errnoName(v.result)}`);
  if (v.autosuspendAt) parts.push(`autosuspend_at=${formatNs(Number(v.autosuspendAt))}`);
  if (v.gpuProtected) parts.push('GPU_PROTECTED');
  return parts.join(' ');
}

function describeEgl(v: BodyOf<'egl'>): string {
  const parts = [name(EglOpNames, v.op), `pid=${v.pid}`];
  if (v.context) parts.push(`ctx=${v.context}`);
  if (v.draw) parts.push(v.op === 2 ? `draw=${v.draw}` : `surface=${v.draw}`);
  if (v.read) parts.push(`read=${v.read}`);
  if (v.protectedContent) parts.push('EGL_PROTECTED_CONTENT_EXT');
  if (v.groupHandle) parts.push(`group=${v.groupHandle}`);
  if (v.buffers) parts.push(`buffers=${v.buffers}`);
  parts.push(eglErrorName(v.error));
  return parts.join(' ');
}

/** The body of the line (after "#i time family"). */
function describe(ev: Event): string {
  const b = ev.body;
  switch (b.case) {
    case 'ioctl': return describeIoctl(b.value);
    case 'heap': return describeHeap(b.value);
    case 'fwReq': return describeFwReq(b.value);
    case 'fwAck': return describeFwAck(b.value);
    case 'fwIrq': return describeFwIrq(b.value);
    case 'doorbell': return describeDoorbell(b.value);
    case 'modeSwitch': return describeModeSwitch(b.value);
    case 'decision': return describeDecision(b.value);
    case 'groupState': return describeGroupState(b.value);
    case 'queueState': return describeQueueState(b.value);
    case 'job': return describeJob(b.value);
    case 'fault': return describeFault(b.value);
    case 'reset': return describeReset(b.value);
    case 'probe': return describeProbe(b.value);
    case 'log': return describeLog(b.value);
    case 'mmu': return describeMmu(b.value);
    case 'tilerHeap': return describeTilerHeap(b.value);
    case 'vm': return describeVm(b.value);
    case 'process': return describeProcess(b.value);
    case 'watchdog': return describeWatchdog(b.value);
    case 'pm': return describePm(b.value);
    case 'egl': return describeEgl(b.value);
    case 'heapChoice': case 'devImport': case 'fence': case 'scanout': return describePipeline(b);
    case undefined: return '(unknown event: newer schema)';
    default: return assertUnreachable(b);
  }
}

/**
 * One line: "#1234 12.500ms fw_req CSG1 REQ_TOGGLE CSG_STATE_START group=3 ep_prio=15 req=0x1 <-#1230".
 * The trailing "<-#n" names the event that caused this one.
 */
export function formatEvent(ev: Event, index: number): string {
  const fam = ev.body.case === undefined ? 'unknown' : familyName(ev.body.case);
  const cause = ev.cause ? ` <-#${index - ev.cause}` : '';
  return `#${index} ${formatNs(ev.t)} ${fam} ${describe(ev)}${cause}`;
}

// ───────────────────────────── fields and JSON ─────────────────────────────

/** Fields shown by value name, per message (by the name the converters know it: family case or field name), by TS field name. */
export const ENUM_FIELDS: Readonly<Record<string, Readonly<Record<string, Names>>>> = {
  ioctl: { cmd: IoctlCmdNames },
  devQuery: { type: DevQueryTypeNames },
  heap: { op: HeapOpNames, kind: HeapKindNames, purpose: HeapPurposeNames },
  fwReq: { iface: FwIfaceNames, kind: FwReqKindNames },
  fwAck: { iface: FwIfaceNames, kind: FwAckKindNames, blockedReason: BlockedReasonNames },
  fwIrq: { line: IrqLineNames },
  modeSwitch: { from: GpuModeNames, to: GpuModeNames, cause: ModeSwitchCauseNames },
  decision: { trigger: TickTriggerNames, protm: ProtmVerdictNames, protmRule: SchedRuleNames, mode: GpuModeNames },
  slots: { action: SlotActionNames },
  reasons: { rule: SchedRuleNames },
  groupState: { from: GroupStateKindNames, to: GroupStateKindNames },
  queueState: { blocked: BlockedReasonNames },
  job: { phase: JobPhaseNames },
  fault: { kind: FaultKindNames },
  reset: { kind: ResetKindNames, phase: ResetPhaseNames, cause: ResetCauseNames },
  probe: { stage: ProbeStageNames },
  log: { level: LogLevelNames },
  mmu: { cmd: AsCommandNames },
  process: { op: ProcessOpNames },
  watchdog: { op: WatchdogOpNames },
  pm: { op: PmOpNames, state: PmStateNames },
  egl: { op: EglOpNames },
  ...PIPELINE_ENUM_FIELDS,
  tilerHeap: { op: TilerHeapOpNames },
  vm: { op: VmOpNames },
};

/**
 * Signed fields that hold 0 or -errno, per message, with the key of the errno name beside them in
 * the event JSON (ioctl `ret: -22, errno: "EINVAL"`).
 */
export const ERRNO_FIELDS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  ioctl: { ret: 'errno' }, heap: { result: 'errno' }, probe: { result: 'errno' }, job: { fenceError: 'fence_errno' },
  pm: { result: 'errno' }, heapChoice: { result: 'errno' }, devImport: { result: 'errno' }, tilerHeap: { result: 'errno' },
};

/** Families whose event JSON carries `names`: the decoded bit names of their req/ack/status word. */
export const NAMED_BIT_FAMILIES: readonly EventFamily[] = ['fwReq', 'fwAck', 'fwIrq'];

/** A decoded message as named fields (for eventFields): enums and errnos as names, oneofs flattened. */
function toJson(ctx: string, v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => toJson(ctx, x));
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  const o = v as Record<string, unknown>;
  if ('case' in o && Object.keys(o).length <= 2) {
    // a oneof: { case, value } → { [case]: value }
    if (o.case === undefined) return undefined;
    return { [o.case as string]: toJson(o.case as string, o.value) };
  }
  const enums = ENUM_FIELDS[ctx];
  const errnos = ERRNO_FIELDS[ctx];
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) {
    const en = enums?.[k];
    if (en !== undefined && typeof x === 'number') { out[k] = en[x] ?? x; continue; }
    if (errnos?.[k] !== undefined && typeof x === 'number') { out[k] = errnoName(x); continue; }
    if (k === 'args' && typeof x === 'object' && x !== null) {
      const j = toJson(ctx, x);
      if (j !== undefined) out.args = j;
      continue;
    }
    out[k] = toJson(typeof x === 'object' ? k : ctx, x);
  }
  return out;
}

/** Version of the event JSON (`schemas/event.v1.json`); bumped when a key changes meaning or goes. */
export const EVENT_JSON_SCHEMA = 'csftrace.event/1';

const snakeCache = new Map<string, string>();
/** `durationNs` → `duration_ns`: the field's name in csftrace.proto. */
function protoName(k: string): string {
  let s = snakeCache.get(k);
  if (s === undefined) { s = k.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`); snakeCache.set(k, s); }
  return s;
}

/**
 * A decoded message as jq-friendly JSON: keys are csftrace.proto's field names, every scalar field
 * present (proto3 defaults filled in), enums as names, oneofs as `{ <case>: {...} }`, errno fields
 * as numbers with the errno name beside them (`ret: -22, errno: "EINVAL"`). Absent sub-messages
 * are left out.
 */
function toEventJson(ctx: string, v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => toEventJson(ctx, x));
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  const o = v as Record<string, unknown>;
  const enums = ENUM_FIELDS[ctx];
  const errnos = ERRNO_FIELDS[ctx];
  const out: Record<string, unknown> = {};
  for (const k in o) {
    const x = o[k];
    if (x === undefined) continue;
    const en = enums?.[k];
    if (en !== undefined && typeof x === 'number') { out[protoName(k)] = en[x] ?? x; continue; }
    const sibling = errnos?.[k];
    if (sibling !== undefined && typeof x === 'number') {
      out[protoName(k)] = x;
      out[sibling] = x < 0 ? ERRNO[-x] ?? null : null;
      continue;
    }
    if (typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Uint8Array) && 'case' in x) {
      // a oneof field: { case, value } → { <case>: value }, null when unset
      const one = x as { case?: string; value?: unknown };
      out[protoName(k)] = one.case === undefined ? null : { [protoName(one.case)]: toEventJson(one.case, one.value) };
      continue;
    }
    out[protoName(k)] = toEventJson(typeof x === 'object' ? k : ctx, x);
  }
  return out;
}

/**
 * JSON of an event: `{ index, t, type, cause_index, <type>: { fields } }` where `type` is the
 * family's field name in csftrace.proto (`fw_req`) and the payload sits under the same key, so
 * `.[.type]` is the payload of every event. `t` is virtual nanoseconds; `cause_index` is the index
 * of the event that caused this one, or null. See {@link toEventJson} for the payload.
 */
export function eventToJson(ev: Event, index: number): object {
  const c = ev.body.case;
  const type = c === undefined ? 'unknown' : familyName(c);
  const out: Record<string, unknown> = { index, t: ev.t, type, cause_index: ev.cause ? index - ev.cause : null };
  if (c !== undefined) {
    const body = toEventJson(c, ev.body.value) as Record<string, unknown>;
    const b = ev.body;
    if (b.case === 'fwReq' || b.case === 'fwAck') body.names = reqNames(b.value);
    else if (b.case === 'fwIrq') body.names = irqBitNames(b.value.line, b.value.status);
    out[type] = body;
  }
  return out;
}

function flatten(prefix: string, v: unknown, out: Array<[string, string]>): void {
  if (v === undefined) return; // an absent sub-message
  if (Array.isArray(v)) {
    if (v.length === 0) { out.push([prefix, '[]']); return; }
    v.forEach((x, i) => flatten(`${prefix}[${i}]`, x, out));
    return;
  }
  if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) flatten(prefix ? `${prefix}.${k}` : k, x, out);
    return;
  }
  out.push([prefix, String(v)]);
}

/**
 * Every field of an event, named ("t", "job.phase", "decision.slots[0].action", ...), enum values
 * as names, FW words with their decoded bit names.
 */
export function eventFields(ev: Event): Array<[string, string]> {
  const out: Array<[string, string]> = [['t', `${formatNs(ev.t)} (${ev.t} ns)`], ['cause', String(ev.cause)]];
  const c = ev.body.case;
  if (c === undefined) return out;
  flatten(c, toJson(c, ev.body.value), out);
  const b = ev.body;
  if (b.case === 'fwReq' || b.case === 'fwAck') {
    const v = b.value;
    const word = b.case === 'fwReq' ? b.value.req : b.value.ack;
    out.push([`${c}.bitNames`, fwWordNames(v.iface, v.bits, false).join('|')]);
    out.push([`${c}.${b.case === 'fwReq' ? 'req' : 'ack'}Names`, fwWordNames(v.iface, word, true).join('|')]);
  } else if (b.case === 'fwIrq') {
    out.push([`${c}.statusNames`, irqBitNames(b.value.line, b.value.status).join('|')]);
  }
  return out;
}

/**
 * Names an event answers to in `--type` filters: its family (`job`, `fw_req`, `fwReq`) and its
 * main kind (`GROUP_SUBMIT`, `JOB_DONE`, `DMA_HEAP_BUFFER_ALLOC`, `GLB_PROTM_ENTER`, ...).
 */
export function eventTypeNames(ev: Event): string[] {
  const b = ev.body;
  if (b.case === undefined) return ['unknown'];
  const out = [b.case, familyName(b.case)];
  switch (b.case) {
    case 'ioctl': out.push(name(IoctlCmdNames, b.value.cmd)); break;
    case 'heap': out.push(name(HeapOpNames, b.value.op)); break;
    case 'fwReq': out.push(...reqNames(b.value), name(FwIfaceNames, b.value.iface)); break;
    case 'fwAck': out.push(...ackNames(b.value), name(FwIfaceNames, b.value.iface)); break;
    case 'fwIrq': out.push(name(IrqLineNames, b.value.line), ...irqBitNames(b.value.line, b.value.status)); break;
    case 'modeSwitch': out.push(name(GpuModeNames, b.value.to), name(ModeSwitchCauseNames, b.value.cause)); break;
    case 'decision': out.push(name(TickTriggerNames, b.value.trigger), name(ProtmVerdictNames, b.value.protm)); break;
    case 'groupState': out.push(name(GroupStateKindNames, b.value.to)); break;
    case 'queueState': out.push(name(BlockedReasonNames, b.value.blocked)); break;
    case 'job': out.push(name(JobPhaseNames, b.value.phase)); break;
    case 'fault': out.push(name(FaultKindNames, b.value.kind)); break;
    case 'reset': out.push(name(ResetKindNames, b.value.kind), name(ResetPhaseNames, b.value.phase), name(ResetCauseNames, b.value.cause)); break;
    case 'probe': out.push(name(ProbeStageNames, b.value.stage)); break;
    case 'log': out.push(name(LogLevelNames, b.value.level)); break;
    case 'mmu': out.push(name(AsCommandNames, b.value.cmd)); break;
    case 'process': out.push(name(ProcessOpNames, b.value.op)); break;
    case 'watchdog': out.push(name(WatchdogOpNames, b.value.op)); break;
    case 'pm': out.push(name(PmOpNames, b.value.op), name(PmStateNames, b.value.state)); break;
    case 'egl': out.push(name(EglOpNames, b.value.op), eglErrorName(b.value.error)); break;
    case 'doorbell': break;
    case 'heapChoice': case 'devImport': case 'fence': case 'scanout': out.push(...pipelineTypeNames(b)); break;
    case 'tilerHeap': out.push(name(TilerHeapOpNames, b.value.op)); break;
    case 'vm': out.push(name(VmOpNames, b.value.op)); break;
    default: assertUnreachable(b);
  }
  return out;
}

/** EGL error codes (eglGetError) by value: the ones the EGL model returns. */
export const EGL_ERROR_NAMES: Readonly<Record<number, string>> = {
  0x3000: 'EGL_SUCCESS', 0x3001: 'EGL_NOT_INITIALIZED', 0x3002: 'EGL_BAD_ACCESS', 0x3003: 'EGL_BAD_ALLOC',
  0x3004: 'EGL_BAD_ATTRIBUTE', 0x3006: 'EGL_BAD_CONTEXT', 0x3009: 'EGL_BAD_MATCH', 0x300d: 'EGL_BAD_SURFACE',
};

/** "EGL_BAD_ACCESS" for 0x3002; "EGL error 0x..." for others (0 reads as EGL_SUCCESS: proto3 default). */
export function eglErrorName(e: number): string {
  if (e === 0) return 'EGL_SUCCESS';
  return EGL_ERROR_NAMES[e] ?? `EGL error 0x${e.toString(16)}`;
}
