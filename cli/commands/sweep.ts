/**
 * `csftrace sweep [--scenarios all|a,b,file.yaml] [--policies all|p,q] [--seeds 1,2,3]
 * [--fw defaults] [--fw name=value,...] [--duration 1s] [--results sweep.jsonl]
 * [--format table|csv|jsonl]`: the matrix scenarios × policies × seeds × firmware assumption sets,
 * each cell one in-process run summarised by the shared metrics and `check` (explore/sweep.ts), on
 * the local pool or on BullMQ workers. With --results the run is resumable: cells already in the
 * file are skipped. A progress bar with an ETA on a terminal only.
 */
import type { Command } from 'commander';
import { listBuiltins, parseAssumption } from '../../hw-model/index.js';
import {
  readResults, sweep, sweepCells, sweepCsv, sweepJsonLines, sweepTable, type RunResult, type SweepScenario,
} from '../../explore/index.js';
import { CliError, parseCount } from '../errors.js';
import { isSystemError, printText, writeFailure } from '../output.js';
import { progressLine } from './sim-progress.js';
import { loadScenarioArg } from './simulate.js';
import { openRunner, parseDurationFlag, parsePolicies, runnerOptions, writeNewFile, type RunnerFlags } from './explore-options.js';
import { collect } from './simulate.js';

interface SweepFlags extends RunnerFlags {
  scenarios: string; policies: string; seeds: string; fw: string[]; duration?: string; results?: string; format: string;
  output?: string; starvationBound: string;
}

const FORMATS = ['table', 'csv', 'jsonl'] as const;

function scenariosOf(text: string): SweepScenario[] {
  const names = text.trim() === 'all' ? listBuiltins().map((b) => b.name) : text.split(',').map((x) => x.trim()).filter(Boolean);
  if (names.length === 0) throw new CliError('--scenarios: expected built-in names or files, or all');
  return names.map((n) => {
    const l = loadScenarioArg(n);
    return { name: l.config.name, text: l.text, source: l.source };
  });
}

function fwSetsOf(list: readonly string[]): string[][] {
  if (list.length === 0) return [[]];
  return list.map((set) => {
    if (set.trim() === 'defaults') return [];
    return set.split(',').map((x) => x.trim()).filter(Boolean).map((a) => {
      const r = parseAssumption(a);
      if (typeof r === 'string') throw new CliError(`--fw: ${r}`);
      return `${r.name}=${r.value}`;
    });
  });
}

function seedsOf(text: string): number[] {
  const out = text.split(',').map((x) => parseCount('--seeds', x, 0, Number.MAX_SAFE_INTEGER));
  if (new Set(out).size !== out.length) throw new CliError('--seeds: a seed is listed twice');
  return out;
}

function etaText(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export function register(program: Command): void {
  runnerOptions(program
    .command('sweep')
    .description('run a matrix of scenarios × policies × seeds × firmware assumptions; one row per run (metrics and check) as a table, CSV or JSON lines; resumable')
    .option('--scenarios <list>', 'built-in names or scenario files, comma-separated, or all', 'all')
    .option('--policies <list>', 'protected-mode policies, comma-separated, or all', 'all')
    .option('--seeds <list>', 'seeds, comma-separated', '1,2,3')
    .option('--fw <set>', 'a firmware assumption set: defaults, or name=value[,name=value] (repeatable: one column value each)', collect, [])
    .option('--duration <d>', 'virtual time of every run (default: each scenario\'s own)')
    .option('--starvation-bound <t>', 'R21: how long protected work may wait for protected mode', '100ms')
    .option('--results <file.jsonl>', 'keep results here, one JSON line per cell; a rerun skips the cells already in it')
    .option('--format <f>', `what to print: ${FORMATS.join(', ')}`, 'table')
    .option('-o, --output <file>', 'write the table, CSV or JSON lines to a new file instead of standard output'))
    .addHelpText('after', `
Each row: the run's events, check violations and anomalies (and per rule), protected residency,
PROTM enters, frames done and expected (all apps), the longest starvation of any app and the
trace's digest (the same run gives the same digest wherever it ran). Rows are in matrix order.

Examples:
  csftrace sweep --policies all --seeds 1,2,3 --duration 1s
  csftrace sweep --scenarios drm-video-over-ui,mine.yaml --fw defaults --fw protm_enter_without_pending=hang --format csv -o sweep.csv
  csftrace sweep --results sweep.jsonl        # interrupted? the same command again finishes the rest
  csftrace sweep --queue redis://127.0.0.1:6379 --results sweep.jsonl`)
    .action(async (o: SweepFlags) => {
      if (!(FORMATS as readonly string[]).includes(o.format)) throw new CliError(`--format: expected one of ${FORMATS.join(', ')} (got "${o.format}")`);
      const cells = sweepCells({
        scenarios: scenariosOf(o.scenarios), policies: parsePolicies('--policies', o.policies), seeds: seedsOf(o.seeds), fw: fwSetsOf(o.fw),
        durationNs: o.duration !== undefined ? parseDurationFlag('--duration', o.duration) : undefined,
        starvationBoundNs: parseDurationFlag('--starvation-bound', o.starvationBound),
      });
      let done = new Map<string, RunResult>();
      if (o.results !== undefined) {
        try { done = readResults(o.results); } catch (e) {
          if (isSystemError(e)) throw writeFailure(o.results, e, 'cannot read');
          throw new CliError(`${o.results}: ${(e as Error).message}`);
        }
      }
      const runner = await openRunner(o);
      const bar = progressLine();
      const t0 = Date.now();
      let results: RunResult[];
      try {
        results = await sweep(runner, cells, done, o.results, (p) => {
          const el = Date.now() - t0;
          const left = p.total - p.done;
          const eta = p.ran > 0 ? ` · ETA ${etaText((el / p.ran) * left)}` : '';
          const w = 24;
          const fill = Math.round((p.done / Math.max(1, p.total)) * w);
          bar.update(`sweep [${'#'.repeat(fill)}${'.'.repeat(w - fill)}] ${p.done}/${p.total} runs${p.skipped ? ` (${p.skipped} from ${o.results})` : ''}${eta}`);
        });
      } catch (e) {
        if (isSystemError(e) && o.results !== undefined) throw writeFailure(o.results, e);
        throw e;
      } finally { bar.clear(); await runner.close(); }
      const text = o.format === 'csv' ? sweepCsv(results) : o.format === 'jsonl' ? sweepJsonLines(results) : sweepTable(results);
      if (o.output !== undefined && o.output !== '-') writeNewFile(o.output, text);
      else printText(text);
      if (process.stderr.isTTY) {
        process.stderr.write(`${results.length} runs (${cells.filter((c) => !done.has(c.key)).length} run now) in ${((Date.now() - t0) / 1000).toFixed(1)} s on the ${runner.label}\n`);
      }
    });
}
