/**
 * Delta debugging over a failing scenario: tries simpler scenarios one change at a time (drop an
 * app with its faults, drop a fault or a heap, shorten the run, move starts to zero, drop keys so
 * that values fall back to their defaults, other seeds only when asked) and keeps a change only
 * while the same failure (rule and root decision kind, property.ts) still reproduces on a trace no
 * longer than before, until no
 * change is kept or the run budget is spent. Candidates of one round run in parallel; the first
 * one in a fixed order that reproduces is kept, so the result does not depend on the pool.
 */
import { parse } from 'yaml';
import { parseScenario, parseDuration } from '../hw-model/index.js';
import { caseSpecs } from './fuzz.js';
import { docText, durationText, type AppDoc, type ScenarioDoc } from './generate.js';
import { runOrdered, type Runner } from './pool.js';
import { expectationLine, expectationText, firstResult, reproduces, type Expectation, type Failure } from './property.js';
import type { RunResult, RunSpec } from './run.js';

export interface ShrinkOptions {
  text: string;
  source: string;
  expectation: Expectation;
  /** Model runs at most (default 400). */
  maxRuns?: number | undefined;
  /** Also try seeds 1..10 (off by default: a seed is not a simplification of the workload). */
  seeds?: boolean | undefined;
  onStep?: ((line: string) => void) | undefined;
}

export interface ShrinkOutcome {
  doc: ScenarioDoc;
  /** The minimal scenario as a file (comment lines: origin and expectation). */
  text: string;
  before: RunResult[];
  after: RunResult[];
  failure: Failure;
  /** Model runs made. */
  runs: number;
  /** The changes kept, in order. */
  steps: string[];
}

interface Candidate { what: string; doc: ScenarioDoc }

const ns = (v: unknown): number | undefined => (typeof v === 'string' ? parseDuration(v) : typeof v === 'number' ? v : undefined);

/** Every one-step simplification of `doc`, most effective first. */
export function candidates(doc: ScenarioDoc, failT: number, seeds: boolean): Candidate[] {
  const out: Candidate[] = [];
  const with_ = (what: string, f: (d: ScenarioDoc) => void): void => {
    const d = structuredClone(doc);
    f(d);
    out.push({ what, doc: d });
  };
  const apps = (doc.apps ?? []) as AppDoc[];
  apps.forEach((a, k) => {
    if (apps.length > 1) {
      with_(`drop app ${a.name}`, (d) => {
        d.apps = (d.apps as AppDoc[]).filter((_, j) => j !== k);
        if (d.faults) d.faults = d.faults.filter((f) => f.app !== a.name);
        if (d.faults && d.faults.length === 0) delete d.faults;
      });
    }
  });
  (doc.faults ?? []).forEach((f, k) => with_(`drop fault ${String(f.kind)}`, (d) => {
    d.faults = d.faults!.filter((_, j) => j !== k);
    if (d.faults.length === 0) delete d.faults;
  }));
  const dur = ns(doc.duration) ?? 5e9;
  const targets = new Set<number>();
  // just past the failure (liveness rules need their bound to pass), then halving, then 1 s
  targets.add(Math.ceil((failT + 150e6) / 100e6) * 100e6);
  targets.add(Math.ceil(dur / 2 / 100e6) * 100e6);
  targets.add(1e9);
  for (const t of [...targets].sort((x, y) => x - y)) {
    if (t < dur && t > 0) with_(`duration ${durationText(t)}`, (d) => { d.duration = durationText(t); });
  }
  apps.forEach((a, k) => {
    for (const key of ['start', 'stop', 'jitter', 'queues', 'buffers', 'privileged', 'priority', 'fps', 'job_duration', 'protected']) {
      if (a[key] === undefined) continue;
      with_(`app ${a.name}: ${key} to its default`, (d) => { delete (d.apps as AppDoc[])[k]![key]; });
    }
  });
  (doc.heaps ?? []).forEach((h, k) => {
    with_(`drop heap ${String(h.name)}`, (d) => {
      d.heaps = d.heaps!.filter((_, j) => j !== k);
      if (d.heaps.length === 0) delete d.heaps;
    });
    for (const key of ['appear_at', 'alloc_latency', 'fail_allocs_after', 'size']) {
      if (h[key] !== undefined) with_(`heap ${String(h.name)}: ${key} to its default`, (d) => { delete d.heaps![k]![key]; });
    }
  });
  for (const section of ['driver', 'firmware', 'gpu']) {
    const s = doc[section] as Record<string, unknown> | undefined;
    if (!s) continue;
    for (const key of Object.keys(s)) {
      if (section === 'driver' && key === 'protm_policy') continue;
      with_(`${section}.${key} to its default`, (d) => {
        const x = d[section] as Record<string, unknown>;
        delete x[key];
        if (Object.keys(x).length === 0) delete d[section];
      });
    }
  }
  if (doc.description !== undefined) with_('drop the description', (d) => { delete d.description; });
  if (seeds) for (let s = 1; s <= 10; s++) if (doc.seed !== s) with_(`seed ${s}`, (d) => { d.seed = s; });
  return out;
}

