/**
 * The invariants of reference §6, one CheckRule each (R19 splits into its three checks). Each rule
 * reads the events its invariant is about and the replayed state; rules that need a memory of their
 * own (pending enters, exits, acks) keep it in their instance. Wording of the messages follows the
 * kernel's names so that a finding reads like a review comment on the trace.
 */
import {
  AsCommand, DevQueryType, FaultKind, FwAckKind, FwIface, FwReqKind, GpuMode, GpuModeNames, GroupStateKind, HeapOp, HeapPurpose,
  HeapPurposeNames, IoctlCmd, IrqLine, ModeSwitchCause, ModeSwitchCauseNames, ProbeStage, ProtmVerdict, ResetPhase,
  SlotAction, WatchdogOp, type Event, type FwRequest, type RunQueueEntry, type SlotAssign, CS_PROTM_PENDING, CSF_FW_BINARY_IFACE_ENTRY_PROT, CSG_STATE_RESUME,
  CSG_STATE_START, CSG_STATE_SUSPEND, CSG_STATE_TERMINATE, DRM_PANTHOR_GROUP_CREATE_PROTECTED, GLB_PROTM_ENTER,
  EINVAL, GLB_PROTM_EXIT, GPU_IRQ_PROTM_FAULT, GROUP_PRIORITY_NAMES, MAX_CSG_PRIO, MAX_GROUPS_PER_POOL,
  PANTHOR_GROUP_PRIORITY_HIGH, PANTHOR_GROUP_PRIORITY_REALTIME,
} from '../../proto/index.js';
import { isStateRequest } from '../handlers/fw.js';
import type { ReplayState } from '../state.js';
import { formatNs } from '../time-text.js';
import type { CheckContext, CheckFamily, CheckRule, RuleInstance } from './engine.js';
import { checkRuleWords, type CheckRuleId } from '../rule-text.js';
import { movingDeadline } from './timers.js';
import { LIVENESS_RULES } from './liveness.js';
import { PM_RULES } from './pm-rules.js';
import { HEAP_LIFETIME_RULES } from './heap-lifetime.js';
import { PIPELINE_RULES } from './pipeline.js';
import { OOM_RULES } from './rules-oom.js';

const MS = 1_000_000;
/** Reference timeouts (§3.1, §4.2, §4.3). */
export const TIMEOUTS = {
  protmEnterAck: 4000 * MS,
  protmActive: 500 * MS,
  forcedExit: 500 * MS,
  forcedExitGrace: 5 * MS,
  csgAck: 100 * MS,
  protmExitAck: 100 * MS,
  tickAfterExit: 100 * MS,
  faultReset: 1000 * MS,
  bufferRelease: 1000 * MS,
  /** Allowance between a timeout expiring and the reset it queues being traced. */
  slack: 100 * MS,
} as const;

// the generated name tables have a name for every value of their enum
const MODE = {
  NORMAL: GpuModeNames[GpuMode.MODE_NORMAL]!, PROTECTED: GpuModeNames[GpuMode.MODE_PROTECTED]!,
  ENTERING: GpuModeNames[GpuMode.MODE_ENTERING]!, EXITING: GpuModeNames[GpuMode.MODE_EXITING]!,
};
const KERNEL_PROTECTED_PURPOSES: readonly string[] = [
  HeapPurposeNames[HeapPurpose.PURPOSE_FW_PROT_SECTION]!, HeapPurposeNames[HeapPurpose.PURPOSE_PROTM_SUSPEND_BUF]!,
  HeapPurposeNames[HeapPurpose.PURPOSE_PROTECTED_BO]!,
];
const GROUP = {
  CREATED: 'PANTHOR_CS_GROUP_CREATED', SUSPENDED: 'PANTHOR_CS_GROUP_SUSPENDED',
  TERMINATED: 'PANTHOR_CS_GROUP_TERMINATED', UNKNOWN: 'PANTHOR_CS_GROUP_UNKNOWN_STATE',
};

// ───────────────────────────── event predicates ─────────────────────────────

function fwReq(ev: Event, iface: number, kind: number, bit: number): FwRequest | undefined {
  const b = ev.body;
  if (b.case !== 'fwReq') return undefined;
  const r = b.value;
  return r.iface === iface && r.kind === kind && (r.bits & bit) !== 0 ? r : undefined;
}
const isEnterToggle = (ev: Event): boolean => fwReq(ev, FwIface.GLB, FwReqKind.REQ_TOGGLE, GLB_PROTM_ENTER) !== undefined;
const isPendingAck = (ev: Event): FwRequest | undefined => fwReq(ev, FwIface.CS, FwReqKind.REQ_EVENT_ACK, CS_PROTM_PENDING);
const isExitAck = (ev: Event): boolean => fwReq(ev, FwIface.GLB, FwReqKind.REQ_EVENT_ACK, GLB_PROTM_EXIT) !== undefined;
function fwAckBit(ev: Event, iface: number, kind: number, bit: number): boolean {
  const b = ev.body;
  return b.case === 'fwAck' && b.value.iface === iface && b.value.kind === kind && (b.value.bits & bit) !== 0;
}
const isEnterAck = (ev: Event): boolean => fwAckBit(ev, FwIface.GLB, FwAckKind.ACK_REQUEST, GLB_PROTM_ENTER);
const isExitEvent = (ev: Event): boolean => fwAckBit(ev, FwIface.GLB, FwAckKind.ACK_EVENT, GLB_PROTM_EXIT);
/** A CSG START/RESUME request: the group is put on a slot. */
function csgStart(ev: Event): FwRequest | undefined {
  const b = ev.body;
  if (b.case !== 'fwReq') return undefined;
  const r = b.value;
  if (r.iface !== FwIface.CSG || r.kind !== FwReqKind.REQ_TOGGLE || !isStateRequest(r.iface, r.bits)) return undefined;
  return r.state === CSG_STATE_START || r.state === CSG_STATE_RESUME ? r : undefined;
}
function isReset(ev: Event, phase: number): boolean {
  return ev.body.case === 'reset' && ev.body.value.phase === phase;
}
function modeTo(ev: Event): number | undefined {
  return ev.body.case === 'modeSwitch' ? ev.body.value.to : undefined;
}
/** A slot a decision keeps a group on (not suspended, terminated or emptied). */
function isResident(a: SlotAssign): boolean {
  return !!a.group && a.action !== SlotAction.SLOT_SUSPEND && a.action !== SlotAction.SLOT_TERMINATE && a.action !== SlotAction.SLOT_EMPTY;
}
const isProtectedMode = (m: string): boolean => m === MODE.PROTECTED || m === MODE.ENTERING;
const at = (i: number): string => `#${i}`;
const groupName = (s: ReplayState, g: number): string => {
  const r = s.groups[g];
  return r && r.app ? `group ${g} (${r.app})` : `group ${g}`;
};

