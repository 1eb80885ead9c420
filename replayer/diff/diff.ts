/**
 * Diff of two traces' scheduling decisions (DESIGN.md "Diff of scheduling decisions").
 *
 *   trace A ─┐ extractDecisions (one pass each: outcome ids, triggers, rules, identities, metrics)
 *   trace B ─┘        │
 *                     ▼
 *     1. alignSequences(outcomesA, outcomesB, within the time window) → alignment hunks
 *        (matched pairs with another trigger or rule: "same outcome, different reason")
 *     2. inside each hunk, decisions of the same trigger within the window are paired: the same
 *        moment decided differently; a hunk is an outcome difference when it holds such a pair or
 *        an unpaired decision that changes something on the GPU
 *     ──► first divergence (the first outcome difference), hunks in outcome terms, reasons,
 *         consequences A / B / delta, header differences
 *
 * Outcomes rank over reasons: a decision that does the same thing for another reason is never the
 * first divergence. Decisions are paired only within `windowNs` of each other (default three ticks),
 * so two runs' decisions seconds apart are never called the same moment.
 *
 * `diffTraces` computes; `diffReport` turns the result into the JSON-able report the CLI prints
 * (`--json`) or renders (`renderDiffText`); `DiffNavigator` links positions across the two traces
 * for the side-by-side view.
 */
import { platformDelta } from '../metrics/platform-outcome.js';
import type { Event } from '../../proto/index.js';
import { formatEvent } from '../format.js';
import { assumptionsOf, formatAssumptions } from '../assumptions.js';
import { METRIC_NAMES, type ConsequenceSet, type Metrics } from '../metrics/metrics.js';
import { DEVICE_METRIC_NAMES, type DeviceMetrics } from '../metrics/devices.js';
import { describeDecision, describeInputs } from './describe.js';
import { DiffContext, extractDecisions, type DecisionTrack, type EventSource } from './extract.js';
import { LabelInterner } from './identity.js';
import { alignRange, type AlignOptions, type Hunk } from './myers.js';

export type { Hunk } from './myers.js';
export type { EventSource } from './extract.js';
export type { Metrics } from '../metrics/metrics.js';

/** A trace taking part in a diff, with the path it is shown under (`path` of a TraceFile). */
export type DiffInput = EventSource & { readonly path?: string };

/** A hunk of the alignment, classified. */
export interface Difference extends Hunk {
  /** Decisions of the two sides taken at the same moment (same trigger, within the window) with different outcomes. */
  pairs: readonly (readonly [number, number])[];
  /** Decisions paired the same way whose outcomes happen to agree (neither rows nor differences). */
  agreeing: readonly (readonly [number, number])[];
  /** Some decision here makes the GPU do something the other side does not (false: only reasons differ). */
  outcome: boolean;
  /** The hunk's earliest outcome difference: a decision ordinal per side (-1: none on that side). */
  firstA: number;
  firstB: number;
}

/** Two aligned decisions with the same outcome and another trigger or rule. */
export interface ReasonDifference { a: number; b: number }

export interface TraceDiff {
  readonly a: DiffInput;
  readonly b: DiffInput;
  readonly trackA: DecisionTrack;
  readonly trackB: DecisionTrack;
  /** The differences navigated and reported: outcome differences (every hunk with `reasons`). */
  readonly hunks: readonly Difference[];
  /** Every hunk of the alignment (what links positions across the traces). */
  readonly alignment: readonly Hunk[];
  /** Same outcome, different reason: aligned pairs, and the hunks that change nothing on the GPU. */
  readonly reasons: readonly ReasonDifference[];
  readonly reasonHunks: readonly Difference[];
  /** Largest time between two paired decisions (Infinity: unbounded). */
  readonly windowNs: number;
  /** Decisions aligned one to one (same outcome) and paired at the same moment (different outcome). */
  readonly matched: number;
  readonly paired: number;
  /** False when the alignment fell back to the windowed approximation (very different traces). */
  readonly exact: boolean;
  readonly header: readonly HeaderDifference[];
  /** No header difference that matters, no decision hunk, equal consequences. */
  readonly same: boolean;
}

export interface HeaderDifference { field: string; a: string; b: string }

