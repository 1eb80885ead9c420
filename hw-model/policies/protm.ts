/**
 * Protected-mode scheduling policies (reference §4.2–4.5): the design alternatives that csftrace
 * records and diffs. Each policy is data (what the watchdog does, how a failed enter is handled, the
 * tick period) plus one function that picks the protected group from a tick's selection. Each
 * policy's comment lists the functions of its source it follows; the review's changes to the 2026
 * series are separate switches (review-fixes.ts). What the FW does in between is a named
 * assumption (firmware/assumptions.ts).
 *
 *   scheduler tick ──► selection (groups for slots, top first) ──► choose() ──► verdict + rule
 */
import { ProtmVerdict, SchedRule } from '../../proto/index.js';
import type { ProtmPolicy, ReviewFix } from '../contract.js';
import type { Ns } from '../sim/index.js';
import { ms } from '../sim/index.js';

/** What a policy sees of a group in a tick. */
export interface ProtmGroupView {
  id: number;
  priority: number;          // LOW 0 .. REALTIME 3
  protmPending: boolean;     // group->protm_pending_queues != 0
  isProtected: boolean;
}

export interface ProtmChoice {
  verdict: ProtmVerdict;
  rule: SchedRule;
  /** The protm_group (0 = none). */
  group: number;
  /** kbase: every other group is evicted before entering. */
  soleResident: boolean;
}

export interface ProtmPolicyDesc {
  readonly name: ProtmPolicy;
  /** Scheduler tick period (kbase ticks every 100 ms; panthor every 10 ms). */
  tickPeriod(configured: Ns): Ns;
  /** The watchdog PING is sent even while protected (RFC, 2026 as posted; the `pause-ping` fix turns it off). */
  readonly pingWhileProtected: boolean;
  /** kbase: a failed enter makes the protm group fatal before the reset (the others are terminated by it). */
  readonly failEnterFatal: boolean;
  /** CS_PROTM_PENDING without a heap makes the queue fatal (kbase; the 2026 `pending-without-heap-fatal` fix). */
  readonly pendingWithoutHeapFatal: boolean;
  /** 7/8: panthor_vm_lock_region calls panthor_fw_protm_exit_sync before MMU commands. */
  readonly vmBindForcesExit: boolean;
  /** kbase: an active protected group that is still the top group is left alone. */
  readonly keepWhileTop: boolean;
  /** kbase: the tick forces an exit (PING) when the protected group must give way; RFC and 7/8 never do. */
  readonly tickForcedExit: boolean;
  /** After the GLB_PROTM_ENTER ack, poll GPU_STATUS.PROTM_ACTIVE (7/8: 500 ms, kbase ~50 ms; the RFC does not). */
  readonly activePoll: boolean;
  /** 7/8: panthor_sched_pre_reset calls handle_protm_fault (forced exit, blame the active group). */
  readonly handleProtmFault: boolean;
  /** GLB_PROTM_ENTER ack wait, then the PROTM_ACTIVE poll (2026: 4000 ms + 500 ms; kbase ~50 ms). */
  readonly enterAckTimeout: Ns;
  readonly activeTimeout: Ns;
  /** exit_sync: grace for the FW to leave by itself before the forced exit (2026: 5 ms). */
  readonly exitGrace: Ns;
  /** Forced exit: how long PROTM_ACTIVE may take to clear after the PING (500 ms). */
  readonly exitTimeout: Ns;
  /**
   * The protm group is chosen on the final CSG priority order, after the idle fill (RFC: "the
   * group that gets CSG priority 15"), so a resident idle group of higher priority blocks entry.
   */
  readonly chooseOnFinalOrder: boolean;
  /** 7/8: with a protm_group, the idle fill only re-picks resident idle groups of priority ≤ its own. */
  readonly idleFillBelowProtm: boolean;
  /**
   * Picks the protm group. `selected` is the tick's selection sorted by group priority (index 0
   * is the first group of the highest non-empty list); `anyPending` is true when some live group
   * has pending protected queues; `fixes` the review fixes in effect (2026 series only).
   */
  choose(selected: readonly ProtmGroupView[], anyPending: boolean, active: number, fixes: ReadonlySet<ReviewFix>): ProtmChoice;
}

const NONE: ProtmChoice = { verdict: ProtmVerdict.PROTM_NONE, rule: SchedRule.RULE_NONE, group: 0, soleResident: false };