function rule(id: CheckRuleId, families: readonly CheckFamily[], create: (ctx: CheckContext) => RuleInstance, policies?: readonly string[]): CheckRule {
  return { ...checkRuleWords(id), policies, families, create };
}

// ───────────────────────────── the rules ─────────────────────────────

const R1 = rule('R1',
  ['fwReq.glb', 'modeSwitch', 'fwAck.glb', 'reset'],
  (ctx) => {
    // A PROTM_EXIT event raised by the FW (a GLB ack) and not yet acknowledged by the host (a GLB
    // event ack); a reset abandons it. What the fw handler's list of pending events says of it.
    let exitPending = ctx.state.fw.pending.some((p) => p.name === 'GLB_PROTM_EXIT' && p.kind === 'event');
    return {
      before(ev, i, s) {
        if (isEnterToggle(ev)) {
          const m = s.device.gpuMode;
          if (isProtectedMode(m) || m === MODE.EXITING || exitPending) {
            ctx.report(i, ev.t, `GLB_PROTM_ENTER toggled while ${s.device.protmActiveGroup ? groupName(s, s.device.protmActiveGroup) : 'a group'} is protected (${m}${exitPending ? ', PROTM_EXIT not acknowledged' : ''})`,
              'violation', s.device.gpuModeSinceIdx >= 0 ? [s.device.gpuModeSinceIdx] : []);
          }
        }
        const to = modeTo(ev);
        if ((to === GpuMode.MODE_ENTERING || to === GpuMode.MODE_PROTECTED) && ev.body.case === 'modeSwitch') {
          const g = ev.body.value.group;
          const active = s.device.protmActiveGroup;
          if (g && active && g !== active && isProtectedMode(s.device.gpuMode)) {
            ctx.report(i, ev.t, `${groupName(s, g)} becomes protected while ${groupName(s, active)} is still the active protected group`, 'violation', [s.device.gpuModeSinceIdx]);
          }
        }
      },
      after(ev) {
        const b = ev.body;
        if (b.case === 'fwAck') {
          if (b.value.iface === FwIface.GLB && b.value.kind !== FwAckKind.ACK_REQUEST && (b.value.bits & GLB_PROTM_EXIT) !== 0) exitPending = true;
        } else if (b.case === 'fwReq') {
          if (b.value.iface === FwIface.GLB && b.value.kind === FwReqKind.REQ_EVENT_ACK && (b.value.bits & GLB_PROTM_EXIT) !== 0) exitPending = false;
        } else if (isReset(ev, ResetPhase.RESET_BEGIN)) {
          exitPending = false;
        }
      },
    };
  });

const R2 = rule('R2',
  ['fwReq.glb', 'fwReq.cs', 'decision', 'reset'],
  (ctx) => {
    let acks: Array<{ i: number; csg: number; group: number }> = [];
    return {
      before(ev, i, s) {
        const a = isPendingAck(ev);
        if (a) { acks.push({ i, csg: a.csg, group: a.group || s.slots[a.csg]?.group || 0 }); return; }
        if (isEnterToggle(ev)) {
          for (const k of acks) {
            const slot = s.slots[k.csg];
            const prio = slot ? slot.csgPriority : -1;
            if (prio !== MAX_CSG_PRIO) {
              const top = s.slots.filter((x) => x.group && x.csgPriority === MAX_CSG_PRIO).map((x) => x.group);
              ctx.report(i, ev.t, `GLB_PROTM_ENTER samples the PROTM_PENDING ack of ${groupName(s, k.group)} on CSG ${k.csg} with CSG priority ${prio} (only CSG priority 15 may enter${top.length ? `; ${groupName(s, top[0]!)} holds 15` : ''})`, 'violation', [k.i]);
            }
          }
          acks = [];
        } else if (ev.body.case === 'decision' || isReset(ev, ResetPhase.RESET_BEGIN)) {
          acks = [];
        }
      },
    };
  });

const R3 = rule('R3',
  ['fwReq.glb', 'fwReq.cs', 'modeSwitch', 'decision', 'reset'],
  (ctx) => {
    let acks: Array<{ i: number; t: number; group: number }> = [];
    let toggle = -1; // index of the GLB_PROTM_ENTER toggle in flight (until PROTECTED, exit or reset)
    const flush = (i: number, t: number, why: string): void => {
      for (const a of acks) {
        ctx.report(a.i, a.t, `PROTM_PENDING of group ${a.group} acknowledged but no GLB_PROTM_ENTER followed before ${why} (${at(i)}, ${formatNs(t - a.t)} later)`, 'violation', [i]);
      }
      acks = [];
    };
    return {
      before(ev, i, s) {
        const a = isPendingAck(ev);
        if (a) {
          const group = a.group || s.slots[a.csg]?.group || 0;
          if (toggle >= 0) {
            ctx.report(i, ev.t, `PROTM_PENDING of ${groupName(s, group)} acknowledged after the GLB_PROTM_ENTER toggle (${at(toggle)}): the FW sampled the acks at the toggle`, 'violation', [toggle]);
            return;
          }
          // Already protected for this group: nothing to enter.
          if (s.device.gpuMode === MODE.PROTECTED && s.device.protmActiveGroup === group) return;
          acks.push({ i, t: ev.t, group });
          return;
        }
        if (isEnterToggle(ev)) { acks = []; toggle = i; return; }
        const to = modeTo(ev);
        if (to !== undefined && to !== GpuMode.MODE_ENTERING) toggle = -1;
        if (ev.body.case === 'decision') flush(i, ev.t, 'the next tick');
        else if (isReset(ev, ResetPhase.RESET_BEGIN)) { acks = []; toggle = -1; }
      },
      finish(s) {
        for (const a of acks) {
          if (s.t - a.t > TIMEOUTS.slack) ctx.report(a.i, a.t, `PROTM_PENDING of group ${a.group} acknowledged but no GLB_PROTM_ENTER followed before the end of the trace`);
        }
      },
    };
  });