/** Default pairing window: three scheduler ticks (the tick period is 10 ms). */
export const DEFAULT_WINDOW_NS = 30_000_000;

export interface DiffOptions {
  align?: Omit<AlignOptions, 'times'> | undefined;
  /** Largest time between two decisions paired as the same moment (default DEFAULT_WINDOW_NS; Infinity: any). */
  windowNs?: number | undefined;
  /** Navigate and report reason-only hunks too (default: outcome differences only). */
  reasons?: boolean | undefined;
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
  if (x.devices.size !== y.devices.size) return false;
  for (const [k, m] of x.devices) {
    const n = y.devices.get(k);
    if (!n) return false;
    for (const f of DEVICE_METRIC_NAMES) if (m[f] !== n[f]) return false;
  }
  return true;
}

/** Pairing windows tried in turn, nearest moments first, each inside what the previous left unmatched. */
function tiers(windowNs: number): number[] {
  return [0, 1_000_000, windowNs].filter((w, k, all) => w <= windowNs && all.indexOf(w) === k);
}

/**
 * Aligns a[aLo, aHi) with b[bLo, bHi) in tiers: equal ids at the same time first, then within 1 ms,
 * then within the window. Each tier only aligns inside the previous tier's hunks, so a pair is never
 * taken across a nearer one (Myers alone maximises the number of pairs, not their closeness).
 */
function alignTiered(a: Int32Array, b: Int32Array, ta: Float64Array, tb: Float64Array, aLo: number, aHi: number,
                     bLo: number, bHi: number, windowNs: number, opts: AlignOptions): { hunks: Hunk[]; exact: boolean } {
  let hunks: Hunk[] = [{ aStart: aLo, aEnd: aHi, bStart: bLo, bEnd: bHi }];
  let exact = true;
  for (const w of tiers(windowNs)) {
    const next: Hunk[] = [];
    const times = Number.isFinite(w) ? { a: ta, b: tb, windowNs: w } : undefined;
    for (const h of hunks) {
      // Nothing to align: one side empty, or one decision against one with another id.
      if (h.aStart === h.aEnd || h.bStart === h.bEnd
        || (h.aEnd - h.aStart === 1 && h.bEnd - h.bStart === 1 && a[h.aStart] !== b[h.bStart])) { next.push(h); continue; }
      const r = alignRange(a, b, h.aStart, h.aEnd, h.bStart, h.bEnd, { ...opts, times });
      exact &&= r.exact;
      next.push(...r.hunks);
    }
    hunks = next;
  }
  return { hunks, exact };
}

/**
 * Classifies hunk `h`: pairs its decisions of the same trigger within the window (the same moment,
 * decided differently), and finds its earliest decision that changes the GPU differently.
 */
/** Shared empty list of the (rare) agreeing pairs. */
const NONE: [number, number][] = [];

function classify(h: Hunk, ta: DecisionTrack, tb: DecisionTrack, windowNs: number, align: AlignOptions,
                  pairedA: Uint8Array, pairedB: Uint8Array): Difference {
  const pairs: [number, number][] = [];
  let agreeing: [number, number][] = NONE;
  let i = h.aStart, j = h.bStart;
  const take = (toA: number, toB: number): void => {
    for (; i < toA && j < toB; i++, j++) {
      // The same trigger at the same moment: a difference unless the outcomes happen to agree.
      if (ta.outcome[i] !== tb.outcome[j]) pairs.push([i, j]);
      else (agreeing === NONE ? (agreeing = []) : agreeing).push([i, j]);
      pairedA[i] = 1; pairedB[j] = 1;
    }
  };
  // The common shape (as many decisions on each side, the same triggers, each within the window)
  // pairs position by position without an alignment.
  const n = h.aEnd - h.aStart;
  let diagonal = n === h.bEnd - h.bStart;
  for (let k = 0; diagonal && k < n; k++) {
    diagonal = ta.trigger[h.aStart + k] === tb.trigger[h.bStart + k]
      && Math.abs(ta.timeNs[h.aStart + k]! - tb.timeNs[h.bStart + k]!) <= windowNs;
  }
  if (!diagonal) {
    const sub = alignTiered(ta.trigger, tb.trigger, ta.timeNs, tb.timeNs, h.aStart, h.aEnd, h.bStart, h.bEnd, windowNs, align);
    for (const s of sub.hunks) { take(s.aStart, s.bStart); i = s.aEnd; j = s.bEnd; }
  }
  take(h.aEnd, h.bEnd);
  let firstA = -1, firstB = -1, firstT = Infinity;
  for (const [x, y] of pairs) {
    const t = Math.min(ta.timeNs[x]!, tb.timeNs[y]!);
    if (t < firstT) { firstT = t; firstA = x; firstB = y; }
  }
  for (let x = h.aStart; x < h.aEnd; x++) {
    if (!pairedA[x] && !ta.noop[x] && ta.timeNs[x]! < firstT) { firstT = ta.timeNs[x]!; firstA = x; firstB = -1; }
  }
  for (let y = h.bStart; y < h.bEnd; y++) {
    if (!pairedB[y] && !tb.noop[y] && tb.timeNs[y]! < firstT) { firstT = tb.timeNs[y]!; firstA = -1; firstB = y; }
  }
  return {
    aStart: h.aStart, aEnd: h.aEnd, bStart: h.bStart, bEnd: h.bEnd, pairs, agreeing, outcome: firstA >= 0 || firstB >= 0, firstA, firstB,
  };
}

