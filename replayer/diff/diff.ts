/**
 * Diff of two traces' scheduling decisions (DESIGN.md "Diff of scheduling decisions").
 *
 *   trace A ─┐ extractDecisions (one pass each: decision ids, identities, consequences)
 *   trace B ─┘        │
 *                     ▼
 *     alignSequences(idsA, idsB) → hunks ──► first divergence (first hunk), aligned hunks,
 *                                            consequences A / B / delta, header differences
 *
 * `diffTraces` computes; `diffReport` turns the result into the JSON-able report the CLI prints
 * (`--json`) or renders (`renderDiffText`); `DiffNavigator` links positions across the two traces
 * for the side-by-side view.
 */
import type { Event } from '../../proto/index.js';
import { formatEvent } from '../format.js';
import { assumptionsOf, formatAssumptions } from '../assumptions.js';
import { METRIC_NAMES, type ConsequenceSet, type Metrics } from './consequences.js';
import { describeDecision, describeInputs } from './describe.js';
import { DiffContext, extractDecisions, type DecisionTrack, type EventSource } from './extract.js';
import { LabelInterner } from './identity.js';
import { alignSequences, matchedCount, type AlignOptions, type Hunk } from './myers.js';

export type { Hunk } from './myers.js';
export type { EventSource } from './extract.js';
export type { Metrics } from './consequences.js';

/** A trace taking part in a diff, with the path it is shown under (`path` of a TraceFile). */
export type DiffInput = EventSource & { readonly path?: string };

export interface TraceDiff {
  readonly a: DiffInput;
  readonly b: DiffInput;
  readonly trackA: DecisionTrack;
  readonly trackB: DecisionTrack;
  readonly hunks: readonly Hunk[];
  /** False when the alignment fell back to the windowed approximation (very different traces). */
  readonly exact: boolean;
  readonly header: readonly HeaderDifference[];
  /** No header difference that matters, no decision hunk, equal consequences. */
  readonly same: boolean;
}

export interface HeaderDifference { field: string; a: string; b: string }

export interface DiffOptions {
  align?: AlignOptions;
}

/** Header fields compared; the last two are reported but do not make the traces "different". */
const HEADER_FIELDS = ['scenarioName', 'scenarioText', 'seed', 'policy', 'reviewFixes', 'heapPolicy', 'heapNameSource',
  'durationNs', 'modelVersion', 'producer', 'formatVersion'] as const;
const INFORMATIONAL = new Set<string>(['producer', 'formatVersion']);

function headerDifferences(a: DiffInput, b: DiffInput): HeaderDifference[] {
  const out: HeaderDifference[] = [];
  for (const f of HEADER_FIELDS) {
    const va = String(a.header[f]), vb = String(b.header[f]);
    if (va === vb) continue;
    if (f === 'scenarioText') {
      const la = va.split('\n'), lb = vb.split('\n');
      let k = 0;
      while (k < la.length && k < lb.length && la[k] === lb[k]) k++;
      out.push({ field: f, a: `line ${k + 1}: ${la[k] ?? '<end>'}`, b: `line ${k + 1}: ${lb[k] ?? '<end>'}` });
    } else out.push({ field: f, a: va, b: vb });
  }
  // Firmware assumptions, one difference per assumption.
  const fa = new Map(assumptionsOf(a.header).map((x) => [x.name, x.value]));
  const fb = new Map(assumptionsOf(b.header).map((x) => [x.name, x.value]));
  for (const name of new Set([...fa.keys(), ...fb.keys()])) {
    const va = fa.get(name) ?? '(not recorded)', vb = fb.get(name) ?? '(not recorded)';
    if (va !== vb) out.push({ field: `fw.${name}`, a: va, b: vb });
  }
  return out;
}

function sameConsequences(x: ConsequenceSet, y: ConsequenceSet): boolean {
  if (x.protectedNs !== y.protectedNs || x.protmEnters !== y.protmEnters || x.protmExits !== y.protmExits) return false;
  if (x.groups.size !== y.groups.size) return false;
  for (const [k, m] of x.groups) {
    const n = y.groups.get(k);
    if (!n) return false;
    for (const f of METRIC_NAMES) if (m[f] !== n[f]) return false;
  }
  return true;
}

/** Diffs the scheduling decisions of two traces. Reads each trace once, sequentially. */
export function diffTraces(a: DiffInput, b: DiffInput, opts: DiffOptions = {}): TraceDiff {
  const ctx = new DiffContext(new LabelInterner());
  const trackA = extractDecisions(a, ctx);
  const trackB = extractDecisions(b, ctx);
  const al = alignSequences(trackA.key, trackB.key, opts.align);
  const header = headerDifferences(a, b);
  const same = al.hunks.length === 0 && header.every((h) => INFORMATIONAL.has(h.field))
    && sameConsequences(trackA.consequences, trackB.consequences);
  return { a, b, trackA, trackB, hunks: al.hunks, exact: al.exact, header, same };
}

