/**
 * Protected-mode scheduling policies (reference §4.2–4.5): the design alternatives that csftrace
 * records and diffs. Each policy is data (what the watchdog does, how a failed enter is handled, the
 * tick period) plus one function that picks the protected group from a tick's selection.
 *
 *   scheduler tick ──► selection (groups for slots, top first) ──► choose() ──► verdict + rule
 */
import { ProtmVerdict, SchedRule } from '../../proto/index.js';
import type { ProtmPolicy } from '../contract.js';
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
  /** The watchdog PING is sent even while protected (2026 as posted, RFC): it forces an exit. */
  readonly pingWhileProtected: boolean;
  /** A failed PROTM_ENTER fails every resident slot (2026 as posted) instead of the protm group's. */
  readonly failEnterAllSlots: boolean;
  /** CS_PROTM_PENDING without a heap makes the queue fatal (review) instead of being ignored. */
  readonly pendingWithoutHeapFatal: boolean;
  /** VM_BIND (MMU lock region) forces a protected-mode exit first (2026 series). */
  readonly vmBindForcesExit: boolean;
  /** kbase: an active protected group that is still the top group is left alone. */
  readonly keepWhileTop: boolean;
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
   * 7/8: the FW event work handles the CSG interfaces before the global one (so a PROTM_PENDING
   * is seen before the PROTM_EXIT that follows it); mainline handles GLB first.
   */
  readonly csgIrqFirst: boolean;
  /**
   * Picks the protm group. `selected` is the tick's selection in CSG priority order (index 0 gets
   * CSG priority 15); `anyPending` is true when some live group has pending protected queues.
   */
  choose(selected: readonly ProtmGroupView[], anyPending: boolean, active: number): ProtmChoice;
}

const NONE: ProtmChoice = { verdict: ProtmVerdict.PROTM_NONE, rule: SchedRule.RULE_NONE, group: 0, soleResident: false };

function denyNotTop(selected: readonly ProtmGroupView[], anyPending: boolean): ProtmChoice {
  if (!anyPending) return NONE;
  const waiting = selected.find((g) => g.protmPending);
  return { verdict: ProtmVerdict.PROTM_DENIED, rule: SchedRule.RULE_NOT_TOP, group: waiting ? waiting.id : 0, soleResident: false };
}

const RFC_2025: ProtmPolicyDesc = {
  name: 'rfc-2025',
  tickPeriod: (t) => t,
  pingWhileProtected: true,
  failEnterAllSlots: false,
  pendingWithoutHeapFatal: false,
  vmBindForcesExit: false,
  keepWhileTop: false,
  enterAckTimeout: ms(4000),
  activeTimeout: ms(500),
  exitGrace: 0,
  exitTimeout: ms(500),
  chooseOnFinalOrder: true,
  idleFillBelowProtm: false,
  csgIrqFirst: false,
  // "the group that gets CSG priority 15 and has pending queues has its PROTM_PENDING acked"
  choose(selected, anyPending, active) {
    const top = selected[0];
    if (top && top.id === active) return { verdict: ProtmVerdict.PROTM_KEEP, rule: SchedRule.RULE_ALREADY_PROTECTED, group: top.id, soleResident: false };
    if (top && top.protmPending) return { verdict: ProtmVerdict.PROTM_GRANTED, rule: SchedRule.RULE_RFC_TOP_CSG_PRIO_15, group: top.id, soleResident: false };
    return denyNotTop(selected, anyPending);
  },
};

const PANTHOR_2026: ProtmPolicyDesc = {
  name: 'panthor-2026',
  tickPeriod: (t) => t,
  pingWhileProtected: true,
  failEnterAllSlots: true,
  pendingWithoutHeapFatal: false,
  vmBindForcesExit: true,
  keepWhileTop: false,
  enterAckTimeout: ms(4000),
  activeTimeout: ms(500),
  exitGrace: ms(5),
  exitTimeout: ms(500),
  chooseOnFinalOrder: false,
  idleFillBelowProtm: true,
  csgIrqFirst: true,
  // As posted: protm_group = first group of the highest non-empty priority list, pending queues
  // not checked (the review's finding): the enter goes out even when that group has none.
  choose(selected, anyPending, active) {
    const top = selected[0];
    if (!top || !anyPending) return NONE;
    if (top.id === active) return { verdict: ProtmVerdict.PROTM_KEEP, rule: SchedRule.RULE_ALREADY_PROTECTED, group: top.id, soleResident: false };
    return { verdict: ProtmVerdict.PROTM_GRANTED, rule: SchedRule.RULE_FIRST_OF_HIGHEST_LIST, group: top.id, soleResident: false };
  },
};

const PANTHOR_2026_REVIEWED: ProtmPolicyDesc = {
  ...PANTHOR_2026,
  name: 'panthor-2026-reviewed',
  pingWhileProtected: false,
  failEnterAllSlots: false,
  pendingWithoutHeapFatal: true,
  // The review: choose protm_group only if it has pending queues; only the top group may enter.
  choose(selected, anyPending, active) {
    const top = selected[0];
    if (top && top.id === active) return { verdict: ProtmVerdict.PROTM_KEEP, rule: SchedRule.RULE_ALREADY_PROTECTED, group: top.id, soleResident: false };
    if (top && top.protmPending) return { verdict: ProtmVerdict.PROTM_GRANTED, rule: SchedRule.RULE_PENDING_REQUIRED, group: top.id, soleResident: false };
    return denyNotTop(selected, anyPending);
  },
};

const KBASE: ProtmPolicyDesc = {
  name: 'kbase',
  tickPeriod: () => ms(100),
  pingWhileProtected: false,
  failEnterAllSlots: false,
  pendingWithoutHeapFatal: true,
  vmBindForcesExit: false,
  keepWhileTop: true,
  enterAckTimeout: ms(4000),
  activeTimeout: ms(50),
  exitGrace: 0,
  exitTimeout: ms(500),
  chooseOnFinalOrder: false,
  idleFillBelowProtm: false,
  csgIrqFirst: false,
  // kbase: the active protected group still on top → nothing touched ("keep protm exec"); a top
  // group with pending protected queues becomes the only resident group before entering.
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
