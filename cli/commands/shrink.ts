/**
 * `csftrace shrink case.yaml -o dir/ [--rule R20] [--max-runs N] [--seeds]`: delta debugging over a
 * failing scenario (explore/shrink.ts) while the same failure (rule and root decision kind)
 * reproduces; writes dir/scenario.yaml (the minimal case, re-checked by `csftrace fuzz --replay`),
 * dir/trace.csft (its trace) and dir/report/ (the bug-report bundle of that trace), and reports the
 * shrink ratio (events before / after).
 */
import { lstatSync, mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { caseSpecs, docOf, expectationOf, expectationText, firstResult, shrink, type Expectation, type RunResult } from '../../explore/index.js';
import { VERSION } from '../../recorder/index.js';
import { CliError, parseCount } from '../errors.js';
import { JSON_SCHEMAS, printJson, printText, writeFailure } from '../output.js';
import { register as registerBugreport } from './bugreport.js';
import { failureLines, parseRules } from './fuzz.js';
import { loadScenarioArg } from './simulate.js';
import { openRunner, runnerOptions, writeNewFile, type RunnerFlags } from './explore-options.js';
import { formatCount } from '../../proto/index.js';

interface ShrinkFlags extends RunnerFlags { output: string; rule?: string; rootKind?: string; maxRuns: string; seeds?: boolean; json?: boolean }

/** A new or empty directory for the outputs (nothing existing is replaced); true when created here. */
function prepareDir(out: string): boolean {
  let st;
  try { st = lstatSync(out); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw writeFailure(out, e); }
  if (st === undefined) {
    try { mkdirSync(out); } catch (e) { throw writeFailure(out, e); }
    return true;
  }
  if (st.isSymbolicLink()) throw new CliError(`${out}: is a symbolic link: give the directory itself`);
  if (!st.isDirectory()) throw new CliError(`${out}: exists and is not a directory`);
  if (readdirSync(out).length > 0) throw new CliError(`${out}: directory is not empty`);
  return false;
}

const appsOf = (text: string): number => (docOf(text).apps ?? []).length;
const durOf = (r: RunResult): string => `${r.durationNs / 1e6} ms`;

export function register(program: Command): void {
  runnerOptions(program
    .command('shrink')
    .description('shrink a failing scenario to the smallest one on which the same failure (rule and root decision kind) still happens; writes scenario.yaml, its trace and a bug report')
    .argument('<case>', 'a case file from csftrace fuzz -o, or any scenario file (then give --rule)')
    .requiredOption('-o, --output <dir>', 'directory for scenario.yaml, trace.csft and report/ (created; must be empty if it exists)')
    .option('--rule <id>', 'the rule to keep failing (default: the case file\'s expectation)')
    .option('--root-kind <kind>', 'with --rule: the root decision kind to keep (default: that of the first finding of the rule)')
    .option('--max-runs <n>', 'model runs at most', '400')
    .option('--seeds', 'also try other seeds (1..10) when they give a shorter trace')
    .option('--json', 'the outcome as JSON'))
    .addHelpText('after', `
Changes tried, each kept only while the failure reproduces on a trace no longer than before: drop an
app (with its faults), a fault or a heap; shorten the run (to just past the failure, by halves, to
1 s); drop keys so that values fall back to their defaults (starts, stops, jitter, queues, driver
knobs, firmware assumptions).

Examples:
  csftrace fuzz --seed 1 --policy panthor-2026 -o case.yaml
  csftrace shrink case.yaml -o shrunk/
  csftrace fuzz --replay shrunk/scenario.yaml
  csftrace shrink mine.yaml --rule R21 -o shrunk-r21/`)
    .action(async (path: string, o: ShrinkFlags) => {
      const loaded = loadScenarioArg(path);
      const maxRuns = parseCount('--max-runs', o.maxRuns, 1, 1_000_000);
      let e = expectationOf(loaded.text);
      if (typeof e === 'string') throw new CliError(`${path}: ${e}`);
      if (o.rule !== undefined) {
        const [rule] = parseRules(o.rule);
        e = { rule, rootKind: o.rootKind ?? '', anomalies: true } as Expectation;
      } else if (o.rootKind !== undefined) throw new CliError('--root-kind: give --rule too');
      if (!e) throw new CliError(`${path}: no "# csftrace-expect:" line (not a case from csftrace fuzz -o): name the failure with --rule`);
      const created = prepareDir(o.output);
      let runner;
      try { runner = await openRunner(o); } catch (err) { if (created) rmdirSync(o.output); throw err; }
      let wrote = false;
      try {
        if (!e.rootKind) {
          const rule = e.rule;
          // the root decision kind of the rule's first finding in the scenario as given
          const r = firstResult(await Promise.all(caseSpecs(loaded.text, loaded.source, undefined).map((s) => runner.run(s))));
          if (r.error) throw new CliError(`${path}: ${r.error}`);
          const f = r.findings.find((x) => x.rule === rule);
          if (!f) throw new CliError(`${path}: ${rule} does not fail on this scenario: nothing to shrink`);
          e = { ...e, rootKind: f.rootKind };
        }
        const expectation = e;
        const stepsShown = !o.json && process.stderr.isTTY === true;
        let out;
        try {
          out = await shrink(runner, {
            text: loaded.text, source: loaded.source, expectation, maxRuns, seeds: o.seeds,
            onStep: stepsShown ? (line) => process.stderr.write(`  kept: ${line}\n`) : undefined,
          });
        } catch (err) {
          if (err instanceof CliError) throw err;
          throw new CliError(`${path}: ${(err as Error).message.split('\n')[0]}`);
        }
        const scenarioPath = join(o.output, 'scenario.yaml');
        const tracePath = join(o.output, 'trace.csft');
        writeNewFile(scenarioPath, out.text);
        wrote = true;
        // the minimal case's trace, recorded by the same run as every other (B's for a differential)
        const specs = caseSpecs(out.text, 'scenario.yaml', expectation, 'shrink/final', tracePath);
        const final = await Promise.all(specs.map((s) => runner.run(s)));
        const last = final.at(-1), before = out.before.at(-1);
        if (last === undefined || before === undefined) throw new Error('shrink: no run to report (invariant: a case has at least one)');
        const ratio = before.events / Math.max(1, last.events);
        // the bug report bundle of that trace, by the bugreport command itself
        const sub = new Command().name('csftrace').version(VERSION).exitOverride();
        registerBugreport(sub);
        const reportDir = join(o.output, 'report');
        const log: string[] = [];
        const write = process.stdout.write.bind(process.stdout);
        process.stdout.write = ((chunk: string | Uint8Array) => { log.push(String(chunk)); return true; }) as typeof process.stdout.write;
        try { await sub.parseAsync(['bugreport', tracePath, '-o', reportDir], { from: 'user' }); } finally { process.stdout.write = write; }
        if (o.json) {
          printJson({
            schema: JSON_SCHEMAS.shrink, case: loaded.source, expectation, runs: out.runs, steps: out.steps,
            before: { events: before.events, apps: appsOf(loaded.text), durationNs: before.durationNs },
            after: { events: last.events, apps: appsOf(out.text), durationNs: last.durationNs },
            ratio, failure: out.failure, scenario: scenarioPath, trace: tracePath, report: join(reportDir, 'report.md'),
          });
        } else {
          printText([
            `shrunk ${path}: ${appsOf(loaded.text)} → ${appsOf(out.text)} apps, ${durOf(before)} → ${durOf(last)}, ` +
              `${formatCount(before.events)} → ${formatCount(last.events)} events (shrink ratio ${ratio.toFixed(1)}×), ` +
              `${out.steps.length} change${out.steps.length === 1 ? '' : 's'} kept in ${out.runs} runs on the ${runner.label}`,
            `still fails: ${expectationText(expectation)}`,
            ...failureLines(out.failure),
            `written: ${scenarioPath}, ${tracePath}`,
            ...log.join('').trimEnd().split('\n'),
            `re-check: csftrace fuzz --replay ${scenarioPath}`,
          ].join('\n') + '\n');
        }
      } finally {
        await runner.close();
        // nothing was found to write: the directory made for it goes again
        if (created && !wrote) { try { rmdirSync(o.output); } catch { /* not empty: keep it */ } }
      }
    });
}
