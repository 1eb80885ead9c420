/**
 * Rules of runtime PM and of the progress timer (panthor_device_suspend / _resume,
 * csg_slot_process_progress_timer_event_locked):
 *
 * - R26: nothing touches the GPU while it is suspended: no FW request, doorbell or MMU command
 *   between PM_SUSPENDED and the next PM_RESUME_BEGIN (the clocks and the power domain are off).
 * - R27: a suspend leaves no group on a CSG slot and the GPU out of protected mode
 *   (panthor_sched_suspend unbinds every group; the protected CSG's SUSPEND ends protected mode).
 * - R28: a group timed out by a CSG PROGRESS_TIMER_EVENT leaves its slot with CSG_STATE_TERMINATE
 *   at the next tick (group->timedout makes group_can_run false).
 */
import { FaultKind, GpuMode, GpuModeNames, PmOp, SlotAction, type Event } from '../../proto/index.js';
import type { ReplayState } from '../state.js';
import type { CheckRule } from './engine.js';
import { checkRuleWords } from '../rule-text.js';

const appOf = (s: ReplayState, g: number): string => {
  const r = s.groups[g];
  return r && r.app ? `group ${g} (${r.app})` : `group ${g}`;
};

const R26: CheckRule = {
  ...checkRuleWords('R26'),
  families: ['pm', 'fwReq', 'doorbell', 'mmu'],
  create(ctx) {
    let suspendedAt = -1;
    return {
      before(ev: Event, i: number) {
        const b = ev.body;
        if (b.case === 'pm') {
          if (b.value.op === PmOp.PM_SUSPENDED) suspendedAt = i;
          else if (b.value.op === PmOp.PM_RESUME_BEGIN) suspendedAt = -1;
          return;
        }
        if (suspendedAt < 0) return;
        if (b.case === 'fwReq' || b.case === 'doorbell' || b.case === 'mmu') {
          ctx.report(i, ev.t, `${b.case === 'fwReq' ? 'FW request' : b.case === 'doorbell' ? 'doorbell' : 'MMU command'} while the device is suspended (since #${suspendedAt}): the GPU is powered off; the access needs panthor_device_resume_and_get first`,
            'violation', [suspendedAt], suspendedAt);
        }
      },
    };
  },
};

const R27: CheckRule = {
  ...checkRuleWords('R27'),
  families: ['pm'],
  create(ctx) {
    return {
      after(ev: Event, i: number, s: ReplayState) {
        const b = ev.body;
        if (b.case !== 'pm' || b.value.op !== PmOp.PM_SUSPENDED) return;
        const resident = s.slots.filter((sl) => sl.group !== 0);
        if (resident.length) {
          ctx.report(i, ev.t, `suspended with ${resident.map((sl) => `${appOf(s, sl.group)} on CSG ${sl.slot}`).join(', ')} still resident: panthor_sched_suspend must unbind every group`,
            'violation', resident.map((sl) => sl.idx).filter((x) => x >= 0));
        }
        if (s.device.gpuMode === GpuModeNames[GpuMode.MODE_PROTECTED] || s.device.gpuMode === GpuModeNames[GpuMode.MODE_ENTERING]) {
          ctx.report(i, ev.t, `suspended while the GPU is ${s.device.gpuMode}`, 'violation', [s.device.gpuModeSinceIdx]);
        }
      },
    };
  },
};

const R28: CheckRule = {
  ...checkRuleWords('R28'),
  families: ['fault', 'decision'],
  create(ctx) {
    const open = new Map<number, { i: number; t: number }>();
    return {
      after(ev: Event, i: number, s: ReplayState) {
        const b = ev.body;
        if (b.case === 'fault' && b.value.kind === FaultKind.FAULT_PROGRESS_TIMER && b.value.group) {
          open.set(b.value.group, { i, t: ev.t });
          return;
        }
        if (b.case !== 'decision' || open.size === 0) return;
        for (const [g, f] of open) {
          const sl = b.value.slots.find((x) => x.group === g);
          if (sl && sl.action !== SlotAction.SLOT_TERMINATE) {
            ctx.report(i, ev.t, `${appOf(s, g)} timed out by PROGRESS_TIMER_EVENT at #${f.i} but this tick does not terminate it`, 'violation', [f.i], f.i);
          }
          open.delete(g);
        }
      },
    };
  },
};

/** Runtime PM and progress-timer rules, after the liveness rules. */
export const PM_RULES: readonly CheckRule[] = [R26, R27, R28];
