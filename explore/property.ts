/**
 * What counts as a failure of a run, and what "the same failure" means for shrinking.
 *
 * - a check rule (replayer/check/): its first violation (anomalies too with `anomalies`, or when
 *   rules are named), e.g. R20 or R21 (protected work starved: the liveness rule);
 * - `frames`: an app completed fewer than (1 − bound) of its expected frames (liveness);
 * - `differential`: under policy B an app did worse than under policy A on a metric, beyond a
 *   tolerance (B must not be worse than A).
 *
 * A failure's signature is its rule and the kind of its root decision (`PROTM_GRANTED/
 * RULE_FIRST_OF_HIGHEST_LIST`); shrinking keeps a change only while the same signature reproduces.
 */
import type { RunResult } from './run.js';

export const DIFF_METRICS = ['frames', 'starvation', 'blocked-protm'] as const;
export type DiffMetric = (typeof DIFF_METRICS)[number];

export interface Differential { a: string; b: string; metric: DiffMetric; tolerance: number }

export interface PropertyOptions {
  /** Only these check rules (and `frames`); default every check rule. */
  rules?: readonly string[];
  /** Anomalies count as failures (they do when rules are named). */
  anomalies?: boolean;
  /** `frames`: the share of expected frames an app may miss (off when undefined). */
  missedFrames?: number;
  differential?: Differential;
}

export interface Failure {
  rule: string;
  /** Root decision kind, `none` when the failure has no root decision. */
  rootKind: string;
  message: string;
  index: number;
  t: number;
  /** The policy of the run that failed (B for a differential failure). */
  policy: string;
}

/** What a case file expects to reproduce (stored in its `# csftrace-expect:` comment line). */
export interface Expectation {
  rule: string;
  rootKind: string;
  differential?: Differential;
  missedFrames?: number;
  anomalies?: boolean;
  /** The policy the case file sets (informational: the file's driver.protm_policy is what runs). */
  policy?: string;
}

const wants = (o: PropertyOptions, rule: string): boolean =>
  !o.rules || o.rules.some((r) => r.toLowerCase() === rule.toLowerCase());

/** The first failure of one run's result under the options (not differential), if any. */
export function runFailure(r: RunResult, o: PropertyOptions): Failure | undefined {
  if (r.error) return undefined;
  const anomalies = o.anomalies ?? o.rules !== undefined;
  for (const f of r.findings) {
    if (!wants(o, f.rule)) continue;
    if (f.severity === 'anomaly' && !anomalies) continue;
    return { rule: f.rule, rootKind: f.rootKind, message: f.message, index: f.index, t: f.t, policy: r.policy };
  }
  if (o.missedFrames !== undefined && wants(o, 'frames')) {
    for (const [app, x] of Object.entries(r.apps)) {
      if (x.framesExpected > 0 && x.framesDone < (1 - o.missedFrames) * x.framesExpected) {
        return {
          rule: 'frames', rootKind: 'none', index: -1, t: r.durationNs, policy: r.policy,
          message: `${app} completed ${x.framesDone} of ${x.framesExpected} expected frames (more than ${(o.missedFrames * 100).toFixed(0)}% missed)`,
        };
      }
    }
  }
  return undefined;
}

/** B worse than A on the metric for some app, beyond the tolerance. */
export function differentialFailure(a: RunResult, b: RunResult, d: Differential): Failure | undefined {
  if (a.error || b.error) return undefined;
  for (const [app, xa] of Object.entries(a.apps)) {
    const xb = b.apps[app];
    if (!xb) continue;
    let worse = '';
    if (d.metric === 'frames' && xb.framesDone < xa.framesDone * (1 - d.tolerance) - 1) {
      worse = `${app} completed ${xb.framesDone} frames under ${d.b}, ${xa.framesDone} under ${d.a}`;
    } else if (d.metric === 'starvation' && xb.longestStarvationNs > xa.longestStarvationNs * (1 + d.tolerance) + 10e6) {
      worse = `${app}'s longest starvation is ${(xb.longestStarvationNs / 1e6).toFixed(1)} ms under ${d.b}, ${(xa.longestStarvationNs / 1e6).toFixed(1)} ms under ${d.a}`;
    } else if (d.metric === 'blocked-protm' && xb.blockedProtmNs > xa.blockedProtmNs * (1 + d.tolerance) + 10e6) {
      worse = `${app} waited ${(xb.blockedProtmNs / 1e6).toFixed(1)} ms for protected mode under ${d.b}, ${(xa.blockedProtmNs / 1e6).toFixed(1)} ms under ${d.a}`;
    }
    if (worse) return { rule: 'differential', rootKind: d.metric, message: `${worse} (B must not be worse than A by more than ${(d.tolerance * 100).toFixed(0)}%)`, index: -1, t: b.durationNs, policy: d.b };
  }
  return undefined;
}

/** The first result of a run (its only one, or policy A's of a differential). */
export function firstResult(results: readonly RunResult[]): RunResult {
  const [a] = results;
  if (!a) throw new Error('invariant: a run has at least one result');
  return a;
}

/** The two results of a differential run: policy A's, policy B's. */
export function resultPair(results: readonly RunResult[]): [RunResult, RunResult] {
  const [a, b] = results;
  if (!a || !b) throw new Error(`invariant: a differential run has two results (got ${results.length})`);
  return [a, b];
}

/** Whether `results` (one per policy: [A, B] for a differential, else one) reproduce `e`. */
export function reproduces(e: Expectation, results: readonly RunResult[]): Failure | undefined {
  if (e.differential) {
    const f = differentialFailure(...resultPair(results), e.differential);
    return f && f.rootKind === e.rootKind ? f : undefined;
  }
  const r = firstResult(results);
  if (r.error) return undefined;
  if (e.rule === 'frames') {
    const f = runFailure(r, { rules: ['frames'], missedFrames: e.missedFrames ?? 0.5 });
    return f;
  }
  const f = r.findings.find((x) => x.rule === e.rule && x.rootKind === e.rootKind && (x.severity === 'violation' || e.anomalies !== false));
  return f ? { rule: f.rule, rootKind: f.rootKind, message: f.message, index: f.index, t: f.t, policy: r.policy } : undefined;
}

/** The failure an expectation names, for messages: `R20 (root PROTM_GRANTED/…)`, `differential a,b on frames`. */
export function expectationText(e: Expectation): string {
  return e.differential ? `differential ${e.differential.a},${e.differential.b} on ${e.differential.metric}` : `${e.rule} (root ${e.rootKind})`;
}

const EXPECT_PREFIX = '# csftrace-expect: ';

/** The comment line a case file carries. */
export function expectationLine(e: Expectation): string { return EXPECT_PREFIX + JSON.stringify(e); }

/** The expectation of a case file's text, undefined when it has none; a string when it is malformed. */
export function expectationOf(text: string): Expectation | string | undefined {
  const line = text.split('\n').find((l) => l.startsWith(EXPECT_PREFIX));
  if (!line) return undefined;
  let v: unknown;
  try { v = JSON.parse(line.slice(EXPECT_PREFIX.length)); } catch { return 'the csftrace-expect line is not JSON'; }
  const o = v as Expectation;
  if (!o || typeof o !== 'object' || typeof o.rule !== 'string' || typeof o.rootKind !== 'string') return 'the csftrace-expect line needs a rule and a rootKind';
  if (o.differential) {
    const d = o.differential;
    if (typeof d.a !== 'string' || typeof d.b !== 'string' || !DIFF_METRICS.includes(d.metric) || typeof d.tolerance !== 'number') return 'the csftrace-expect differential needs a, b, metric and tolerance';
  }
  return o;
}