const R4 = rule('R4',
  ['heap', 'fwReq.glb', 'fwReq.cs', 'ioctl', 'probe'],
  (ctx) => {
    let userSupplied = false;
    const userDmabuf = ctx.heapPolicy === 'userspace-dmabuf';
    const has = (s: ReplayState): boolean => s.device.protectedHeap !== '' || (userDmabuf && userSupplied);
    return {
      before(ev, i, s) {
        const b = ev.body;
        if (b.case === 'heap' && b.value.purpose === HeapPurpose.PURPOSE_USER_SUPPLIED && b.value.result === 0) userSupplied = true;
        if (has(s)) return;
        if (isPendingAck(ev)) ctx.report(i, ev.t, 'PROTM_PENDING acknowledged without a protected heap (it must be ignored: no heap, no protected execution)');
        else if (isEnterToggle(ev)) ctx.report(i, ev.t, 'GLB_PROTM_ENTER toggled without a protected heap');
        else if (b.case === 'ioctl') {
          const io = b.value;
          if (io.ret !== 0) return;
          if (io.args.case === 'devQuery' && io.args.value.type === DevQueryType.DRM_PANTHOR_DEV_QUERY_PROTECTED_INFO && io.args.value.pointer !== 0 && io.args.value.protectedFeatures !== 0 && !userDmabuf) {
            ctx.report(i, ev.t, `DEV_QUERY PROTECTED_INFO reports features 0x${io.args.value.protectedFeatures.toString(16)} without a protected heap (must be 0)`);
          } else if (io.cmd === IoctlCmd.GROUP_CREATE && io.args.case === 'groupCreate' && (io.args.value.flags & DRM_PANTHOR_GROUP_CREATE_PROTECTED) && !userDmabuf) {
            ctx.report(i, ev.t, `GROUP_CREATE with DRM_PANTHOR_GROUP_CREATE_PROTECTED succeeded (group ${io.args.value.groupHandle}) without a protected heap (must fail)`);
          }
        } else if (b.case === 'probe' && b.value.stage === ProbeStage.PROBE_FW_SECTION && (b.value.sectionFlags & CSF_FW_BINARY_IFACE_ENTRY_PROT) && !b.value.skipped && !userDmabuf) {
          ctx.report(i, ev.t, 'FW section with the PROT flag loaded without a protected heap (it must be skipped)');
        }
      },
    };
  });

const R5 = rule('R5',
  ['fwReq.glb', 'fwAck.glb', 'modeSwitch', 'reset'],
  (ctx) => {
    let cur: { i: number; t: number; ackI: number; ackT: number; reported: boolean } | null = null;
    const done = (): void => { cur = null; };
    // the enter in flight: its ack within 4000 ms, then PROTM_ACTIVE within 500 ms of the ack
    const update = movingDeadline(ctx.at, () => {
      const e = cur;
      if (!e || e.reported) return Infinity;
      return e.ackI < 0 ? e.t + TIMEOUTS.protmEnterAck + TIMEOUTS.slack : e.ackT + TIMEOUTS.protmActive + TIMEOUTS.slack;
    }, () => {
      const e = cur!;
      e.reported = true;
      if (e.ackI < 0) ctx.report(e.i, e.t, `GLB_PROTM_ENTER not acknowledged within 4000 ms and no reset followed`);
      else ctx.report(e.ackI, e.ackT, `GPU_STATUS.PROTM_ACTIVE not seen within 500 ms of the GLB_PROTM_ENTER ack (${at(e.i)}), no exit pending and no reset followed`, 'violation', [e.i]);
    });
    return {
      before(ev, i) {
        if (isEnterToggle(ev)) {
          cur = { i, t: ev.t, ackI: -1, ackT: 0, reported: false };
          update();
          return;
        }
        const e = cur;
        if (!e) return;
        if (isEnterAck(ev) && e.ackI < 0) {
          e.ackI = i; e.ackT = ev.t;
          if (ev.t - e.t > TIMEOUTS.protmEnterAck) ctx.report(i, ev.t, `GLB_PROTM_ENTER (${at(e.i)}) acknowledged after ${formatNs(ev.t - e.t)} (> 4000 ms) without a reset`, 'violation', [e.i]);
          update();
          return;
        }
        const to = modeTo(ev);
        if (to === GpuMode.MODE_PROTECTED) {
          if (e.ackI >= 0 && ev.t - e.ackT > TIMEOUTS.protmActive && !e.reported) {
            ctx.report(i, ev.t, `PROTM_ACTIVE ${formatNs(ev.t - e.ackT)} after the GLB_PROTM_ENTER ack (> 500 ms)`, 'violation', [e.i, e.ackI]);
          }
          done();
        } else if (to === GpuMode.MODE_EXITING || to === GpuMode.MODE_NORMAL || isExitEvent(ev)) {
          done(); // an exit already pending counts as completion
        } else if (isReset(ev, ResetPhase.RESET_BEGIN)) {
          if (!e.reported) {
            if (e.ackI < 0 && ev.t - e.t >= TIMEOUTS.protmEnterAck) {
              ctx.report(e.i, e.t, `GLB_PROTM_ENTER not acknowledged within 4000 ms (enter timeout); reset followed at ${at(i)}`, 'anomaly', [i]);
            } else if (e.ackI >= 0 && ev.t - e.ackT >= TIMEOUTS.protmActive) {
              ctx.report(e.ackI, e.ackT, `PROTM_ACTIVE not seen within 500 ms of the GLB_PROTM_ENTER ack (${at(e.i)}); reset followed at ${at(i)}`, 'anomaly', [e.i, i]);
            }
          }
          done();
        }
      },
    };
  });