/** Diffs the scheduling decisions of two traces. Reads each trace once, sequentially. */
export function diffTraces(a: DiffInput, b: DiffInput, opts: DiffOptions = {}): TraceDiff {
  const ctx = new DiffContext(new LabelInterner());
  const trackA = extractDecisions(a, ctx);
  const trackB = extractDecisions(b, ctx);
  const windowNs = opts.windowNs ?? DEFAULT_WINDOW_NS;
  const align: AlignOptions = { ...opts.align };
  const al = alignTiered(trackA.outcome, trackB.outcome, trackA.timeNs, trackB.timeNs, 0, trackA.count, 0, trackB.count, windowNs, align);
  const reasons: ReasonDifference[] = [];
  const all: Difference[] = [];
  const pairedA = new Uint8Array(trackA.count), pairedB = new Uint8Array(trackB.count);
  let i = 0, j = 0, matched = 0, paired = 0;
  const common = (toA: number): void => {
    for (; i < toA; i++, j++) {
      matched++;
      if (trackA.trigger[i] !== trackB.trigger[j] || trackA.rule[i] !== trackB.rule[j]) reasons.push({ a: i, b: j });
    }
  };
  for (const h of al.hunks) {
    common(h.aStart);
    const d = classify(h, trackA, trackB, windowNs, align, pairedA, pairedB);
    paired += d.pairs.length;
    all.push(d);
    i = h.aEnd; j = h.bEnd;
  }
  common(trackA.count);
  const outcomes = all.filter((d) => d.outcome);
  const reasonHunks = all.filter((d) => !d.outcome);
  const header = headerDifferences(a, b);
  const same = al.hunks.length === 0 && reasons.length === 0 && header.every((h) => INFORMATIONAL.has(h.field))
    && sameConsequences(trackA.consequences, trackB.consequences)
    && platformDelta(trackA.platform, trackB.platform).every((r) => r.a === r.b);
  // With `reasons`, a decision that does the same for another reason is a stop of its own too.
  const withReasons = (): Difference[] => {
    const single: Difference[] = reasons.map((r) => ({
      aStart: r.a, aEnd: r.a + 1, bStart: r.b, bEnd: r.b + 1, pairs: [], agreeing: [[r.a, r.b]], outcome: false, firstA: -1, firstB: -1,
    }));
    return [...all, ...single].sort((x, y) => x.aStart - y.aStart || x.bStart - y.bStart);
  };
  return {
    a, b, trackA, trackB, hunks: opts.reasons ? withReasons() : outcomes, alignment: al.hunks, reasons, reasonHunks,
    windowNs, matched, paired, exact: al.exact, header, same,
  };
}

// ───────────────────────────── report (JSON-able) ─────────────────────────────

export interface DecisionLine { decision: number; event: number; t: number; text: string }