// ───────────────────────────── report (JSON-able) ─────────────────────────────

export interface DecisionLine { decision: number; event: number; t: number; text: string }

export interface DivergenceSide {
  /** Decision ordinal and event of the differing decision (null: no decision here, see `next`). */
  decision: DecisionLine | null;
  /** The differing decision's inputs: GPU mode, run-queue entries, per-group reasons. */
  inputs: string[];
  /** The last decision both traces share before the divergence (null: it is the first decision). */
  lastCommon: DecisionLine | null;
  /** Events after the last common decision, up to the differing decision (the latest `eventsShown`). */
  eventsSince: { event: number; text: string }[];
  eventsOmitted: number;
}

export interface FirstDivergence { a: DivergenceSide; b: DivergenceSide }

export interface HunkReport {
  a: { from: number; to: number; event: number };
  b: { from: number; to: number; event: number };
  /** Common decisions before and after the hunk (A's side), `context` of each. */
  before: DecisionLine[];
  removed: DecisionLine[];
  added: DecisionLine[];
  after: DecisionLine[];
  /** Decisions of the hunk not listed (per side, beyond `perHunk`). */
  omitted: { a: number; b: number };
}

export interface MetricsDelta { name: string; a: Metrics | null; b: Metrics | null; delta: Metrics }

export interface TotalsReport {
  spanNs: number; protectedNs: number; protmEnters: number; protmExits: number; totalGpuNs: number;
}

export interface DiffReport {
  a: SideSummary;
  b: SideSummary;
  same: boolean;
  header: HeaderDifference[];
  decisions: { a: number; b: number; matched: number; exact: boolean; hunks: number };
  firstDivergence: FirstDivergence | null;
  hunks: HunkReport[];
  hunksOmitted: number;
  consequences: {
    total: { a: TotalsReport; b: TotalsReport; delta: TotalsReport };
    apps: MetricsDelta[];
    groups: MetricsDelta[];
  };
}

export interface SideSummary {
  path: string; events: number; decisions: number; scenario: string; seed: number; policy: string;
  /** Review fixes on top of the policy ("" = none) and the firmware assumptions of the run. */
  reviewFixes: string; firmware: string;
}

export interface ReportOptions {
  /** Hunks listed in full (default 50; 0 = all). */
  maxHunks?: number;
  /** Common decisions shown around each hunk (default 3). */
  context?: number;
  /** Decisions listed per side of a hunk (default 20). */
  perHunk?: number;
  /** Events listed since the last common decision (default 30). */
  eventsShown?: number;
  /** Formats an event line (default: formatEvent). */
  formatEvent?: (ev: Event, index: number) => string;
}

type Side = 'a' | 'b';

function track(d: TraceDiff, s: Side): DecisionTrack { return s === 'a' ? d.trackA : d.trackB; }
function input(d: TraceDiff, s: Side): DiffInput { return s === 'a' ? d.a : d.b; }

/** The decision at ordinal `k` of a side, rendered with identities. */
export function decisionLine(d: TraceDiff, s: Side, k: number): DecisionLine {
  const tr = track(d, s);
  const ev = input(d, s).event(tr.eventIndex[k]);
  const at = tr.eventIndex[k];
  const text = ev.body.case === 'decision'
    ? describeDecision(ev.body.value, (h) => tr.identities.labelAt(h, at))
    : '(not a decision)';
  return { decision: k, event: at, t: tr.timeNs[k], text };
}

function divergenceSide(d: TraceDiff, s: Side, h: Hunk, opts: Required<ReportOptions>): DivergenceSide {
  const tr = track(d, s);
  const src = input(d, s);
  const start = s === 'a' ? h.aStart : h.bStart;
  const end = s === 'a' ? h.aEnd : h.bEnd;
  const decision = start < end ? decisionLine(d, s, start) : null;
  const lastCommon = start > 0 ? decisionLine(d, s, start - 1) : null;
  let inputs: string[] = [];
  if (decision) {
    const ev = src.event(decision.event);
    if (ev.body.case === 'decision') inputs = describeInputs(ev.body.value, (x) => tr.identities.labelAt(x, decision.event));
  }
  const from = lastCommon ? lastCommon.event + 1 : 0;
  const to = decision ? decision.event : (start < tr.count ? tr.eventIndex[start] : src.eventCount);
  const shownFrom = Math.max(from, to - opts.eventsShown);
  const eventsSince: { event: number; text: string }[] = [];
  let i = shownFrom;
  for (const ev of src.iterate(shownFrom, to)) { eventsSince.push({ event: i, text: opts.formatEvent(ev, i) }); i++; }
  return { decision, inputs, lastCommon, eventsSince, eventsOmitted: shownFrom - from };
}

