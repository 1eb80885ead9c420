/**
 * Rules about what the scheduler decided, beyond reference §6's per-request invariants: root causes
 * (a protected grant to a group with nothing pending: the 2026 review's point on 7/8's protm_group
 * choice) and liveness (protected work that never gets protected time; a protected group kept while
 * a higher-priority group is resumed beside it and waits). Each finding names the decision behind
 * it as its root.
 */
import {
  BlockedReason, FwIface, FwReqKind, GLB_PROTM_ENTER, GpuMode, GROUP_PRIORITY_NAMES, GroupStateKind, JobPhase, ProtmVerdict,
  ResetPhase, SlotAction, type Event,
} from '../../proto/index.js';
import type { ReplayState } from '../state.js';
import { formatNs } from '../time-text.js';
import type { CheckRule } from './engine.js';
import { checkRuleWords } from '../rule-text.js';

const MS = 1_000_000;
/** R21's default bound: three frames of a 30 fps player. */
export const DEFAULT_STARVATION_BOUND_NS = 100 * MS;

const groupName = (s: ReplayState, g: number): string => {
  const r = s.groups[g];
  return r && r.app ? `group ${g} (${r.app})` : `group ${g}`;
};

/** Whether a group has a protected queue waiting: PROTM_PENDING raised or a job blocked on protected mode. */
function hasPendingProtected(s: ReplayState, g: number): boolean {
  const r = s.groups[g];
  if (!r) return false;
  if (r.protmPendingQueues !== 0) return true;
  for (const q of r.queues) if (q && (q.protmPending || (q.blocked === 'BLOCKED_PROTM' && q.running !== 0))) return true;
  return false;
}

/** The related list of a finding that is only counted. */
const NO_RELATED: number[] = [];

const R20: CheckRule = {
  ...checkRuleWords('R20'),
  families: ['decision', 'fwReq.glb', 'reset', 'modeSwitch'],
  create(ctx) {
    // Stress traces under the posted 7/8 have a finding at every decision: the open grant is kept in
    // plain variables, and past maxPerRule a finding is only counted (ctx.listed), so that the rule
    // allocates nothing per decision.
    let openI = -1, openT = 0, openGroup = 0, openApp = '', openToggle = -1;
    /** Reports the open grant with its consequence: none, a reset at `at` or protected mode at `at`. */
    const close = (kind: 'decision' | 'reset' | 'entered' | 'end', at: number, t: number): void => {
      if (openI < 0) return;
      const i = openI, t0 = openT, toggle = openToggle;
      openI = -1;
      if (!ctx.listed()) { ctx.report(i, t0, '', 'violation', NO_RELATED, i); return; }
      const name = openApp ? `group ${openGroup} (${openApp})` : `group ${openGroup}`;
      const consequence = kind === 'decision' ? 'the next decision came before any consequence'
        : kind === 'reset' ? `the GPU was reset at #${at}, ${formatNs(t - t0)} later`
          : kind === 'entered' ? `the GPU entered protected mode for it at #${at}` : 'no consequence before the end of the trace';
      const related: number[] = [];
      if (toggle >= 0) related.push(toggle);
      if (kind === 'reset' || kind === 'entered') related.push(at);
      ctx.report(i, t0, `protected mode GRANTED to ${name}, which has no pending protected queue; ${consequence}`, 'violation', related, i);
    };
    return {
      before(ev, i, s) {
        const b = ev.body;
        if (b.case === 'decision') {
          close('decision', -1, ev.t);
          const d = b.value;
          if (d.protm === ProtmVerdict.PROTM_GRANTED && d.protmGroup !== 0 && !hasPendingProtected(s, d.protmGroup)) {
            openI = i; openT = ev.t; openGroup = d.protmGroup; openApp = s.groups[d.protmGroup]?.app ?? ''; openToggle = -1;
          }
          return;
        }
        if (openI < 0) return;
        if (b.case === 'fwReq' && b.value.iface === FwIface.GLB && b.value.kind === FwReqKind.REQ_TOGGLE
          && (b.value.bits & GLB_PROTM_ENTER) !== 0 && openToggle < 0) {
          openToggle = i;
        } else if (b.case === 'reset' && b.value.phase === ResetPhase.RESET_BEGIN) {
          close('reset', i, ev.t);
        } else if (b.case === 'modeSwitch' && b.value.to === GpuMode.MODE_PROTECTED) {
          close('entered', i, ev.t);
        }
      },
      finish() { close('end', -1, 0); },
    };
  },
};

