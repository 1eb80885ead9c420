/**
 * Why the scheduler did what it did: readable sentences for a SchedDecision (its trigger, each
 * group's outcome and the rule behind it, the protected-mode verdict and its rule), in the words of
 * the reference (panthor_sched.c tick, the protected-mode series and their review).
 */
import {
  GpuModeNames, ProtmVerdict, ProtmVerdictNames, SchedRule, SchedRuleNames, SlotAction, TickTrigger,
  TickTriggerNames, type Event, type RunQueueEntry, type SchedDecision, GROUP_PRIORITY_NAMES,
} from '../proto/index.js';
import { formatNs } from './time-text.js';
import { SCHED_RULE_SENTENCES, TICK_TRIGGER_SENTENCES } from './rule-text.js';

/** One sentence per scheduling rule, by SchedRule value (the words: rule-text.ts). */
export const RULE_SENTENCES: Readonly<Record<number, string>> = byValue(SchedRule, SCHED_RULE_SENTENCES);

const TRIGGER_SENTENCES: Readonly<Record<number, string>> = byValue(TickTrigger, TICK_TRIGGER_SENTENCES);

/** A table by enum value from one by value name. */
function byValue<E extends Readonly<Record<string, number>>>(values: E, byName: { readonly [K in keyof E]: string }): Record<number, string> {
  const out: Record<number, string> = {};
  for (const [k, v] of Object.entries(values) as [keyof E & string, number][]) out[v] = byName[k];
  return out;
}

const ACTION_VERBS: Readonly<Record<number, string>> = {
  [SlotAction.SLOT_EMPTY]: 'left empty',
  [SlotAction.SLOT_KEEP]: 'kept',
  [SlotAction.SLOT_START]: 'started (CSG_STATE_START)',
  [SlotAction.SLOT_RESUME]: 'resumed (CSG_STATE_RESUME)',
  [SlotAction.SLOT_SUSPEND]: 'evicted with CSG_STATE_SUSPEND',
  [SlotAction.SLOT_TERMINATE]: 'evicted with CSG_STATE_TERMINATE',
};

export function ruleSentence(rule: number): string {
  return RULE_SENTENCES[rule] ?? SchedRuleNames[rule] ?? `rule ${rule}`;
}

function describeGroup(e: RunQueueEntry | undefined, g: number): string {
  if (!e) return `group ${g}`;
  const traits = [GROUP_PRIORITY_NAMES[e.priority] ?? `prio ${e.priority}`, e.idle ? 'idle' : 'non-idle'];
  if (e.isProtected) traits.push('protected');
  if (e.protmPending) traits.push('protm pending');
  if (e.waiting) traits.push('waiting on a syncobj');
  if (!e.canRun) traits.push('cannot run');
  return `group ${g} (${traits.join(', ')})`;
}

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** Sentences explaining a scheduling decision; [] for any other event. */
export function explainDecision(ev: Event): string[] {
  if (ev.body.case !== 'decision') return [];
  return explainSchedDecision(ev.body.value);
}

export function explainSchedDecision(d: SchedDecision): string[] {
  const out: string[] = [];
  const mode = GpuModeNames[d.mode] ?? String(d.mode);
  out.push(`Tick ${d.tick} (${d.fullTick ? 'full tick' : 'not a full tick: only realtime groups may preempt'}), GPU in ${mode}, triggered by ${TRIGGER_SENTENCES[d.trigger] ?? TickTriggerNames[d.trigger] ?? d.trigger}.`);
  const input = new Map<number, RunQueueEntry>();
  for (const e of d.inputs) input.set(e.group, e);
  const reason = new Map<number, number>();
  for (const r of d.reasons) reason.set(r.group, r.rule);
  const told = new Set<number>();
  const slots = [...d.slots].sort((a, b) => a.slot - b.slot);
  for (const s of slots) {
    if (!s.group) continue;
    told.add(s.group);
    const rule = reason.get(s.group);
    const where = s.action === SlotAction.SLOT_SUSPEND || s.action === SlotAction.SLOT_TERMINATE
      ? `from CSG slot ${s.slot}` : `on CSG slot ${s.slot} with CSG priority ${s.csgPriority}`;
    out.push(`${cap(describeGroup(input.get(s.group), s.group))} ${ACTION_VERBS[s.action] ?? 'assigned'} ${where}${rule !== undefined ? `: ${ruleSentence(rule)}` : ''}.`);
  }
  for (const g of d.evicted) {
    if (told.has(g)) continue;
    told.add(g);
    const rule = reason.get(g);
    out.push(`${cap(describeGroup(input.get(g), g))} evicted${rule !== undefined ? `: ${ruleSentence(rule)}` : ''}.`);
  }
  for (const r of d.reasons) {
    if (told.has(r.group)) continue;
    told.add(r.group);
    out.push(`${cap(describeGroup(input.get(r.group), r.group))} not scheduled: ${ruleSentence(r.rule)}.`);
  }
  for (const e of d.inputs) {
    if (told.has(e.group)) continue;
    out.push(`${cap(describeGroup(e, e.group))} stays off-slot.`);
  }
  const verdict = ProtmVerdictNames[d.protm] ?? String(d.protm);
  const who = d.protmGroup ? ` for group ${d.protmGroup}` : '';
  switch (d.protm) {
    case ProtmVerdict.PROTM_NONE:
      out.push(d.protmRule ? `Protected mode: nobody entered (${ruleSentence(d.protmRule)}).` : 'Protected mode: nobody asked.');
      break;
    case ProtmVerdict.PROTM_GRANTED: {
      const e = input.get(d.protmGroup);
      const pending = e === undefined || e.protmPending;
      out.push(`Protected mode GRANTED${who}: ${pending ? 'its PROTM_PENDING is acked, ' : ''}GLB_PROTM_ENTER follows; ${ruleSentence(d.protmRule)}.`);
      if (!pending) out.push(`Group ${d.protmGroup} has no pending protected queue${e && !e.isProtected ? ' (it is not even a protected group)' : ''}: the FW has nothing to run protected.`);
      break;
    }
    default:
      out.push(`Protected mode ${verdict.replace(/^PROTM_/, '')}${who}: ${ruleSentence(d.protmRule)}.`);
      break;
  }
  if (d.timeslice) out.push('The tick keeps running (timeslicing): every slot is used, no idle group was scheduled and groups of the lowest scheduled priority still wait.');
  if (d.nextTickNs) out.push(`Next tick at ${formatNs(d.nextTickNs)}.`);
  if (d.freeAs) out.push(`${d.freeAs} GPU address space${d.freeAs === 1 ? '' : 's'} left free.`);
  return out;
}