function hunkEvent(tr: DecisionTrack, start: number, eventCount: number): number {
  return start < tr.count ? tr.eventIndex[start] : eventCount;
}

function round6(x: number): number { return Math.round(x * 1e6) / 1e6; }

function metricsDelta(a: Metrics | undefined, b: Metrics | undefined): Metrics {
  const out = {} as Metrics;
  for (const f of METRIC_NAMES) out[f] = f === 'gpuShare' ? round6((b?.[f] ?? 0) - (a?.[f] ?? 0)) : (b?.[f] ?? 0) - (a?.[f] ?? 0);
  return out;
}

function roundMetrics(m: Metrics | undefined): Metrics | null {
  return m ? { ...m, gpuShare: round6(m.gpuShare) } : null;
}

function deltaTable(a: Map<string, Metrics>, b: Map<string, Metrics>): MetricsDelta[] {
  const names = [...new Set([...a.keys(), ...b.keys()])].sort();
  return names.map((name) => ({
    name, a: roundMetrics(a.get(name)), b: roundMetrics(b.get(name)), delta: metricsDelta(a.get(name), b.get(name)),
  }));
}

function totals(c: ConsequenceSet): TotalsReport {
  return { spanNs: c.spanNs, protectedNs: c.protectedNs, protmEnters: c.protmEnters, protmExits: c.protmExits, totalGpuNs: c.totalGpuNs };
}

function summary(x: DiffInput, tr: DecisionTrack): SideSummary {
  return {
    path: x.path ?? '', events: x.eventCount, decisions: tr.count,
    scenario: x.header.scenarioName, seed: x.header.seed, policy: x.header.policy,
    reviewFixes: x.header.reviewFixes, firmware: formatAssumptions(x.header),
  };
}

/** The JSON-able report of a diff (what `csftrace diff --json` prints). Deterministic. */
export function diffReport(d: TraceDiff, o: ReportOptions = {}): DiffReport {
  const opts: Required<ReportOptions> = {
    maxHunks: o.maxHunks ?? 50, context: o.context ?? 3, perHunk: o.perHunk ?? 20, eventsShown: o.eventsShown ?? 30,
    formatEvent: o.formatEvent ?? formatEvent,
  };
  const shown = opts.maxHunks === 0 ? d.hunks.length : Math.min(opts.maxHunks, d.hunks.length);
  const hunks: HunkReport[] = [];
  for (let k = 0; k < shown; k++) {
    const h = d.hunks[k];
    const removed: DecisionLine[] = [], added: DecisionLine[] = [];
    for (let i = h.aStart; i < Math.min(h.aEnd, h.aStart + opts.perHunk); i++) removed.push(decisionLine(d, 'a', i));
    for (let i = h.bStart; i < Math.min(h.bEnd, h.bStart + opts.perHunk); i++) added.push(decisionLine(d, 'b', i));
    const before: DecisionLine[] = [], after: DecisionLine[] = [];
    const prevEnd = k > 0 ? d.hunks[k - 1].aEnd : 0;
    for (let i = Math.max(prevEnd, h.aStart - opts.context); i < h.aStart; i++) before.push(decisionLine(d, 'a', i));
    const nextStart = k + 1 < d.hunks.length ? d.hunks[k + 1].aStart : d.trackA.count;
    for (let i = h.aEnd; i < Math.min(nextStart, h.aEnd + opts.context); i++) after.push(decisionLine(d, 'a', i));
    hunks.push({
      a: { from: h.aStart, to: h.aEnd, event: hunkEvent(d.trackA, h.aStart, d.a.eventCount) },
      b: { from: h.bStart, to: h.bEnd, event: hunkEvent(d.trackB, h.bStart, d.b.eventCount) },
      before, removed, added, after,
      omitted: { a: h.aEnd - h.aStart - removed.length, b: h.bEnd - h.bStart - added.length },
    });
  }
  const first = d.hunks[0];
  const ca = d.trackA.consequences, cb = d.trackB.consequences;
  const ta = totals(ca), tb = totals(cb);
  const td = {} as TotalsReport;
  for (const k of Object.keys(ta) as (keyof TotalsReport)[]) td[k] = tb[k] - ta[k];
  return {
    a: summary(d.a, d.trackA),
    b: summary(d.b, d.trackB),
    same: d.same,
    header: [...d.header],
    decisions: {
      a: d.trackA.count, b: d.trackB.count, matched: matchedCount(d.hunks, d.trackA.count),
      exact: d.exact, hunks: d.hunks.length,
    },
    firstDivergence: first ? { a: divergenceSide(d, 'a', first, opts), b: divergenceSide(d, 'b', first, opts) } : null,
    hunks,
    hunksOmitted: d.hunks.length - shown,
    consequences: {
      total: { a: ta, b: tb, delta: td },
      apps: deltaTable(ca.apps, cb.apps),
      groups: deltaTable(ca.groups, cb.groups),
    },
  };
}