const R6 = rule('R6',
  ['modeSwitch', 'fwAck.glb', 'fwReq.glb', 'decision', 'reset'],
  (ctx) => {
    let pending: { i: number; t: number } | null = null;
    let awaitingTick: { i: number; t: number } | null = null;
    let session = false;
    const updatePending = movingDeadline(ctx.at, () => (pending ? pending.t + TIMEOUTS.protmExitAck + TIMEOUTS.slack : Infinity), () => {
      ctx.report(pending!.i, pending!.t, 'PROTM_EXIT event not acknowledged within 100 ms'); pending = null;
    });
    const updateTick = movingDeadline(ctx.at, () => (awaitingTick ? awaitingTick.t + TIMEOUTS.tickAfterExit + TIMEOUTS.slack : Infinity), () => {
      ctx.report(awaitingTick!.i, awaitingTick!.t, 'no scheduler tick within 100 ms of acknowledging PROTM_EXIT'); awaitingTick = null;
    });
    return {
      before(ev, i, s) {
        const to = modeTo(ev);
        if (to === GpuMode.MODE_ENTERING || to === GpuMode.MODE_PROTECTED) session = true;
        if (isExitEvent(ev)) {
          if (pending) ctx.report(pending.i, pending.t, `PROTM_EXIT event never acknowledged before the next one (${at(i)})`, 'violation', [i]);
          if (!session) ctx.report(i, ev.t, 'PROTM_EXIT event with no active protected group', 'anomaly');
          session = false;
          pending = { i, t: ev.t };
          updatePending();
        } else if (isExitAck(ev)) {
          if (!pending) {
            ctx.report(i, ev.t, 'PROTM_EXIT acknowledged with no PROTM_EXIT event pending (acknowledged twice?)');
            return;
          }
          pending = null;
          if (s.device.protmActiveGroup && s.device.gpuMode === MODE.PROTECTED) {
            ctx.report(i, ev.t, `PROTM_EXIT acknowledged while ${groupName(s, s.device.protmActiveGroup)} is still protected`);
          }
          awaitingTick = { i, t: ev.t };
          updateTick();
        } else if (ev.body.case === 'decision') {
          awaitingTick = null;
        } else if (isReset(ev, ResetPhase.RESET_BEGIN)) {
          pending = null; awaitingTick = null; session = false;
        }
      },
    };
  });

const FORCED_EXIT_CAUSES: readonly number[] = [
  ModeSwitchCause.CAUSE_FORCED_EXIT_PING, ModeSwitchCause.CAUSE_WATCHDOG_PING, ModeSwitchCause.CAUSE_VM_BIND,
  ModeSwitchCause.CAUSE_ROTATION, ModeSwitchCause.CAUSE_HEAP_GROW,
];

const R7 = rule('R7',
  ['modeSwitch', 'reset'],
  (ctx) => {
    let cur: { i: number; t: number; cause: string } | null = null;
    const limit = TIMEOUTS.forcedExit + TIMEOUTS.forcedExitGrace;
    return {
      before(ev, i) {
        const to = modeTo(ev);
        if (to === GpuMode.MODE_EXITING && ev.body.case === 'modeSwitch' && FORCED_EXIT_CAUSES.includes(ev.body.value.cause)) {
          if (cur) return;
          const e = { i, t: ev.t, cause: ModeSwitchCauseNames[ev.body.value.cause]! }; // one of FORCED_EXIT_CAUSES
          cur = e;
          ctx.at(ev.t + limit + TIMEOUTS.slack, () => {
            if (cur === e) { ctx.report(e.i, e.t, `forced exit (${e.cause}): PROTM_ACTIVE not cleared within 505 ms and no reset followed`); cur = null; }
          });
          return;
        }
        const e = cur;
        if (!e) return;
        if (to === GpuMode.MODE_NORMAL || to === GpuMode.MODE_OFF || to === GpuMode.MODE_RESET) {
          if (to === GpuMode.MODE_NORMAL && ev.t - e.t > limit) ctx.report(i, ev.t, `forced exit (${e.cause}, ${at(e.i)}) took ${formatNs(ev.t - e.t)} (> 505 ms) without a reset`, 'violation', [e.i]);
          cur = null;
        } else if (isReset(ev, ResetPhase.RESET_BEGIN)) {
          if (ev.t - e.t >= limit) ctx.report(e.i, e.t, `forced exit (${e.cause}): PROTM_ACTIVE not cleared within 505 ms; reset followed at ${at(i)}`, 'anomaly', [i]);
          cur = null;
        }
      },
    };
  });

const R8 = rule('R8',
  ['mmu'],
  (ctx) => ({
    before(ev, i, s) {
      if (ev.body.case !== 'mmu') return;
      const m = ev.body.value;
      if (m.cmd === AsCommand.AS_COMMAND_NOP) return;
      const mode = s.device.gpuMode;
      if (m.gpuProtected || mode === MODE.PROTECTED || mode === MODE.EXITING) {
        ctx.report(i, ev.t, `MMU AS${m.asNr} ${['NOP', 'UPDATE', 'LOCK', 'UNLOCK', 'FLUSH_PT', 'FLUSH_MEM'][m.cmd] ?? m.cmd} (vm ${m.vmId}) issued while GPU_STATUS.PROTM_ACTIVE (${mode})`, 'violation', [s.device.gpuModeSinceIdx]);
      }
    },
  }));

const R9 = rule('R9',
  ['fwReq.csg-state', 'modeSwitch'],
  (ctx) => ({
    before(ev, i, s) {
      const r = csgStart(ev);
      if (r && isProtectedMode(s.device.gpuMode)) {
        ctx.report(i, ev.t, `CSG ${r.csg} started/resumed (${groupName(s, r.group)}) while the GPU is ${s.device.gpuMode}`);
      }
    },
    after(ev, i, s) {
      if (modeTo(ev) !== GpuMode.MODE_PROTECTED) return;
      const resident = s.slots.filter((x) => x.group);
      if (resident.length > 1) {
        ctx.report(i, ev.t, `${resident.length} resident CSGs while protected (${resident.map((x) => `CSG ${x.slot}: ${groupName(s, x.group)}`).join(', ')}); kbase keeps only the protected group`);
      }
    },
  }), ['kbase']);