function denyNotTop(selected: readonly ProtmGroupView[], anyPending: boolean): ProtmChoice {
  if (!anyPending) return NONE;
  const waiting = selected.find((g) => g.protmPending);
  return { verdict: ProtmVerdict.PROTM_DENIED, rule: SchedRule.RULE_NOT_TOP, group: waiting ? waiting.id : 0, soleResident: false };
}

/**
 * RFC 5/5 (Jan 2025), as quoted in its review:
 * - cs_slot_process_protm_pending_event_locked: WARN and ignore without a heap, else set the
 *   queue's bit in protm_queues and queue an immediate tick.
 * - tick_ctx_apply: the group that gets new_csg_prio == MAX_CSG_PRIO and has protm_queues is
 *   (re)programmed with protm_ack: cs_slot_prog_locked acks its PROTM_PENDING and sets
 *   protm.pending; at the end glb_protm_enter, only if protm.pending: toggle GLB_PROTM_ENTER, ring
 *   doorbell 0, wait 4000 ms for the ack; a timeout schedules a reset (csg_upd_failed_mask = all).
 *   No PROTM_ACTIVE poll, no forced exit, no VM_BIND exit, nothing protected-specific at reset.
 * - sched_process_protm_exit_event_locked: acknowledge GLB_PROTM_EXIT, tick (after GLB IDLE).
 */
const RFC_2025: ProtmPolicyDesc = {
  name: 'rfc-2025',
  tickPeriod: (t) => t,
  pingWhileProtected: true,
  failEnterFatal: false,
  pendingWithoutHeapFatal: false,
  vmBindForcesExit: false,
  keepWhileTop: false,
  tickForcedExit: false,
  activePoll: false,
  handleProtmFault: false,
  enterAckTimeout: ms(4000),
  activeTimeout: 0,
  exitGrace: 0,
  exitTimeout: ms(500),
  chooseOnFinalOrder: true,
  idleFillBelowProtm: false,
  choose(selected, anyPending) {
    const top = selected[0];
    if (top && top.protmPending) return { verdict: ProtmVerdict.PROTM_GRANTED, rule: SchedRule.RULE_RFC_TOP_CSG_PRIO_15, group: top.id, soleResident: false };
    return denyNotTop(selected, anyPending);
  },
};

/**
 * 7/8 + 8/8 (May 2026) as posted, function by function:
 * - cs_slot_process_protm_pending_event_locked: ignored without a heap (fix
 *   pending-without-heap-fatal: the queue becomes fatal); else protm_pending_queues |= BIT(cs) and
 *   an immediate tick.
 * - tick_work: after the non-idle pass, protm_group = the first group of the highest non-empty
 *   ctx.groups list, unconditionally (fix pending-required: only if it has pending queues); with a
 *   protm_group the idle fill only re-picks resident (old) idle groups of priority ≤ its own.
 * - tick_ctx_reschedule_group (groups already on a slot): for the protm_group, ack its pending
 *   queues, toggle their doorbell bits, ring its CSG doorbell, clear the bits, set active_group. A
 *   protm_group started in the same tick is never seen there: no ack, active_group stays NULL
 *   (fix handle-protm-group: tick_ctx_handle_protm_group after the starts).
 * - tick_ctx_schedule_group: a started group with pending bits, in a tick with a protm_group,
 *   has them cleared (fix clear-pending-at-suspend: cleared at suspend instead).
 * - tick_ctx_apply, at the end, whenever protm_group is set: panthor_fw_protm_enter (toggle
 *   GLB_PROTM_ENTER, doorbell 0, wait 4000 ms for the ack, then poll PROTM_ACTIVE or a pending
 *   PROTM_EXIT every 10 µs up to 500 ms); on error schedule a reset and set csg_upd_failed_mask to
 *   every slot (fix fail-protm-slot: the protm group's slot only); protected_mode = true either way.
 * - sched_process_protm_exit_event_locked (GLB events before IDLE, CSG IRQs before GLB):
 *   acknowledge, tick, protected_mode = false, active_group = NULL.
 * - panthor_fw_protm_exit_sync (only from panthor_vm_lock_region): 5 ms for the FW to leave by
 *   itself, then panthor_fw_protm_exit_wait_event_timeout: PING, 500 ms for PROTM_ACTIVE to clear,
 *   else reset. No exit is forced from the tick: a protected group yields by being suspended.
 * - panthor_gpu_irq_handler: GPU_IRQ_PROTM_FAULT → warn, mask the IRQ, schedule a reset.
 * - handle_protm_fault (panthor_sched_pre_reset): if protected_mode, the active_group's queues all
 *   fatal (WARN and return when active_group is NULL), forced exit (PING, 500 ms); if that fails
 *   every other resident group is marked SUSPENDED and unbound (not blamed); then cleared.
 * - the watchdog PING keeps running while protected (fix pause-ping: not sent while protected).
 */
