/**
 * The invariant checker (reference §6): one pass over the trace, the reducer building the state as
 * it goes, every rule seeing each event with the state before it (`before`) and after it (`after`).
 * Rules that say "within X or a reset follows" arm deadlines; a deadline fires when the first event
 * past it arrives, so a trace that ends before a deadline is inconclusive, not a violation.
 *
 *   for each event i:  fire deadlines < t  →  rule.before(ev, i, s)  →  applyEvent  →  rule.after(ev, i, s)
 *   end:               rule.finish(s)
 *
 * Every finding names its root decision: the scheduling decision the finding (or the request it
 * refers to) was caused by, found by following the events' cause links back (a rule may name it
 * itself). One step in the replay reaches it (`csftrace replay trace.csft#ev=<root>`).
 */
import type { Event } from '../../proto/index.js';
import { applyEvent, initialState } from '../reducer.js';
import { decodeStateSnapshot } from '../snapshot.js';
import type { ReplayState } from '../state.js';
import type { TraceFile } from '../trace-file.js';

export type Severity = 'violation' | 'anomaly';

export interface Violation {
  rule: string;              // "R5"
  name: string;              // "protm-enter-completes"
  severity: Severity;        // violation: the invariant broke; anomaly: a timeout recovered by a reset, an unexpected event
  index: number;             // event index
  t: number;                 // ns
  message: string;
  related: number[];         // other events involved (the request a timeout refers to, ...)
  /** The scheduling decision behind the finding (event index), -1 when none is found. */
  root: number;
}

/** What a rule sees of the checker. */
export interface CheckContext {
  readonly policy: string;
  readonly heapPolicy: string;
  /** The trace header's model version ("" when unknown). */
  readonly modelVersion: string;
  /** The state the reducer has built (before/after the current event, as the hook says). */
  state: ReplayState;
  /** Time of the last event seen. */
  now: number;
  report(index: number, t: number, message: string, severity?: Severity, related?: number[], root?: number): void;
  /** The options of the run (bounds of the liveness rules). */
  readonly options: CheckOptions;
  /** Calls `fire(t)` once an event later than `t` arrives (not at all if the trace ends first). */
  at(t: number, fire: () => void): void;
}

export interface RuleInstance {
  before?(ev: Event, i: number, s: ReplayState): void;
  after?(ev: Event, i: number, s: ReplayState): void;
  finish?(s: ReplayState): void;
}

export interface CheckRule {
  id: string;
  name: string;
  /** The invariant, in the words of reference §6. */
  title: string;
  /** Only for these protected-mode policies (undefined = every policy). */
  policies?: readonly string[];
  create(ctx: CheckContext): RuleInstance;
}

export interface RuleSummary {
  id: string;
  name: string;
  title: string;
  policies: readonly string[] | null;
  applicable: boolean;
  violations: number;
  anomalies: number;
}

export interface CheckReport {
  path: string;
  policy: string;
  heapPolicy: string;
  events: number;
  rules: RuleSummary[];
  /** Findings in event order (at most `maxPerRule` per rule are kept; the counts are complete). */
  findings: Violation[];
  violations: number;
  anomalies: number;
  /** What the trace's reader recovered or lost (a damaged trace is never clean), and an empty trace's notice. */
  notices: string[];
}

export interface CheckOptions {
  /** Check only these rule ids (default: all). */
  only?: readonly string[];
  /** Findings kept per rule (default 1000). */
  maxPerRule?: number;
  /** Overrides the policy of the header (for traces without one). */
  policy?: string;
  /** R21: how long protected work may wait for protected mode (default 100 ms: three frames at 30 fps). */
  starvationBoundNs?: number;
}

/** How many cause links a root search follows at most. */
const ROOT_DEPTH = 64;
/**
 * How far back (in events) a root search can reach: the cause links of the last 2^20 events are kept
 * in a ring (5 MiB whatever the trace's size). Roots lie a few events to a few thousand back.
 */
const ROOT_RING = 1 << 20;

interface Timer { t: number; seq: number; fire: () => void }

/** Timers in a binary min-heap on (t, seq): a stress trace keeps tens of thousands armed at once. */
function timerBefore(a: Timer, b: Timer): boolean { return a.t < b.t || (a.t === b.t && a.seq < b.seq); }

function pushTimer(h: Timer[], tm: Timer): void {
  let k = h.length;
  h.push(tm);
  while (k > 0) {
    const p = (k - 1) >> 1;
    if (!timerBefore(tm, h[p])) break;
    h[k] = h[p];
    k = p;
  }
  h[k] = tm;
}