const R10 = rule('R10',
  ['heap', 'ioctl'],
  (ctx) => ({
    before(ev, i, s) {
      const b = ev.body;
      if (b.case === 'heap' && b.value.op === HeapOp.DMA_BUF_EXPORT && b.value.result === 0) {
        const d = s.dmabufs[b.value.bufferId];
        if (d && KERNEL_PROTECTED_PURPOSES.includes(d.purpose)) ctx.report(i, ev.t, `kernel protected buffer ${d.id} (${d.purpose}) exported as a dma-buf fd`, 'violation', [d.createdIdx]);
        return;
      }
      if (b.case !== 'ioctl' || b.value.ret !== 0) return;
      const io = b.value;
      const a = io.args;
      if (a.case === 'boMmapOffset') {
        const bo = s.bos[`${io.pid}:${a.value.handle}`];
        if (bo?.protected) ctx.report(i, ev.t, `BO_MMAP_OFFSET succeeded on protected BO ${a.value.handle} of pid ${io.pid} (protected BOs are never user-mappable)`, 'violation', [bo.createdIdx]);
      } else if (a.case === 'primeHandleToFd') {
        const bo = s.bos[`${io.pid}:${a.value.handle}`];
        const d = bo?.imported ? s.dmabufs[bo.imported] : undefined;
        if (bo && ((bo.protected && !bo.imported) || (d && KERNEL_PROTECTED_PURPOSES.includes(d.purpose)))) {
          ctx.report(i, ev.t, `PRIME_HANDLE_TO_FD exported protected BO ${a.value.handle} of pid ${io.pid}`, 'violation', [bo.createdIdx]);
        }
      } else if (a.case === 'primeFdToHandle') {
        const buf = s.processes[io.pid]?.fds[a.value.fd]?.buffer;
        const d = buf ? s.dmabufs[buf] : undefined;
        if (d && KERNEL_PROTECTED_PURPOSES.includes(d.purpose)) {
          ctx.report(i, ev.t, `PRIME_FD_TO_HANDLE returned handle ${a.value.handle} for kernel protected buffer ${d.id} (${d.purpose})`, 'violation', [d.createdIdx]);
        }
      }
    },
  }));

const R11 = rule('R11',
  ['fwReq.csg-state'],
  (ctx) => ({
    before(ev, i, s) {
      const r = csgStart(ev);
      if (!r) return;
      const g = s.groups[r.group];
      if (!g) return;
      const what = r.state === CSG_STATE_START ? 'START' : 'RESUME';
      if (g.isProtected && r.protmSuspendBuf === 0) {
        ctx.report(i, ev.t, `protected ${groupName(s, g.handle)} programmed with protm_suspend_buf = 0 on CSG ${r.csg} ${what}`);
      } else if (!g.isProtected && r.protmSuspendBuf !== 0) {
        ctx.report(i, ev.t, `non-protected ${groupName(s, g.handle)} programmed with protm_suspend_buf 0x${r.protmSuspendBuf.toString(16)} on CSG ${r.csg} ${what} (must be 0)`);
      }
    },
  }));

const R12 = rule('R12',
  ['groupState', 'heap', 'probe'],
  (ctx) => {
    const held = new Map<string, { n: number; i: number }>(); // kernel references per heap
    let removed = -1;
    return {
      before(ev, i, s) {
        const b = ev.body;
        if (b.case === 'groupState' && b.value.to === GroupStateKind.GROUP_DESTROYED) {
          const buf = s.groups[b.value.group]?.protmSuspendBufferId || b.value.protmSuspendBufferId;
          // Only a buffer the kernel allocated for the group must go with it; a user-supplied buffer
          // (userspace-dmabuf) stays its owner's, and the device may keep importing it.
          if (!buf || s.dmabufs[buf]?.purpose !== HeapPurposeNames[HeapPurpose.PURPOSE_PROTM_SUSPEND_BUF]) return;
          const g = b.value.group;
          const t = ev.t; // (events are not kept: the pass reuses them)
          ctx.at(t + TIMEOUTS.bufferRelease, () => {
            if (ctx.state.dmabufs[buf]) ctx.report(i, t, `protm suspend buffer ${buf} of destroyed group ${g} not released within 1 s (dma_buf_put missing)`, 'violation', [ctx.state.dmabufs[buf].createdIdx]);
          });
        }
      },
      after(ev, i, s) {
        const b = ev.body;
        // dma_heap_find/put are in-kernel calls (callerPid is the process context of a lazy find).
        if (b.case === 'heap' && b.value.result === 0 && (b.value.op === HeapOp.DMA_HEAP_FIND || b.value.op === HeapOp.DMA_HEAP_PUT)) {
          const h = b.value;
          // References are per device (a second GPU holds its own): keyed "device/heap".
          const key = h.device ? `${h.device}/${h.heapName}` : h.heapName;
          if (h.op === HeapOp.DMA_HEAP_FIND) {
            const e = held.get(key) ?? { n: 0, i };
            e.n++; e.i = i;
            held.set(key, e);
          } else if (h.op === HeapOp.DMA_HEAP_PUT) {
            const e = held.get(key);
            if (!e || e.n === 0) ctx.report(i, ev.t, `dma_heap_put on "${h.heapName}" without a matching dma_heap_find`);
            else e.n--;
          }
          return;
        }
        if (b.case !== 'probe') return;
        const st = b.value.stage;
        if (st === ProbeStage.PROBE_DEFER || st === ProbeStage.PROBE_FAILED) {
          const dev = b.value.device;
          for (const [name, e] of held) {
            if (e.n > 0 && (dev ? name.startsWith(`${dev}/`) : !name.includes('/'))) {
              ctx.report(i, ev.t, `probe ${st === ProbeStage.PROBE_DEFER ? 'deferred' : 'failed'} holding ${e.n} reference(s) on heap "${name}" (dma_heap_put missing on the error path)`, 'violation', [e.i]);
              e.n = 0;
            }
          }
        } else if (st === ProbeStage.PROBE_REMOVE && !b.value.device) {
          removed = i;
        }
        void s;
      },
      finish(s) {
        if (removed < 0) return; // no teardown in the trace: nothing to balance yet
        for (const [name, e] of held) {
          if (e.n > 0) ctx.report(removed, s.t, `teardown: ${e.n} reference(s) on heap "${name}" never put`, 'violation', [e.i]);
        }
        for (const k in s.dmabufs) {
          const d = s.dmabufs[k]!;
          if (d.ownerPid === 0 && KERNEL_PROTECTED_PURPOSES.includes(d.purpose)) {
            ctx.report(removed, s.t, `teardown: kernel protected buffer ${d.id} (${d.purpose}, ${d.size} bytes) never released`, 'violation', [d.createdIdx]);
          }
        }
      },
    };
  });

