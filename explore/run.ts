/**
 * One run of the model, in-process: a scenario (YAML text) with a policy, seed, duration and
 * firmware assumptions applied, recorded into a trace, checked by the check engine
 * (replayer/check/) and measured by the shared metrics (replayer/metrics/) as it runs. Fuzz, shrink
 * and sweep are made of these; the local pool and the Redis workers run exactly this function, so
 * a run's result is the same wherever it ran (its `digest` is a hash of the trace's bytes).
 *
 *   RunSpec ─► parseScenario + applyOverrides ─► recordScenario(memory, sinks: metrics)
 *           ─► checkTrace(the bytes) ─► RunResult (findings with their root decision's kind, metrics)
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  DEFAULT_FW_ASSUMPTIONS, FW_ASSUMPTION_SPECS, applyOverrides, parseAssumption, parseProtmPolicy, parseScenario, type ScenarioConfig, type ScenarioOverrides,
} from '../hw-model/index.js';
import { ProtmVerdict, SchedRule } from '../proto/index.js';
import { MemoryOutput, recordScenario, traceHeaderFor } from '../recorder/index.js';
import { MetricsSink, checkTrace, openTraceBytes, type ConsequenceSet, type TraceFile, type Violation } from '../replayer/index.js';

/** What to run. Plain data: it crosses thread and machine boundaries as JSON. */
export interface RunSpec {
  /** The cell's key (sweep) or the run's name (fuzz, shrink): carried into the result. */
  id: string;
  /** Scenario YAML. */
  text: string;
  /** Where the text came from (`builtin:<name>`, a file's base name, `fuzz:<seed>/<run>`). */
  source: string;
  policy?: string | undefined;
  seed?: number | undefined;
  durationNs?: number | undefined;
  /** Firmware assumptions, `name=value` each. */
  assume?: string[] | undefined;
  /** R21's bound (default: the check engine's, 100 ms). */
  starvationBoundNs?: number | undefined;
  /** Keep the trace at this path (default: a temporary file, removed after the check). */
  tracePath?: string | undefined;
}

/** One check finding, with the kind of its root decision (`PROTM_GRANTED/RULE_FIRST_OF_HIGHEST_LIST`). */
export interface Finding {
  rule: string;
  severity: 'violation' | 'anomaly';
  index: number;
  t: number;
  message: string;
  root: number;
  /** `<ProtmVerdict>/<SchedRule>` of the root decision, `none` when the finding has no root. */
  rootKind: string;
}

/** Per-app figures the properties and the sweep table read (replayer/metrics/ definitions). */
export interface AppFigures {
  framesDone: number; framesExpected: number; lateFrames: number; jobsDone: number; jobsFailed: number;
  blockedProtmNs: number; longestStarvationNs: number; protectedNs: number;
}

export interface RunResult {
  id: string;
  scenario: string;
  policy: string;
  seed: number;
  durationNs: number;
  /** Firmware assumptions that differ from the defaults, `name=value` comma-joined, or `defaults`. */
  assumptions: string;
  events: number;
  /** First 16 hex digits of the SHA-256 of the trace's bytes (identical runs, identical digests). */
  digest: string;
  violations: number;
  anomalies: number;
  /** Findings per rule (only rules with some). */
  rules: Record<string, { violations: number; anomalies: number }>;
  /** The first finding of each rule, in event order. */
  findings: Finding[];
  protectedNs: number;
  protmEnters: number;
  apps: Record<string, AppFigures>;
  /** The scenario could not be run (invalid text): the reason; everything else is zero. */
  error?: string;
}

const nameOf = (table: Record<string, number>, v: number): string => Object.keys(table).find((k) => table[k] === v) ?? String(v);

/** `<verdict>/<rule>` of decision `root` of `trace`, `none` when there is none. */
export function rootKindOf(trace: TraceFile, root: number): string {
  if (root < 0 || root >= trace.eventCount) return 'none';
  const ev = trace.event(root);
  if (ev.body.case !== 'decision') return 'none';
  const d = ev.body.value;
  return `${nameOf(ProtmVerdict, d.protm)}/${nameOf(SchedRule, d.protmRule)}`;
}