const PANTHOR_2026: ProtmPolicyDesc = {
  name: 'panthor-2026',
  tickPeriod: (t) => t,
  pingWhileProtected: true,
  failEnterFatal: false,
  pendingWithoutHeapFatal: false,
  vmBindForcesExit: true,
  keepWhileTop: false,
  tickForcedExit: false,
  activePoll: true,
  handleProtmFault: true,
  enterAckTimeout: ms(4000),
  activeTimeout: ms(500),
  exitGrace: ms(5),
  exitTimeout: ms(500),
  chooseOnFinalOrder: false,
  idleFillBelowProtm: true,
  choose(selected, anyPending, _active, fixes) {
    const top = selected[0];
    if (!top) return NONE;
    if (fixes.has('pending-required')) {
      if (top.protmPending) return { verdict: ProtmVerdict.PROTM_GRANTED, rule: SchedRule.RULE_PENDING_REQUIRED, group: top.id, soleResident: false };
      return denyNotTop(selected, anyPending);
    }
    return { verdict: ProtmVerdict.PROTM_GRANTED, rule: SchedRule.RULE_FIRST_OF_HIGHEST_LIST, group: top.id, soleResident: false };
  },
};

/** panthor-2026 with every review fix (policies/review-fixes.ts); the fixes are switched in the scheduler. */
const PANTHOR_2026_REVIEWED: ProtmPolicyDesc = { ...PANTHOR_2026, name: 'panthor-2026-reviewed' };

/**
 * kbase (Arm's downstream CSF scheduler, mali_kbase_csf_scheduler.c): tick 100 ms; the active
 * protected group still on top → nothing touched ("keep protm exec"); a top group with pending
 * protected queues becomes the only resident group (all others suspended), its PROTM_PEND acked,
 * then GLB PROTM_ENTER with a ~50 ms wait for protected status (error → reset); the tick forces an
 * exit (scheduler_force_protm_exit: PING, wait, "Possible GPU hang in Protected mode" → reset)
 * when the protected group must give way; the watchdog ping is skipped while protected.
 */
const KBASE: ProtmPolicyDesc = {
  name: 'kbase',
  tickPeriod: () => ms(100),
  pingWhileProtected: false,
  failEnterFatal: true,
  pendingWithoutHeapFatal: true,
  vmBindForcesExit: false,
  keepWhileTop: true,
  tickForcedExit: true,
  activePoll: true,
  handleProtmFault: false,
  enterAckTimeout: ms(4000),
  activeTimeout: ms(50),
  exitGrace: 0,
  exitTimeout: ms(500),
  chooseOnFinalOrder: false,
  idleFillBelowProtm: false,
  choose(selected, anyPending, active) {
    const top = selected[0];
    if (top && top.id === active) return { verdict: ProtmVerdict.PROTM_KEEP, rule: SchedRule.RULE_KBASE_KEEP_PROTM, group: top.id, soleResident: true };
    if (top && top.protmPending) return { verdict: ProtmVerdict.PROTM_GRANTED, rule: SchedRule.RULE_KBASE_SOLE_RESIDENT, group: top.id, soleResident: true };
    return denyNotTop(selected, anyPending);
  },
};

export const PROTM_POLICY_DESCS: Readonly<Record<ProtmPolicy, ProtmPolicyDesc>> = {
  'rfc-2025': RFC_2025,
  'panthor-2026': PANTHOR_2026,
  'panthor-2026-reviewed': PANTHOR_2026_REVIEWED,
  'kbase': KBASE,
};

export function protmPolicy(name: ProtmPolicy): ProtmPolicyDesc {
  const p = PROTM_POLICY_DESCS[name];
  if (!p) throw new Error(`unknown protected-mode policy: ${name}`);
  return p;
}
