/**
 * The firmware assumptions and review fixes a trace was made under, read from its header
 * (`TraceHeader.fw_assumptions`: `{ name: 'fw.<assumption>', value }` per assumption;
 * `TraceHeader.review_fixes`: comma-separated). One home for how `info`, `diff`, `bugreport` and
 * the exports name them.
 */
import type { TraceHeader } from '../proto/index.js';

export interface HeaderAssumption { name: string; value: string }

/** The recorded assumptions, names without the `fw.` prefix; empty for traces of older models. */
export function assumptionsOf(h: TraceHeader): HeaderAssumption[] {
  return h.fwAssumptions.map((a) => ({ name: a.name.startsWith('fw.') ? a.name.slice(3) : a.name, value: a.value }));
}

/** One line: `protm_enter_without_pending=enter-then-exit, ping_while_protected=exit, …`. */
export function formatAssumptions(h: TraceHeader): string {
  const a = assumptionsOf(h);
  return a.length ? a.map((x) => `${x.name}=${x.value}`).join(', ') : 'not recorded (trace of a model before 0.2.0)';
}

/** The policy with its review fixes: `panthor-2026 + pause-ping`, `panthor-2026-reviewed` (all). */
export function policyWithFixes(h: TraceHeader): string {
  const p = h.policy || '?';
  if (!h.reviewFixes) return p;
  return p === 'panthor-2026-reviewed' ? `${p} (${h.reviewFixes.split(',').length} fixes: ${h.reviewFixes})` : `${p} + ${h.reviewFixes.split(',').join(' + ')}`;
}