const R13 = rule('R13',
  ['fault', 'fwIrq', 'reset', 'groupState'],
  (ctx) => {
    let f: { i: number; t: number; active: number; resident: number[]; activeFatal: boolean; reset: boolean } | null = null;
    return {
      before(ev, i, s) {
        const b = ev.body;
        const isFault = (b.case === 'fault' && b.value.kind === FaultKind.FAULT_PROTM)
          || (b.case === 'fwIrq' && b.value.line === IrqLine.GPU_IRQ && (b.value.status & GPU_IRQ_PROTM_FAULT) !== 0 && !b.value.masked);
        if (isFault) {
          if (f) return;
          const cur = {
            i, t: ev.t, active: s.device.protmActiveGroup, resident: s.slots.filter((x) => x.group).map((x) => x.group),
            activeFatal: false, reset: false,
          };
          f = cur;
          ctx.at(ev.t + TIMEOUTS.faultReset + TIMEOUTS.slack, () => {
            if (f === cur && !cur.reset) { ctx.report(cur.i, cur.t, 'GPU_IRQ_PROTM_FAULT not followed by a reset within 1 s'); f = null; }
          });
          return;
        }
        const cur = f;
        if (!cur) return;
        if (isReset(ev, ResetPhase.RESET_BEGIN)) cur.reset = true;
        if (isReset(ev, ResetPhase.RESET_END)) {
          if (cur.active && !cur.activeFatal) {
            ctx.report(cur.i, cur.t, `GPU_IRQ_PROTM_FAULT: the active protected ${groupName(s, cur.active)} did not end fatal before the reset completed (${at(i)})`, 'violation', [i]);
          }
          f = null;
        }
      },
      after(ev, i, s) {
        const cur = f;
        if (!cur || ev.body.case !== 'groupState') return;
        const g = ev.body.value;
        const blamed = g.fatalQueues !== 0 || g.timedout;
        if (g.group === cur.active) {
          if (g.fatalQueues !== 0 || g.to === GroupStateKind.PANTHOR_CS_GROUP_TERMINATED) cur.activeFatal = true;
        } else if (blamed && cur.resident.includes(g.group)) {
          ctx.report(i, ev.t, `GPU_IRQ_PROTM_FAULT (${at(cur.i)}) blamed ${groupName(s, g.group)}, resident but not the protected group (it must be suspended, not marked ${g.timedout ? 'timedout' : 'fatal'})`, 'violation', [cur.i]);
        }
      },
    };
  });

const R14 = rule('R14',
  ['fwReq.csg-state', 'fwAck.csg-state', 'reset', 'groupState', 'decision'],
  (ctx) => {
    const fwSlot: number[] = []; // group requested on each slot (START/RESUME until SUSPEND/TERMINATE acked)
    const resGroup: number[] = [], resPrio: number[] = [], resSlot: number[] = []; // a decision's resident slots so far
    return {
      before(ev, i, s) {
        const r = csgStart(ev);
        if (r && r.group) {
          const other = fwSlot.findIndex((g, k) => g === r.group && k !== r.csg);
          if (other >= 0) ctx.report(i, ev.t, `${groupName(s, r.group)} started on CSG ${r.csg} while still on CSG ${other}`);
          const cur = fwSlot[r.csg];
          if (cur && cur !== r.group) ctx.report(i, ev.t, `CSG ${r.csg} started for ${groupName(s, r.group)} while it still holds ${groupName(s, cur)}`);
        }
      },
      after(ev, i, s) {
        const b = ev.body;
        const r = csgStart(ev);
        if (r && r.group) { fwSlot[r.csg] = r.group; return; }
        if (b.case === 'fwAck' && b.value.iface === FwIface.CSG && b.value.kind === FwAckKind.ACK_REQUEST && isStateRequest(FwIface.CSG, b.value.bits)
          && (b.value.state === CSG_STATE_SUSPEND || b.value.state === CSG_STATE_TERMINATE)) {
          fwSlot[b.value.csg] = 0;
        } else if (isReset(ev, ResetPhase.RESET_END)) {
          fwSlot.length = 0;
        } else if (b.case === 'groupState' && b.value.csgSlot >= 0 && b.value.to !== GroupStateKind.GROUP_DESTROYED) {
          const g = b.value;
          const holder = fwSlot[g.csgSlot] ?? 0;
          if (holder !== g.group) {
            ctx.report(i, ev.t, `${groupName(s, g.group)} has csg_id ${g.csgSlot} but CSG ${g.csgSlot} ${holder ? `holds ${groupName(s, holder)}` : 'was not started for it'}`);
          }
        } else if (b.case === 'decision') {
          // a few slots a decision: the latest earlier resident slot with the same group or
          // priority is looked up backwards in arrays kept across decisions (no maps built)
          const sl = b.value.slots;
          let m = 0;
          for (const a of sl) {
            if (!isResident(a)) continue;
            if (a.csgPriority > MAX_CSG_PRIO) ctx.report(i, ev.t, `CSG ${a.slot} given CSG priority ${a.csgPriority} (> 15)`);
            let sameG = -1, sameP = -1; // where in the arrays
            for (let j = m - 1; j >= 0 && (sameG < 0 || sameP < 0); j--) {
              if (sameG < 0 && resGroup[j] === a.group) sameG = j;
              if (sameP < 0 && resPrio[j] === a.csgPriority) sameP = j;
            }
            if (sameG >= 0) ctx.report(i, ev.t, `tick ${b.value.tick} puts ${groupName(s, a.group)} on CSG ${resSlot[sameG]} and CSG ${a.slot}`);
            if (sameP >= 0) ctx.report(i, ev.t, `tick ${b.value.tick} gives CSG priority ${a.csgPriority} to both CSG ${resSlot[sameP]} and CSG ${a.slot}`);
            resGroup[m] = a.group; resPrio[m] = a.csgPriority; resSlot[m] = a.slot; m++;
          }
        }
      },
    };
  });

