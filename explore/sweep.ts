/**
 * A matrix of runs: scenarios × policies × seeds × firmware assumption sets, each run summarised
 * by the shared metrics and `check` (run.ts), in matrix order whatever ran where. Resumable: the
 * results file holds one JSON line per finished cell (its `id` is the cell's key), and a rerun
 * skips the cells it already holds.
 */
import { closeSync, existsSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { runOrdered, type Runner } from './pool.js';
import type { RunResult, RunSpec } from './run.js';

export interface SweepScenario { name: string; text: string; source: string }

export interface SweepOptions {
  scenarios: readonly SweepScenario[];
  policies: readonly string[];
  seeds: readonly number[];
  /** Firmware assumption sets: each a list of `name=value` (empty: the defaults). */
  fw: readonly (readonly string[])[];
  durationNs?: number | undefined;
  starvationBoundNs?: number | undefined;
}

export interface SweepCell { key: string; spec: RunSpec }

/** The cell's key: what identifies its result in a results file. */
export function cellKey(scenario: string, policy: string, seed: number, fw: readonly string[], durationNs?: number): string {
  return [scenario, policy, `seed=${seed}`, fw.length ? fw.join('+') : 'defaults', durationNs !== undefined ? `duration=${durationNs}` : 'duration=scenario'].join('|');
}

/** Every cell in matrix order (scenario, then policy, then seed, then assumption set). */
export function sweepCells(o: SweepOptions): SweepCell[] {
  const out: SweepCell[] = [];
  for (const s of o.scenarios) {
    for (const policy of o.policies) {
      for (const seed of o.seeds) {
        for (const fw of o.fw) {
          const key = cellKey(s.name, policy, seed, fw, o.durationNs);
          out.push({ key, spec: { id: key, text: s.text, source: s.source, policy, seed, durationNs: o.durationNs, assume: [...fw], starvationBoundNs: o.starvationBoundNs } });
        }
      }
    }
  }
  return out;
}

/** Results already in a results file, by key; a last line cut short by a crash is cut off the file. */
export function readResults(path: string): Map<string, RunResult> {
  const done = new Map<string, RunResult>();
  if (!existsSync(path)) return done;
  const text = readFileSync(path, 'utf8');
  const end = text.lastIndexOf('\n') + 1;
  if (end < text.length) truncateSync(path, Buffer.byteLength(text.slice(0, end)));
  for (const [n, line] of text.slice(0, end).split('\n').entries()) {
    if (!line.trim()) continue;
    let r: RunResult;
    try { r = JSON.parse(line) as RunResult; } catch { throw new Error(`line ${n + 1} is not JSON: not a sweep results file`); }
    if (!r || typeof r.id !== 'string' || typeof r.events !== 'number') throw new Error(`line ${n + 1} is not a sweep result`);
    done.set(r.id, r);
  }
  return done;
}

export interface SweepProgress { done: number; total: number; ran: number; skipped: number }

/**
 * Runs the cells not in `done`, appending each result to `resultsPath` (when given) as it is
 * handed over, in matrix order. Returns every cell's result in matrix order.
 */
export async function sweep(
  runner: Runner, cells: readonly SweepCell[], done: ReadonlyMap<string, RunResult>, resultsPath?: string,
  onProgress?: (p: SweepProgress) => void,
): Promise<RunResult[]> {
  const todo = cells.filter((c) => !done.has(c.key));
  const got = new Map(done);
  const fd = resultsPath !== undefined ? openSync(resultsPath, 'a') : undefined;
  const skipped = cells.length - todo.length;
  let ran = 0;
  onProgress?.({ done: skipped, total: cells.length, ran, skipped });
  try {
    await runOrdered(runner, todo.map((c) => c.spec)[Symbol.iterator](), (r) => {
      got.set(r.id, r);
      ran++;
      if (fd !== undefined) writeSync(fd, JSON.stringify(r) + '\n');
      onProgress?.({ done: skipped + ran, total: cells.length, ran, skipped });
    });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return cells.map((c) => got.get(c.key)!);
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const msText = (ns: number): string => `${(ns / 1e6).toFixed(1)}ms`;

/**
 * The columns of the table and the CSV: `frames` and `expected` sum the paced apps (fps > 0), and
 * `worst_starvation` is the longest starvation of any app (replayer/metrics/README.md).
 */
export const SWEEP_COLUMNS = [
  'scenario', 'policy', 'seed', 'firmware', 'events', 'violations', 'anomalies', 'rules', 'protected', 'protm_enters', 'frames', 'expected', 'worst_starvation', 'digest',
] as const;

/** One row of values per result (the table's and the CSV's). */
export function sweepRow(r: RunResult): string[] {
  if (r.error) return [r.id.split('|')[0] ?? '', r.policy, String(r.seed), r.assumptions, 'error', '', '', r.error, '', '', '', '', '', ''];
  const apps = Object.values(r.apps);
  // frames of the paced apps (those with frames expected), against what they expected
  const frames = apps.reduce((s, a) => s + (a.framesExpected > 0 ? a.framesDone : 0), 0);
  const expected = apps.reduce((s, a) => s + a.framesExpected, 0);
  const starv = apps.reduce((m, a) => Math.max(m, a.longestStarvationNs), 0);
  const rules = Object.entries(r.rules).map(([id, c]) => `${id}×${c.violations + c.anomalies}`).join(' ');
  return [
    r.scenario, r.policy, String(r.seed), r.assumptions, String(r.events), String(r.violations), String(r.anomalies), rules || '-',
    pct(r.durationNs ? r.protectedNs / r.durationNs : 0), String(r.protmEnters), String(frames), String(expected), msText(starv), r.digest,
  ];
}

export function sweepTable(results: readonly RunResult[]): string {
  const rows = [[...SWEEP_COLUMNS] as string[], ...results.map(sweepRow)];
  const w = SWEEP_COLUMNS.map((_, k) => Math.max(...rows.map((r) => r[k]?.length ?? 0)));
  const numeric = new Set([4, 5, 6, 8, 9, 10, 11, 12]);
  return rows.map((r) => r.map((x, k) => (numeric.has(k) ? x.padStart(w[k] ?? 0) : x.padEnd(w[k] ?? 0))).join('  ').trimEnd()).join('\n') + '\n';
}

const csvField = (x: string): string => (/[",\n]/.test(x) ? `"${x.replace(/"/g, '""')}"` : x);

export function sweepCsv(results: readonly RunResult[]): string {
  return [[...SWEEP_COLUMNS], ...results.map(sweepRow)].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

export function sweepJsonLines(results: readonly RunResult[]): string {
  return results.map((r) => JSON.stringify(r) + '\n').join('');
}