export interface DivergenceSide {
  /** Decision ordinal and event of the differing decision (null: this side decided nothing at that moment). */
  decision: DecisionLine | null;
  /** The differing decision's inputs: GPU mode, run-queue entries, per-group reasons. */
  inputs: string[];
  /** The last decision both traces share before the divergence (null: it is the first decision). */
  lastCommon: DecisionLine | null;
  /** Events after the last common decision, up to the differing decision or moment (the latest `eventsShown`). */
  eventsSince: { event: number; text: string }[];
  eventsOmitted: number;
}

export interface FirstDivergence { a: DivergenceSide; b: DivergenceSide }

/** One row of a hunk, in time order: a pair decided differently, or a decision of one side only. */
export interface HunkRow {
  a: DecisionLine | null;
  b: DecisionLine | null;
  /** The decision changes something on the GPU (false: an extra decision that keeps everything). */
  outcome: boolean;
}

export interface HunkReport {
  a: { from: number; to: number; event: number };
  b: { from: number; to: number; event: number };
  /** Common decisions before and after the hunk (A's side), `context` of each. */
  before: DecisionLine[];
  rows: HunkRow[];
  after: DecisionLine[];
  /** Rows of the hunk not listed (beyond `perHunk`). */
  omitted: number;
  /** Decisions of one side that change nothing, not listed as rows (listed with `reasons`). */
  unchanged: number;
}

export interface ReasonReport { a: DecisionLine; b: DecisionLine }

export interface MetricsDelta { name: string; a: Metrics | null; b: Metrics | null; delta: Metrics }
/** One device of a secure pipeline (decoder, display): A, B and B − A. */
export interface DeviceDelta { name: string; a: DeviceMetrics | null; b: DeviceMetrics | null; delta: DeviceMetrics }

export interface TotalsReport {
  spanNs: number; protectedNs: number; protmEnters: number; protmExits: number; totalGpuNs: number;
}

export interface DiffReport {
  a: SideSummary;
  b: SideSummary;
  same: boolean;
  header: HeaderDifference[];
  decisions: {
    a: number; b: number;
    /** Aligned one to one with the same outcome. */
    matched: number;
    /** Paired as the same moment with a different outcome. */
    paired: number;
    /** Decisions of one side with no counterpart within the window. */
    unmatched: { a: number; b: number };
    /** Pairing window in ns (null: unbounded). */
    windowNs: number | null;
    exact: boolean;
    /** Outcome differences. */
    hunks: number;
    /** Same outcome, different trigger or rule; and hunks whose decisions change nothing. */
    reasons: number;
    reasonHunks: number;
  };
  firstDivergence: FirstDivergence | null;
  hunks: HunkReport[];
  hunksOmitted: number;
  /** Same outcome, different reason (the first `maxHunks`). */
  reasons: ReasonReport[];
  consequences: {
    total: { a: TotalsReport; b: TotalsReport; delta: TotalsReport };
    apps: MetricsDelta[];
    groups: MetricsDelta[];
    /** Devices of a secure pipeline (empty without one). */
    devices: DeviceDelta[];
  };
  /** Devices, heaps and apps beyond the scheduler, A and B side by side (probe outcomes, heap lifetime, errors). */
  devices: { subject: string; metric: string; a: string; b: string }[];
}

export interface SideSummary {
  path: string; events: number; decisions: number; scenario: string; seed: number; policy: string;
  /** Review fixes on top of the policy ("" = none) and the firmware assumptions of the run. */
  reviewFixes: string; firmware: string;
}

export interface ReportOptions {
  /** Hunks listed in full (default 50; 0 = all). */
  maxHunks?: number | undefined;
  /** Common decisions shown around each hunk (default 3). */
  context?: number | undefined;
  /** Rows listed per hunk (default 20). */
  perHunk?: number | undefined;
  /** Events listed since the last common decision (default 30). */
  eventsShown?: number | undefined;
  /** Formats an event line (default: formatEvent). */
  formatEvent?: ((ev: Event, index: number) => string) | undefined;
  /** List the decisions that change nothing inside hunks too (default false). */
  reasons?: boolean | undefined;
}

/** ReportOptions with every default filled in. */
type ResolvedReportOptions = { [K in keyof ReportOptions]-?: Exclude<ReportOptions[K], undefined> };

type Side = 'a' | 'b';