const R15 = rule('R15',
  ['decision'],
  (ctx) => ({
    after(ev, i, s) {
      if (ev.body.case !== 'decision') return;
      const d = ev.body.value;
      const limit = s.device.asCount;
      if (!limit) return;
      // distinct VMs are at most the groups kept resident: below the limit there is nothing to count
      let resident = 0;
      for (const a of d.slots) if (isResident(a)) resident++;
      if (resident <= limit) return;
      const vmOf = new Map<number, number>();
      for (const e of d.inputs) vmOf.set(e.group, e.vmId);
      const vms = new Set<string>();
      for (const a of d.slots) {
        if (!isResident(a)) continue;
        const g = s.groups[a.group];
        vms.add(`${g?.pid ?? 0}:${vmOf.get(a.group) ?? g?.vmId ?? a.group}`);
      }
      if (vms.size > limit) ctx.report(i, ev.t, `tick ${d.tick} keeps ${vms.size} distinct VMs resident with ${limit} usable address spaces`);
    },
  }));

/** Why group `g` cannot run; undefined for a group that can and for an unknown group. */
function cannotRun(s: ReplayState, g: number): string | undefined {
  const r = s.groups[g];
  if (!r) return undefined;
  if (r.fatalQueues) return `fatal queues 0x${r.fatalQueues.toString(16)}`;
  if (r.timedout) return 'timed out';
  if (r.destroyed) return 'destroyed';
  if (r.state === GROUP.TERMINATED) return 'terminated';
  if (r.state === GROUP.UNKNOWN) return 'in UNKNOWN_STATE';
  return undefined;
}

const R16 = rule('R16',
  ['fwReq.csg-state', 'ioctl'],
  (ctx) => ({
    before(ev, i, s) {
      const r = csgStart(ev);
      if (r) {
        const why = cannotRun(s, r.group);
        if (why) ctx.report(i, ev.t, `CSG ${r.csg} ${r.state === CSG_STATE_START ? 'START' : 'RESUME'} for ${groupName(s, r.group)}, which cannot run (${why})`, 'violation', [s.groups[r.group]!.idx]);
        return;
      }
      const b = ev.body;
      if (b.case === 'ioctl' && b.value.args.case === 'groupSubmit') {
        const g = b.value.args.value.groupHandle;
        const why = cannotRun(s, g);
        if (!why) return;
        if (b.value.ret === 0) ctx.report(i, ev.t, `GROUP_SUBMIT to ${groupName(s, g)} succeeded although it cannot run (${why})`, 'violation', [s.groups[g]!.idx]);
        else if (b.value.ret !== -EINVAL) ctx.report(i, ev.t, `GROUP_SUBMIT to ${groupName(s, g)} (${why}) failed with ${b.value.ret}, expected -EINVAL`, 'violation', [s.groups[g]!.idx]);
      }
    },
  }));

const R17 = rule('R17',
  ['fwReq.csg-state', 'fwAck.csg-state', 'reset'],
  (ctx) => {
    const pending = new Map<number, { i: number; t: number; reported: boolean }>();
    return {
      before(ev, i, s) {
        const r = csgStart(ev);
        if (r) {
          const g = s.groups[r.group];
          if (g) {
            if (r.state === CSG_STATE_START && g.state !== GROUP.CREATED) {
              ctx.report(i, ev.t, `CSG_STATE_START for ${groupName(s, g.handle)} in state ${g.state} (START only from CREATED; a SUSPENDED group gets RESUME)`, 'violation', [g.idx]);
            } else if (r.state === CSG_STATE_RESUME && g.state !== GROUP.SUSPENDED) {
              ctx.report(i, ev.t, `CSG_STATE_RESUME for ${groupName(s, g.handle)} in state ${g.state} (RESUME only from SUSPENDED)`, 'violation', [g.idx]);
            }
          }
        }
        const b = ev.body;
        if (b.case === 'fwReq' && b.value.iface === FwIface.CSG && b.value.kind === FwReqKind.REQ_TOGGLE && isStateRequest(FwIface.CSG, b.value.bits)) {
          const p = { i, t: ev.t, reported: false };
          const csg = b.value.csg;
          pending.set(csg, p);
          ctx.at(ev.t + TIMEOUTS.csgAck + TIMEOUTS.slack, () => {
            if (pending.get(csg) === p && !p.reported) {
              p.reported = true;
              ctx.report(p.i, p.t, `CSG ${csg} state request not acknowledged within 100 ms and no reset followed`);
            }
          });
        } else if (b.case === 'fwAck' && b.value.iface === FwIface.CSG && b.value.kind === FwAckKind.ACK_REQUEST && isStateRequest(FwIface.CSG, b.value.bits)) {
          pending.delete(b.value.csg);
        } else if (isReset(ev, ResetPhase.RESET_BEGIN)) {
          for (const [csg, p] of pending) {
            if (!p.reported && ev.t - p.t >= TIMEOUTS.csgAck) {
              ctx.report(p.i, p.t, `CSG ${csg} state request not acknowledged within 100 ms (CSG ack timeout); reset followed at ${at(i)}`, 'anomaly', [i]);
            }
          }
          pending.clear();
        }
      },
    };
  });