const R21: CheckRule = {
  ...checkRuleWords('R21'),
  families: ['queueState', 'modeSwitch', 'job', 'groupState'],
  create(ctx) {
    const bound = ctx.options.starvationBoundNs ?? DEFAULT_STARVATION_BOUND_NS;
    /** Open episodes per group: since when its protected work waits. */
    const waiting = new Map<number, { i: number; t: number; seq: number }>();
    let seq = 0;
    const open = (g: number, i: number, t: number): void => {
      if (waiting.has(g)) return;
      const e = { i, t, seq: seq++ };
      waiting.set(g, e);
      ctx.at(t + bound, () => {
        if (waiting.get(g) !== e) return;
        const s = ctx.state;
        ctx.report(e.i, e.t, `protected work of ${groupName(s, g)} waited ${formatNs(bound)} for protected mode and did not get it` +
          ` (GPU ${s.device.gpuMode}; last decision #${s.sched.lastDecisionIdx}: ${s.sched.lastProtm || 'no verdict'}` +
          `${s.sched.lastProtmRule ? ` ${s.sched.lastProtmRule}` : ''})`, 'violation', [], s.sched.lastDecisionIdx >= 0 ? s.sched.lastDecisionIdx : -1);
      });
    };
    return {
      after(ev: Event, i: number, s: ReplayState) {
        const b = ev.body;
        switch (b.case) {
          case 'queueState':
            if (b.value.protmPending || b.value.blocked === BlockedReason.BLOCKED_PROTM) open(b.value.group, i, ev.t);
            break;
          case 'modeSwitch':
            if (b.value.to === GpuMode.MODE_PROTECTED && b.value.group !== 0) waiting.delete(b.value.group);
            break;
          case 'job':
            if (b.value.phase !== JobPhase.JOB_QUEUED && b.value.phase !== JobPhase.JOB_STARTED && b.value.phase !== JobPhase.JOB_RESUMED
              && b.value.phase !== JobPhase.JOB_PREEMPTED && !hasPendingProtected(s, b.value.group)) waiting.delete(b.value.group);
            break;
          case 'groupState':
            if (b.value.to === GroupStateKind.GROUP_DESTROYED || b.value.to === GroupStateKind.PANTHOR_CS_GROUP_TERMINATED) waiting.delete(b.value.group);
            break;
          default: break;
        }
      },
    };
  },
};

const R22: CheckRule = {
  ...checkRuleWords('R22'),
  families: ['decision'],
  create(ctx) {
    return {
      before(ev, i, s) {
        const b = ev.body;
        if (b.case !== 'decision' || b.value.protm !== ProtmVerdict.PROTM_KEEP) return;
        const d = b.value;
        const p = d.protmGroup || s.device.protmActiveGroup;
        const pg = s.groups[p];
        if (!pg) return;
        for (const a of d.slots) {
          // A group (re)started on a slot has work to do; while the GPU stays protected it cannot run.
          if (a.action !== SlotAction.SLOT_RESUME && a.action !== SlotAction.SLOT_START) continue;
          const h = s.groups[a.group];
          if (!h || a.group === p || h.priority <= pg.priority) continue;
          ctx.report(i, ev.t, `${groupName(s, p)} (${GROUP_PRIORITY_NAMES[pg.priority] ?? pg.priority}) kept in protected mode while ${groupName(s, a.group)}` +
            ` (${GROUP_PRIORITY_NAMES[h.priority] ?? h.priority}) is ${a.action === SlotAction.SLOT_START ? 'started' : 'resumed'} at CSG priority ${a.csgPriority}: it waits for the protected group`,
          'violation', [], i);
          return;
        }
      },
    };
  },
};

export const LIVENESS_RULES: readonly CheckRule[] = [R20, R21, R22];