function valid(doc: ScenarioDoc): boolean {
  try { parseScenario(docText(doc), 'candidate'); return true; } catch { return false; }
}

/** Reads a case or scenario file's text into a document (comments dropped). */
export function docOf(text: string): ScenarioDoc {
  const d = parse(text) as unknown;
  if (!d || typeof d !== 'object' || Array.isArray(d)) throw new Error('not a scenario document (a YAML mapping)');
  return d as ScenarioDoc;
}

export async function shrink(runner: Runner, o: ShrinkOptions): Promise<ShrinkOutcome> {
  const e = o.expectation;
  const maxRuns = o.maxRuns ?? 400;
  const specsOf = (doc: ScenarioDoc, id: string): RunSpec[] => caseSpecs(docText(doc), o.source, e, id);
  let doc = docOf(o.text);
  const k = e.differential ? 2 : 1;
  const before = await Promise.all(specsOf(doc, 'shrink/original').map((s) => runner.run(s)));
  let runs = k;
  const first = firstResult(before);
  if (first.error) throw new Error(first.error);
  let failure = reproduces(e, before);
  if (!failure) throw new Error(`the scenario does not reproduce ${expectationText(e)}: nothing to shrink`);
  let last = before;
  const steps: string[] = [];
  let round = 0;
  for (;;) {
    const cands = candidates(doc, Math.max(0, failure.t), o.seeds === true).filter((c) => valid(c.doc));
    let kept: { c: Candidate; results: RunResult[]; failure: Failure } | undefined;
    const budget = Math.max(0, Math.floor((maxRuns - runs) / k));
    const tried = cands.slice(0, budget);
    if (tried.length === 0) break;
    function* specs(): Generator<RunSpec> { for (const [j, c] of tried.entries()) yield* specsOf(c.doc, `shrink/${round}/${j}`); }
    let group: RunResult[] = [];
    await runOrdered(runner, specs(), (r, index) => {
      runs++;
      group.push(r);
      if (group.length < k) return true;
      const results = group;
      group = [];
      const c = tried[Math.floor(index / k)]!;
      const f = reproduces(e, results);
      // kept when the failure reproduces on a trace no longer than before (a seed: only shorter)
      const events = results[k - 1]!.events;   // a group is k results
      const prev = last[k - 1]!.events;
      if (f && (c.what.startsWith('seed ') ? events < prev : events <= prev)) { kept = { c, results, failure: f }; return false; }
      return true;
    });
    round++;
    if (!kept) break;
    const got = kept as { c: Candidate; results: RunResult[]; failure: Failure };
    doc = got.c.doc;
    last = got.results;
    failure = got.failure;
    steps.push(got.c.what);
    o.onStep?.(`${got.c.what}: ${got.results[k - 1]!.events} events`);
  }
  const origin = `csftrace shrink of ${o.source}: ${steps.length} change${steps.length === 1 ? '' : 's'} kept, ${runs} runs`;
  return {
    doc, text: docText(doc, `${origin}\n${expectationLine(e).slice(2)}`), before, after: last, failure, runs, steps,
  };
}