const R18 = rule('R18',
  ['ioctl'],
  (ctx) => ({
    after(ev, i, s) {
      const b = ev.body;
      if (b.case !== 'ioctl' || b.value.ret !== 0) return;
      const io = b.value;
      const a = io.args;
      if (a.case === 'groupCreate' && io.cmd === IoctlCmd.GROUP_CREATE) {
        const c = a.value;
        const proc = s.processes[io.pid];
        if (c.priority >= PANTHOR_GROUP_PRIORITY_HIGH && proc && !proc.privileged) {
          ctx.report(i, ev.t, `GROUP_CREATE with priority ${GROUP_PRIORITY_NAMES[c.priority] ?? c.priority} succeeded for unprivileged pid ${io.pid} (${proc.comm}): HIGH/REALTIME need CAP_SYS_NICE or DRM master`);
        }
        if (c.priority > PANTHOR_GROUP_PRIORITY_REALTIME) ctx.report(i, ev.t, `GROUP_CREATE with priority ${c.priority} (> REALTIME) succeeded`);
        let n = 0;
        for (const k in s.groups) { const g = s.groups[k]!; if (g.pid === io.pid && g.fd === io.fd) n++; }
        if (n > MAX_GROUPS_PER_POOL) ctx.report(i, ev.t, `pid ${io.pid} fd ${io.fd} holds ${n} groups (MAX_GROUPS_PER_POOL is 128)`);
        c.queues.forEach((q, k) => {
          if (q.priority > MAX_CSG_PRIO) ctx.report(i, ev.t, `GROUP_CREATE queue ${k} priority ${q.priority} (> 15) accepted`);
          const sz = q.ringbufSize;
          if (sz < 4096 || sz > 65536 || (sz & (sz - 1)) !== 0) ctx.report(i, ev.t, `GROUP_CREATE queue ${k} ringbuf_size ${sz} accepted (must be a power of two in [4K, 64K])`);
        });
      } else if (a.case === 'groupSubmit') {
        a.value.queueSubmits.forEach((q, k) => {
          const bad = (q.streamSize === 0) !== (q.streamAddr === 0) ? 'stream_size and stream_addr must be both zero or both set'
            : q.streamAddr % 64 !== 0 ? `stream_addr 0x${q.streamAddr.toString(16)} not 64-byte aligned`
              : q.streamSize % 8 !== 0 ? `stream_size ${q.streamSize} not a multiple of 8` : '';
          if (bad) ctx.report(i, ev.t, `GROUP_SUBMIT to group ${a.value.groupHandle} accepted submit ${k}: ${bad}`);
        });
      }
    },
  }));

const R19a = rule('R19a',
  ['decision'],
  (ctx) => ({
    after(ev, i, s) {
      if (ev.body.case !== 'decision') return;
      const d = ev.body.value;
      if (d.fullTick) return;
      let suspends = false;
      for (const a of d.slots) if (a.action === SlotAction.SLOT_SUSPEND && a.group) { suspends = true; break; }
      if (!suspends) return;
      const input = new Map(d.inputs.map((e) => [e.group, e]));
      const evictedBusy = d.slots.filter((a) => a.action === SlotAction.SLOT_SUSPEND && a.group && (() => {
        const e = input.get(a.group); return e !== undefined && !e.idle && e.canRun;
      })());
      if (!evictedBusy.length) return;
      for (const a of d.slots) {
        if (a.action !== SlotAction.SLOT_START && a.action !== SlotAction.SLOT_RESUME) continue;
        const e = input.get(a.group);
        if (e && e.priority < PANTHOR_GROUP_PRIORITY_REALTIME) {
          ctx.report(i, ev.t, `tick ${d.tick} (not a full tick) puts ${GROUP_PRIORITY_NAMES[e.priority] ?? e.priority} ${groupName(s, a.group)} on CSG ${a.slot} by suspending busy ${evictedBusy.map((x) => groupName(s, x.group)).join(', ')}: mid-slice only REALTIME groups may preempt`);
        }
      }
    },
  }));

const R19b = rule('R19b',
  ['decision'],
  (ctx) => ({
    after(ev, i, s) {
      if (ev.body.case !== 'decision') return;
      const d = ev.body.value;
      if (d.protm !== ProtmVerdict.PROTM_GRANTED || !d.protmGroup) return;
      let found: RunQueueEntry | undefined;
      for (const e of d.inputs) if (e.group === d.protmGroup) { found = e; break; }
      if (!found) return;
      const me = found;
      const busyAbove = (e: RunQueueEntry): boolean => e.group !== d.protmGroup && e.priority > me.priority && !e.idle && e.canRun;
      // (a loop first: the list is built only for a finding, and protected mode is granted at most decisions of a stress trace)
      let any = false;
      for (const e of d.inputs) if (busyAbove(e)) { any = true; break; }
      if (any) {
        const above = d.inputs.filter(busyAbove);
        ctx.report(i, ev.t, `protected mode granted to ${GROUP_PRIORITY_NAMES[me.priority] ?? me.priority} ${groupName(s, me.group)} while higher-priority ${above.map((e) => `${GROUP_PRIORITY_NAMES[e.priority] ?? e.priority} ${groupName(s, e.group)}`).join(', ')} has work: it must wait until it is top`);
      }
    },
  }));

const R19c = rule('R19c',
  ['watchdog'],
  (ctx) => ({
    before(ev, i, s) {
      if (ev.body.case !== 'watchdog' || ev.body.value.op !== WatchdogOp.WD_PING_SENT) return;
      const mode = s.device.gpuMode;
      if (ev.body.value.gpuProtected || isProtectedMode(mode)) {
        ctx.report(i, ev.t, `watchdog PING sent while the GPU is ${ev.body.value.gpuProtected && !isProtectedMode(mode) ? MODE.PROTECTED : mode}${s.device.protmActiveGroup ? ` (${groupName(s, s.device.protmActiveGroup)})` : ''}: a PING forces a protected-mode exit; pause the watchdog while protected`, 'violation', [s.device.gpuModeSinceIdx]);
      }
    },
  }));

/** Every rule, in reference order. */
export const CHECK_RULES: readonly CheckRule[] = [R1, R2, R3, R4, R5, R6, R7, R8, R9, R10, R11, R12, R13, R14, R15, R16, R17, R18, R19a, R19b, R19c, ...LIVENESS_RULES,
  ...OOM_RULES, ...PM_RULES, ...HEAP_LIFETIME_RULES, ...PIPELINE_RULES];