/** The scenario of a spec, with its overrides applied (throws ScenarioError or Error on bad input). */
export function configOf(spec: RunSpec): ScenarioConfig {
  const o: ScenarioOverrides = {};
  if (spec.policy !== undefined) {
    const p = parseProtmPolicy(spec.policy);
    if (!p) throw new Error(`unknown policy "${spec.policy}"`);
    o.protmPolicy = p;
  }
  if (spec.seed !== undefined) o.seed = spec.seed;
  if (spec.durationNs !== undefined) o.duration = spec.durationNs;
  for (const a of spec.assume ?? []) {
    const r = parseAssumption(a);
    if (typeof r === 'string') throw new Error(r);
    o.assumptions = { ...o.assumptions, [r.name]: r.value };
  }
  return applyOverrides(parseScenario(spec.text, spec.source), o);
}

/** Non-default firmware assumptions of a config, as a short text. */
export function assumptionsText(cfg: ScenarioConfig): string {
  const changed = FW_ASSUMPTION_SPECS.filter((s) => cfg.firmware[s.name] !== DEFAULT_FW_ASSUMPTIONS[s.name]).map((s) => `${s.name}=${cfg.firmware[s.name]}`);
  return changed.length ? changed.join(',') : 'defaults';
}

function figures(m: ConsequenceSet): Record<string, AppFigures> {
  const out: Record<string, AppFigures> = {};
  for (const [name, x] of [...m.apps.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    out[name] = {
      framesDone: x.framesDone, framesExpected: x.framesExpected, lateFrames: x.lateFrames, jobsDone: x.jobsDone, jobsFailed: x.jobsFailed,
      blockedProtmNs: x.blockedProtmNs, longestStarvationNs: x.longestStarvationNs, protectedNs: x.protectedNs,
    };
  }
  return out;
}

/**
 * Runs one spec in this thread. Never throws for a bad scenario: the result carries `error`. The
 * run's trace is held in memory (MemoryOutput) unless spec.tracePath keeps it in a file.
 */
export function runOne(spec: RunSpec): RunResult {
  let cfg: ScenarioConfig;
  try { cfg = configOf(spec); } catch (e) {
    return {
      id: spec.id, scenario: spec.source, policy: spec.policy ?? '', seed: spec.seed ?? 0, durationNs: spec.durationNs ?? 0, assumptions: '',
      events: 0, digest: '', violations: 0, anomalies: 0, rules: {}, findings: [], protectedNs: 0, protmEnters: 0, apps: {},
      error: (e as Error).message.split('\n')[0] ?? '',
    };
  }
  const path = spec.tracePath;
  const sink = new MetricsSink(cfg);
  const header = traceHeaderFor({ config: cfg, text: spec.text, source: spec.source });
  // in-thread: a pool thread (or a worker process) is already one of the cores
  const memory = path === undefined ? new MemoryOutput(`run ${spec.id}`) : undefined;
  recordScenario(memory ?? path!, header, cfg, { offload: false, sinks: [sink] });
  // a kept trace is read once, for its digest and its check alike
  const bytes = memory ? memory.bytes() : readFileSync(path!);
  const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const trace = openTraceBytes(bytes, memory ? memory.name : path);
  try {
    const report = checkTrace(trace, { starvationBoundNs: spec.starvationBoundNs });
    const rules: RunResult['rules'] = {};
    for (const r of report.rules) if (r.violations + r.anomalies > 0) rules[r.id] = { violations: r.violations, anomalies: r.anomalies };
    const seen = new Set<string>();
    const findings: Finding[] = [];
    for (const f of report.findings as Violation[]) {
      if (seen.has(f.rule)) continue;
      seen.add(f.rule);
      findings.push({ rule: f.rule, severity: f.severity, index: f.index, t: f.t, message: f.message, root: f.root, rootKind: rootKindOf(trace, f.root) });
    }
    const m = sink.finish();
    return {
      id: spec.id, scenario: cfg.name, policy: cfg.driver.protmPolicy, seed: cfg.seed, durationNs: cfg.duration,
      assumptions: assumptionsText(cfg), events: trace.eventCount, digest,
      violations: report.violations, anomalies: report.anomalies, rules, findings,
      protectedNs: m.protectedNs, protmEnters: m.protmEnters, apps: figures(m),
    };
  } finally { trace.close(); }
}