function popTimer(h: Timer[]): Timer {
  const top = h[0];
  const last = h.pop()!;
  if (h.length === 0) return top;
  let k = 0;
  for (;;) {
    const l = 2 * k + 1;
    if (l >= h.length) break;
    const c = l + 1 < h.length && timerBefore(h[l + 1], h[l]) ? l + 1 : l;
    if (!timerBefore(h[c], last)) break;
    h[k] = h[c];
    k = c;
  }
  h[k] = last;
  return top;
}

/** Runs `rules` over a trace. */
export function runChecks(trace: TraceFile, rules: readonly CheckRule[], opts: CheckOptions = {}): CheckReport {
  const policy = opts.policy ?? trace.header.policy;
  const heapPolicy = trace.header.heapPolicy;
  const maxPerRule = opts.maxPerRule ?? 1000;
  const findings: Violation[] = [];
  const summaries: RuleSummary[] = [];
  const timers: Timer[] = [];
  let seq = 0;
  const state: ReplayState = trace.snapshot ? decodeStateSnapshot(trace.snapshot, trace.path || 'trace') : initialState();
  // Cause link and decision flag of every event, for the root decision of each finding.
  const causeOf = new Int32Array(ROOT_RING).fill(-1);
  const isDecision = new Uint8Array(ROOT_RING);
  let seen = 0; // events written into the ring
  // The finding's own cause chain, else those of the events it refers to; at report time, while
  // the events involved are still in the ring.
  const rootOf = (e: number): number => {
    for (let k = 0, x = e; k < ROOT_DEPTH && x >= 0 && x < seen && seen - x <= ROOT_RING; k++) {
      const slot = x & (ROOT_RING - 1);
      if (isDecision[slot]) return x;
      x = causeOf[slot];
    }
    return -1;
  };
  const rootFor = (index: number, related: readonly number[]): number => {
    let r = rootOf(index);
    for (const x of related) { if (r >= 0) break; r = rootOf(x); }
    return r;
  };

  const instances: RuleInstance[] = [];
  const ctxs: CheckContext[] = [];
  for (const rule of rules) {
    if (opts.only && !opts.only.includes(rule.id)) continue;
    const applicable = !rule.policies || rule.policies.includes(policy);
    const sum: RuleSummary = {
      id: rule.id, name: rule.name, title: rule.title, policies: rule.policies ?? null, applicable, violations: 0, anomalies: 0,
    };
    summaries.push(sum);
    if (!applicable) continue;
    const ctx: CheckContext = {
      policy, heapPolicy, modelVersion: trace.header.modelVersion ?? '', state, now: 0, options: opts,
      report(index, t, message, severity = 'violation', related = [], root) {
        if (severity === 'violation') sum.violations++; else sum.anomalies++;
        if (sum.violations + sum.anomalies <= maxPerRule) {
          findings.push({ rule: rule.id, name: rule.name, severity, index, t, message, related, root: root ?? rootFor(index, related) });
        }
      },
      at(t, fire) { pushTimer(timers, { t, seq: seq++, fire }); },
    };
    instances.push(rule.create(ctx));
    ctxs.push(ctx);
  }

  const befores = instances.filter((r) => r.before);
  const afters = instances.filter((r) => r.after);
  // forEach, not iterate(): a generator resume per event was a fifth of the pass
  trace.forEach((ev, i) => {
    const slot = i & (ROOT_RING - 1);
    causeOf[slot] = ev.cause > 0 && ev.cause <= i ? i - ev.cause : -1;
    isDecision[slot] = ev.body.case === 'decision' ? 1 : 0;
    seen = i + 1;
    while (timers.length && timers[0].t < ev.t) popTimer(timers).fire();
    for (const c of ctxs) c.now = ev.t;
    for (const r of befores) r.before!(ev, i, state);
    applyEvent(state, ev, i);
    for (const r of afters) r.after!(ev, i, state);
  });
  for (const r of instances) r.finish?.(state);

  findings.sort((a, b) => a.index - b.index || a.rule.localeCompare(b.rule, 'en', { numeric: true }));
  let violations = 0;
  let anomalies = 0;
  for (const s of summaries) { violations += s.violations; anomalies += s.anomalies; }
  const notices = [...trace.notices];
  if (trace.eventCount === 0) notices.push('the trace holds no event: nothing could be checked');
  return { path: trace.path, policy, heapPolicy, events: trace.eventCount, rules: summaries, findings, violations, anomalies, notices };
}