function track(d: TraceDiff, s: Side): DecisionTrack { return s === 'a' ? d.trackA : d.trackB; }
function input(d: TraceDiff, s: Side): DiffInput { return s === 'a' ? d.a : d.b; }

/** The decision at ordinal `k` of a side, rendered with identities. */
export function decisionLine(d: TraceDiff, s: Side, k: number): DecisionLine {
  const tr = track(d, s);
  const at = tr.eventIndex[k], t = tr.timeNs[k];
  if (at === undefined || t === undefined) throw new Error(`decision ${k} of side ${s} out of range (${tr.count} decisions): invariant broken`);
  const ev = input(d, s).event(at);
  const text = ev.body.case === 'decision'
    ? describeDecision(ev.body.value, (h) => tr.identities.labelAt(h, at))
    : '(not a decision)';
  return { decision: k, event: at, t, text };
}

/** One side of the first divergence: decision `k` (-1: none) of hunk `h`, at moment `t`. */
function divergenceSide(d: TraceDiff, s: Side, h: Hunk, k: number, t: number, opts: ResolvedReportOptions): DivergenceSide {
  const tr = track(d, s);
  const src = input(d, s);
  const start = s === 'a' ? h.aStart : h.bStart;
  const decision = k >= 0 ? decisionLine(d, s, k) : null;
  const lastCommon = start > 0 ? decisionLine(d, s, start - 1) : null;
  let inputs: string[] = [];
  if (decision) {
    const ev = src.event(decision.event);
    if (ev.body.case === 'decision') inputs = describeInputs(ev.body.value, (x) => tr.identities.labelAt(x, decision.event));
  }
  const from = lastCommon ? lastCommon.event + 1 : 0;
  let to: number;
  if (decision) to = decision.event;
  else {
    // No decision on this side: the events up to the moment the other side decided.
    let lo = start, hi = tr.count;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (tr.timeNs[mid]! <= t) lo = mid + 1; else hi = mid; }
    to = lo < tr.count ? tr.eventIndex[lo]! : src.eventCount;
  }
  const all: { event: number; text: string }[] = [];
  let i = from;
  for (const ev of src.iterate(from, to)) {
    if (!decision && ev.t > t) break;
    all.push({ event: i, text: opts.formatEvent(ev, i) });
    if (all.length > opts.eventsShown) all.shift();
    i++;
  }
  return { decision, inputs, lastCommon, eventsSince: all, eventsOmitted: Math.max(0, i - from - all.length) };
}

