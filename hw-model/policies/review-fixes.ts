/**
 * The review's requested changes to the posted 2026 series (Boris Brezillon's replies to 7/8, May
 * 2026), each one named and separately switchable on top of `panthor-2026`, so that `diff` can show
 * what each one buys: `--policy panthor-2026 --review-fixes pause-ping` against `--policy
 * panthor-2026`. `panthor-2026-reviewed` applies all of them.
 */
import { REVIEW_FIXES, type ProtmPolicy, type ReviewFix } from '../contract.js';

export interface ReviewFixSpec {
  readonly name: ReviewFix;
  /** What changes against the posted code. */
  readonly change: string;
  /** Where the review asks for it. */
  readonly source: string;
}

export const REVIEW_FIX_SPECS: readonly ReviewFixSpec[] = [
  { name: 'pending-required', change: 'tick_work picks the first group of the highest non-empty priority list as protm_group only if it has pending protected queues (else none)',
    source: 'review 2/2 on tick_work: "if (group->protm_pending_queues) ctx.protm_group = group; break;"' },
  { name: 'pause-ping', change: 'the watchdog PING is not sent while protected (it would force an exit)',
    source: 'review 1/2 on panthor_fw_protm_exit_wait_event_timeout: "we should probably pause the PING (or reschedule it) right before entering PROTM"' },
  { name: 'fail-protm-slot', change: 'a failed enter marks only the protm group\'s CSG as failed (csg_upd_failed_mask |= BIT(csg_id)), not every slot',
    source: 'review 2/2 on tick_ctx_apply: "It\'s weird to flag it as all CSGs update failed"' },
  { name: 'pending-without-heap-fatal', change: 'CS_PROTM_PENDING without a protected heap makes the queue fatal and schedules a tick, instead of being ignored',
    source: 'review 2/2 on cs_slot_process_protm_pending_event_locked: "Should we flag the group unusable"' },
  { name: 'handle-protm-group', change: 'the protm group is handled by tick_ctx_handle_protm_group() after the new groups are started, so a protm group started in the same tick gets its queues acked and becomes active_group',
    source: 'review 2/2 on tick_ctx_reschedule_group: the tick_ctx_handle_protm_group() helper "called before/after tick_ctx_reschedule_group()"' },
  { name: 'clear-pending-at-suspend', change: 'protm_pending_queues is cleared when the group is suspended, not when it is started again in a tick with a protm group',
    source: 'review 2/2 on tick_ctx_schedule_group: "I\'d move this to the path where we do the SUSPEND, or group_unbind(), even"' },
];

/** The fixes in effect: the configured list, else the policy's own (none, or all for -reviewed). */
export function reviewFixesOf(policy: ProtmPolicy, configured: readonly ReviewFix[] | undefined): ReadonlySet<ReviewFix> {
  if (policy !== 'panthor-2026' && policy !== 'panthor-2026-reviewed') return new Set();
  if (configured) return new Set(configured);
  return new Set(policy === 'panthor-2026-reviewed' ? REVIEW_FIXES : []);
}

/** "a,b" / "all" / "none" → the list, or an error sentence. */
export function parseReviewFixes(text: string): ReviewFix[] | string {
  const t = text.trim();
  if (t === 'all') return [...REVIEW_FIXES];
  if (t === 'none' || t === '') return [];
  const out: ReviewFix[] = [];
  for (const part of t.split(',')) {
    const n = part.trim();
    if (!(REVIEW_FIXES as readonly string[]).includes(n)) return `unknown review fix "${n}" (one of ${REVIEW_FIXES.join(', ')}, or all, none)`;
    if (!out.includes(n as ReviewFix)) out.push(n as ReviewFix);
  }
  return out;
}

/** The header form: the fixes in registry order, comma-separated ("" = none). */
export function formatReviewFixes(fixes: ReadonlySet<ReviewFix>): string {
  return REVIEW_FIXES.filter((f) => fixes.has(f)).join(',');
}
