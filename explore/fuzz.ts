/**
 * The schedule fuzzer: scenario after scenario from a seed (generate.ts), each run under one or
 * more policies (or a pair, for a differential property), until a run fails a property
 * (property.ts), the run budget or the time budget is spent. Results are handed over in run order
 * (pool.ts runOrdered), so the same seed finds the same failure whatever the number of workers.
 */
import { generateScenario, docText, type ScenarioDoc } from './generate.js';
import { runOrdered, type Runner } from './pool.js';
import {
  differentialFailure, expectationLine, expectationOf, firstResult, reproduces, resultPair, runFailure,
  type Expectation, type Failure, type PropertyOptions,
} from './property.js';
import type { RunResult, RunSpec } from './run.js';

export interface FuzzOptions {
  seed: number;
  /** Scenarios to try at most. */
  runs: number;
  /** Wall-clock budget in ms (none when undefined). */
  timeMs?: number | undefined;
  /** Policies each scenario runs under (ignored with a differential: A and B). */
  policies: readonly string[];
  property: PropertyOptions;
  starvationBoundNs?: number | undefined;
  /** Called after each scenario with the number done. */
  onProgress?: ((done: number) => void) | undefined;
  /** Wall clock (ms), for the time budget. */
  now?: (() => number) | undefined;
}

export interface FuzzFound {
  /** Index of the scenario (0-based) in the seed's sequence. */
  run: number;
  doc: ScenarioDoc;
  failure: Failure;
  expectation: Expectation;
  /** The case file: the scenario with the failing policy set and the expectation line. */
  caseText: string;
  results: RunResult[];
}

export interface FuzzOutcome {
  /** Scenarios run to the end. */
  scenarios: number;
  /** Model runs (scenarios × policies). */
  modelRuns: number;
  invalid: number;
  stoppedBy: 'failure' | 'runs' | 'time';
  found?: FuzzFound;
}

/** The case file of a failure: the scenario as run, the expectation, where it came from. */
export function caseText(doc: ScenarioDoc, e: Expectation, origin: string): string {
  const d: ScenarioDoc = structuredClone(doc);
  if (!e.differential) d.driver = { ...(d.driver as Record<string, unknown> | undefined), protm_policy: e.policy };
  return docText(d, `${origin}\n${expectationLine(e).slice(2)}`);
}

export async function fuzz(runner: Runner, o: FuzzOptions): Promise<FuzzOutcome> {
  const diff = o.property.differential;
  const policies = diff ? [diff.a, diff.b] : o.policies;
  const k = policies.length;
  const now = o.now ?? Date.now;
  const start = now();
  const docs = new Map<number, ScenarioDoc>();
  let stoppedBy: FuzzOutcome['stoppedBy'] = 'runs';
  function* specs(): Generator<RunSpec> {
    for (let run = 0; run < o.runs; run++) {
      if (o.timeMs !== undefined && now() - start >= o.timeMs) { stoppedBy = 'time'; return; }
      const doc = generateScenario(o.seed, run);
      docs.set(run, doc);
      const text = docText(doc);
      for (const policy of policies) yield { id: `${o.seed}/${run}/${policy}`, text, source: `fuzz:${o.seed}/${run}`, policy, starvationBoundNs: o.starvationBoundNs };
    }
  }
  const out: FuzzOutcome = { scenarios: 0, modelRuns: 0, invalid: 0, stoppedBy };
  let group: RunResult[] = [];
  await runOrdered(runner, specs(), (r, index) => {
    out.modelRuns++;
    group.push(r);
    if (group.length < k) return true;
    const run = Math.floor(index / k);
    const results = group;
    group = [];
    const doc = docs.get(run)!;
    docs.delete(run);
    out.scenarios++;
    if (results.some((x) => x.error)) out.invalid++;
    let failure: Failure | undefined;
    if (diff) failure = differentialFailure(...resultPair(results), diff);
    else for (const x of results) { failure = runFailure(x, o.property); if (failure) break; }
    o.onProgress?.(out.scenarios);
    if (!failure) return true;
    const expectation: Expectation = {
      rule: failure.rule, rootKind: failure.rootKind,
      ...(diff ? { differential: diff } : { policy: failure.policy }),
      ...(failure.rule === 'frames' ? { missedFrames: o.property.missedFrames } : {}),
      ...(o.property.anomalies ?? o.property.rules ? { anomalies: true } : {}),
    };
    out.found = {
      run, doc, failure, expectation, results,
      caseText: caseText(doc, expectation, `csftrace fuzz case: seed ${o.seed}, run ${run}${diff ? `, differential ${diff.a},${diff.b} on ${diff.metric}` : `, policy ${failure.policy}`}`),
    };
    stoppedBy = 'failure';
    return false;
  });
  out.stoppedBy = stoppedBy;
  return out;
}

/** The specs that re-check a case: one run, or A and B for a differential. */
export function caseSpecs(text: string, source: string, e: Expectation | undefined, id = source, tracePath?: string): RunSpec[] {
  if (e?.differential) {
    return [e.differential.a, e.differential.b].map((policy, k) => ({ id: `${id}/${policy}`, text, source, policy, ...(k === 1 && tracePath ? { tracePath } : {}) }));
  }
  return [{ id, text, source, ...(tracePath ? { tracePath } : {}) }];
}

export interface ReplayOutcome {
  expectation: Expectation | undefined;
  failure: Failure | undefined;
  results: RunResult[];
}

/**
 * `fuzz --replay case.yaml`: runs the case and tells whether its expected failure still reproduces
 * (without an expectation line: whether any check rule is violated).
 */
export async function replayCase(runner: Runner, text: string, source: string): Promise<ReplayOutcome> {
  const e = expectationOf(text);
  if (typeof e === 'string') throw new Error(e);
  const results = await Promise.all(caseSpecs(text, source, e).map((s) => runner.run(s)));
  const first = firstResult(results);
  if (first.error) throw new Error(first.error);
  const failure = e ? reproduces(e, results) : runFailure(first, {});
  return { expectation: e, failure, results };
}