function hunkEvent(tr: DecisionTrack, start: number, eventCount: number): number {
  return start < tr.count ? tr.eventIndex[start]! : eventCount;
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

function deviceTable(a: Map<string, DeviceMetrics>, b: Map<string, DeviceMetrics>): DeviceDelta[] {
  const names = [...new Set([...a.keys(), ...b.keys()])].sort();
  return names.map((name) => {
    const x = a.get(name), y = b.get(name);
    const delta = {} as DeviceMetrics;
    for (const f of DEVICE_METRIC_NAMES) delta[f] = (y?.[f] ?? 0) - (x?.[f] ?? 0);
    return { name, a: x ? { ...x } : null, b: y ? { ...y } : null, delta };
  });
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

/** The rows of a hunk in time order: its pairs, then every unpaired decision of each side. */
function hunkRows(d: TraceDiff, h: Difference): { a: number; b: number; t: number; outcome: boolean }[] {
  const rows: { a: number; b: number; t: number; outcome: boolean }[] = [];
  const pa = new Set<number>(), pb = new Set<number>();
  for (const [x, y] of h.pairs) {
    rows.push({ a: x, b: y, t: Math.min(d.trackA.timeNs[x]!, d.trackB.timeNs[y]!), outcome: true });
    pa.add(x); pb.add(y);
  }
  for (const [x, y] of h.agreeing) { pa.add(x); pb.add(y); }
  for (let x = h.aStart; x < h.aEnd; x++) if (!pa.has(x)) rows.push({ a: x, b: -1, t: d.trackA.timeNs[x]!, outcome: !d.trackA.noop[x] });
  for (let y = h.bStart; y < h.bEnd; y++) if (!pb.has(y)) rows.push({ a: -1, b: y, t: d.trackB.timeNs[y]!, outcome: !d.trackB.noop[y] });
  rows.sort((p, q) => p.t - q.t || (p.a < 0 ? 1 : 0) - (q.a < 0 ? 1 : 0));
  return rows;
}

/** The JSON-able report of a diff (what `csftrace diff --json` prints). Deterministic. */
export function diffReport(d: TraceDiff, o: ReportOptions = {}): DiffReport {
  const opts: ResolvedReportOptions = {
    maxHunks: o.maxHunks ?? 50, context: o.context ?? 3, perHunk: o.perHunk ?? 20, eventsShown: o.eventsShown ?? 30,
    formatEvent: o.formatEvent ?? formatEvent, reasons: o.reasons ?? false,
  };
  const shown = opts.maxHunks === 0 ? d.hunks.length : Math.min(opts.maxHunks, d.hunks.length);
  const hunks: HunkReport[] = [];
  for (const [k, h] of d.hunks.slice(0, shown).entries()) {
    const every = hunkRows(d, h);
    const all = opts.reasons ? every : every.filter((r) => r.outcome);
    const rows: HunkRow[] = all.slice(0, opts.perHunk).map((r) => ({
      a: r.a >= 0 ? decisionLine(d, 'a', r.a) : null, b: r.b >= 0 ? decisionLine(d, 'b', r.b) : null, outcome: r.outcome,
    }));
    const before: DecisionLine[] = [], after: DecisionLine[] = [];
    const prevEnd = d.hunks[k - 1]?.aEnd ?? 0;
    for (let i = Math.max(prevEnd, h.aStart - opts.context); i < h.aStart; i++) before.push(decisionLine(d, 'a', i));
    const nextStart = d.hunks[k + 1]?.aStart ?? d.trackA.count;
    for (let i = h.aEnd; i < Math.min(nextStart, h.aEnd + opts.context); i++) after.push(decisionLine(d, 'a', i));
    hunks.push({
      a: { from: h.aStart, to: h.aEnd, event: hunkEvent(d.trackA, h.aStart, d.a.eventCount) },
      b: { from: h.bStart, to: h.bEnd, event: hunkEvent(d.trackB, h.bStart, d.b.eventCount) },
      before, rows, after, omitted: all.length - rows.length, unchanged: every.length - all.length,
    });
  }
  const first = d.hunks.find((h) => h.outcome);
  let firstDivergence: FirstDivergence | null = null;
  if (first) {
    const t = Math.min(first.firstA >= 0 ? d.trackA.timeNs[first.firstA]! : Infinity, first.firstB >= 0 ? d.trackB.timeNs[first.firstB]! : Infinity);
    firstDivergence = {
      a: divergenceSide(d, 'a', first, first.firstA, t, opts),
      b: divergenceSide(d, 'b', first, first.firstB, t, opts),
    };
  }
  const reasonsShown = opts.maxHunks === 0 ? d.reasons.length : Math.min(opts.maxHunks, d.reasons.length);
  const reasons: ReasonReport[] = [];
  for (const r of d.reasons.slice(0, reasonsShown)) reasons.push({ a: decisionLine(d, 'a', r.a), b: decisionLine(d, 'b', r.b) });
  let unmatchedA = d.trackA.count - d.matched - d.paired, unmatchedB = d.trackB.count - d.matched - d.paired;
  unmatchedA = Math.max(0, unmatchedA); unmatchedB = Math.max(0, unmatchedB);
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
      a: d.trackA.count, b: d.trackB.count, matched: d.matched, paired: d.paired,
      unmatched: { a: unmatchedA, b: unmatchedB },
      windowNs: Number.isFinite(d.windowNs) ? d.windowNs : null,
      exact: d.exact, hunks: d.hunks.filter((h) => h.outcome).length,
      reasons: d.reasons.length, reasonHunks: d.reasonHunks.length,
    },
    firstDivergence,
    hunks,
    hunksOmitted: d.hunks.length - shown,
    reasons,
    consequences: {
      total: { a: ta, b: tb, delta: td },
      apps: deltaTable(ca.apps, cb.apps),
      groups: deltaTable(ca.groups, cb.groups),
      devices: deviceTable(ca.devices, cb.devices),
    },
    devices: platformDelta(d.trackA.platform, d.trackB.platform),
  };
}
