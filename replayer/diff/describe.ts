/**
 * Text for decisions and run-queue entries with groups named by identity (not handle), as the diff
 * shows them side by side.
 */
import {
  ProtmVerdictNames, SchedRuleNames, SlotActionNames, TickTriggerNames, GpuModeNames,
  SlotAction, type RunQueueEntry, type SchedDecision, GROUP_PRIORITY_NAMES,
} from '../../proto/index.js';

export type Namer = (handle: number) => string;

/** One line: trigger, slots, evictions, protected-mode verdict. Handles are named by `name`. */
export function describeDecision(d: SchedDecision, name: Namer): string {
  const parts: string[] = [TickTriggerNames[d.trigger] ?? `TRIGGER_${d.trigger}`];
  const slots = d.slots
    .filter((s) => !(s.group === 0 && s.action === SlotAction.SLOT_EMPTY))
    .slice()
    .sort((x, y) => x.slot - y.slot)
    .map((s) => `${s.slot}:${name(s.group)}@${s.csgPriority} ${(SlotActionNames[s.action] ?? String(s.action)).replace(/^SLOT_/, '')}`);
  parts.push(`slots[${slots.join(', ')}]`);
  if (d.evicted.length) parts.push(`evict[${d.evicted.map(name).join(', ')}]`);
  if (d.protm !== 0 || d.protmRule !== 0) {
    const g = d.protmGroup ? ` ${name(d.protmGroup)}` : '';
    parts.push(`${ProtmVerdictNames[d.protm] ?? d.protm}${g} (${SchedRuleNames[d.protmRule] ?? d.protmRule})`);
  }
  return parts.join(' ');
}

/** The decision's inputs: one line per run-queue entry, plus the GPU mode and free address spaces. */
export function describeInputs(d: SchedDecision, name: Namer): string[] {
  const lines = [`${GpuModeNames[d.mode] ?? d.mode}, ${d.fullTick ? 'full tick' : 'partial tick'}, ${d.freeAs} free AS`];
  for (const e of d.inputs) lines.push(describeEntry(e, name));
  for (const r of d.reasons) lines.push(`${name(r.group)}: ${SchedRuleNames[r.rule] ?? r.rule}`);
  return lines;
}

function describeEntry(e: RunQueueEntry, name: Namer): string {
  const flags = [
    GROUP_PRIORITY_NAMES[e.priority] ?? `prio${e.priority}`,
    e.csgSlot >= 0 ? `slot ${e.csgSlot}@${e.csgPriority}` : 'off-slot',
    e.idle ? 'idle' : 'busy',
  ];
  if (e.protmPending) flags.push('protm_pending');
  if (e.isProtected) flags.push('protected');
  if (e.waiting) flags.push('waiting');
  if (!e.canRun) flags.push('cannot run');
  return `${name(e.group)}: ${flags.join(', ')}`;
}
