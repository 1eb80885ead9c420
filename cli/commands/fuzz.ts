/**
 * `csftrace fuzz [--seed N] [--runs N] [--time 10m] [--policy p,q] [--rule R5,R21]
 * [--differential a,b] [--json] [-o case.yaml]`: schedule fuzzing over generated valid scenarios
 * (explore/), stopping at the first run that fails a property; `--replay case.yaml` re-checks a
 * case. Not the hostile-input fuzzer of `npm run fuzz` (fuzz/), which mutates trace files.
 * Exit 0: nothing found (or the case no longer fails); 1: a failure; 2: bad input.
 */
import type { Command } from 'commander';
import { CHECK_RULES } from '../../replayer/index.js';
import { DIFF_METRICS, expectationText, fuzz, replayCase, type DiffMetric, type Differential, type Failure, type PropertyOptions } from '../../explore/index.js';
import { formatNs } from '../../hw-model/index.js';
import { CliError, parseCount } from '../errors.js';
import { JSON_SCHEMAS, printJson, printText } from '../output.js';
import { progressLine } from './sim-progress.js';
import { loadScenarioArg } from './simulate.js';
import { openRunner, parseDurationFlag, parsePolicies, runnerOptions, writeNewFile, type RunnerFlags } from './explore-options.js';
import { formatCount } from '../../proto/index.js';

interface FuzzFlags extends RunnerFlags {
  seed: string; runs: string; time?: string; policy: string; rule?: string; anomalies?: boolean; missedFrames?: string;
  differential?: string; metric: string; tolerance: string; starvationBound?: string; json?: boolean; output?: string; replay?: string;
}

/** `--rule R5,R21` checked against the rules `check --list` knows (and `frames`). */
export function parseRules(text: string): string[] {
  const ids = [...CHECK_RULES.map((r) => r.id), 'frames'];
  const out = text.split(',').map((x) => x.trim()).filter(Boolean);
  for (const id of out) {
    if (!ids.some((x) => x.toLowerCase() === id.toLowerCase())) throw new CliError(`--rule: unknown rule "${id}" (one of ${ids.join(', ')})`);
  }
  return out.map((id) => ids.find((x) => x.toLowerCase() === id.toLowerCase())!);
}

export function failureLines(f: Failure): string[] {
  const where = f.index >= 0 ? ` at #${f.index} (${formatNs(f.t)})` : '';
  const root = f.rootKind !== 'none' && f.index >= 0 ? `, root ${f.rootKind}` : '';
  return [`  ${f.rule} under ${f.policy}${where}${root}`, `  ${f.message}`];
}

function propertyOf(o: FuzzFlags): PropertyOptions {
  const p: PropertyOptions = {};
  if (o.rule !== undefined) p.rules = parseRules(o.rule);
  if (o.anomalies) p.anomalies = true;
  if (o.missedFrames !== undefined) {
    const x = Number(o.missedFrames);
    if (!(x >= 0 && x < 1)) throw new CliError(`--missed-frames: expected a share in [0, 1), e.g. 0.5 (got "${o.missedFrames}")`);
    p.missedFrames = x;
  }
  if (o.differential !== undefined) {
    const ps = parsePolicies('--differential', o.differential);
    const [a, b] = ps;
    if (ps.length !== 2 || a === undefined || b === undefined || a === b) throw new CliError('--differential: expected two different policies, a,b (B must not be worse than A)');
    if (!(DIFF_METRICS as readonly string[]).includes(o.metric)) throw new CliError(`--metric: expected one of ${DIFF_METRICS.join(', ')} (got "${o.metric}")`);
    const tol = Number(o.tolerance);
    if (!(tol >= 0 && tol <= 10)) throw new CliError(`--tolerance: expected a share such as 0.1 (got "${o.tolerance}")`);
    const d: Differential = { a, b, metric: o.metric as DiffMetric, tolerance: tol };
    p.differential = d;
  }
  return p;
}

export function register(program: Command): void {
  runnerOptions(program
    .command('fuzz')
    .description('schedule fuzzing: generated valid scenarios under the policies until a run fails a check rule, a liveness bound or a policy comparison')
    .option('--seed <n>', 'fuzz seed: the same seed finds the same failure', '1')
    .option('--runs <n>', 'scenarios to try at most', '200')
    .option('--time <t>', 'wall-clock budget, e.g. 10m, 30s')
    .option('--policy <list>', 'policies each scenario runs under (comma list or all)', 'all')
    .option('--rule <ids>', 'only these properties: check rules (ids as check --list prints them; anomalies count) and frames')
    .option('--anomalies', 'anomalies (timeouts a reset recovered) count as failures too')
    .option('--missed-frames <share>', 'frames property: an app may miss at most this share of its expected frames, e.g. 0.5')
    .option('--differential <a,b>', 'compare two policies on each scenario: B must not be worse than A')
    .option('--metric <m>', `the differential's metric: ${DIFF_METRICS.join(', ')}`, 'frames')
    .option('--tolerance <share>', 'how much worse B may be before it counts', '0.1')
    .option('--starvation-bound <t>', 'R21: how long protected work may wait for protected mode', '100ms')
    .option('--json', 'the outcome as JSON')
    .option('-o, --output <case.yaml>', 'write the failing case here (a scenario file with its expected failure)')
    .option('--replay <case.yaml>', 're-check a case: exit 1 while its failure still reproduces, 0 once it does not'))
    .addHelpText('after', `
A failure is the first check finding of a rule (violations; anomalies too with --anomalies or
--rule), an app missing frames beyond --missed-frames, or with --differential a,b policy B doing
worse than A on --metric. The case file is the scenario as it ran, with the policy and a
"# csftrace-expect:" line naming the rule and the kind of its root decision; csftrace shrink
reduces it.

Examples:
  csftrace fuzz --seed 1 --policy panthor-2026 -o case.yaml
  csftrace fuzz --seed 1 --policy rfc-2025 --rule R21 --runs 50
  csftrace fuzz --differential panthor-2026-reviewed,kbase --metric frames --time 2m
  csftrace fuzz --replay case.yaml`)
    .action(async (o: FuzzFlags) => {
      const starvationBoundNs = parseDurationFlag('--starvation-bound', o.starvationBound ?? '100ms');
      if (o.replay !== undefined) {
        const loaded = loadScenarioArg(o.replay);
        const runner = await openRunner(o);
        try {
          let out;
          try { out = await replayCase(runner, loaded.text, loaded.source); } catch (e) { throw new CliError(`${o.replay}: ${(e as Error).message}`); }
          const what = out.expectation ? expectationText(out.expectation) : 'a check violation';
          if (o.json) printJson({ schema: JSON_SCHEMAS.fuzzReplay, case: loaded.source, expectation: out.expectation ?? null, reproduces: out.failure !== undefined, failure: out.failure ?? null, events: out.results.map((r) => r.events) });
          else if (out.failure) printText([`${o.replay}: still fails: ${what}`, ...failureLines(out.failure)].join('\n') + '\n');
          else printText(`${o.replay}: passes: ${what} no longer reproduces (${out.results.map((r) => `${formatCount(r.events)} events under ${r.policy}`).join(', ')})\n`);
          process.exitCode = out.failure ? 1 : 0;
        } finally { await runner.close(); }
        return;
      }
      const seed = parseCount('--seed', o.seed, 0, Number.MAX_SAFE_INTEGER);
      const runs = parseCount('--runs', o.runs, 1, 10_000_000);
      const timeMs = o.time !== undefined ? parseDurationFlag('--time', o.time) / 1e6 : undefined;
      const property = propertyOf(o);
      const policies = parsePolicies('--policy', o.policy);
      const runner = await openRunner(o);
      const bar = progressLine();
      const t0 = Date.now();
      let out;
      try {
        out = await fuzz(runner, {
          seed, runs, timeMs, policies, property, starvationBoundNs,
          onProgress: (n) => bar.update(`fuzz seed ${seed}: ${n} scenario${n === 1 ? '' : 's'}, ${((Date.now() - t0) / 1000).toFixed(1)} s`),
        });
      } finally { bar.clear(); await runner.close(); }
      const secs = ((Date.now() - t0) / 1000).toFixed(1);
      if (out.found && o.output !== undefined) writeNewFile(o.output, out.found.caseText);
      if (o.json) {
        printJson({
          schema: JSON_SCHEMAS.fuzz, seed, scenarios: out.scenarios, modelRuns: out.modelRuns, invalid: out.invalid, stoppedBy: out.stoppedBy,
          found: out.found ? { run: out.found.run, ...out.found.failure, case: out.found.caseText, caseFile: o.output ?? null } : null,
        });
      } else if (out.found) {
        const f = out.found;
        const lines = [
          `fuzz seed ${seed}: failure at run ${f.run} (${out.scenarios} scenario${out.scenarios === 1 ? '' : 's'}, ${out.modelRuns} run${out.modelRuns === 1 ? '' : 's'}, ${secs} s on the ${runner.label})`,
          ...failureLines(f.failure),
        ];
        if (o.output !== undefined) lines.push(`case written to ${o.output}; shrink it: csftrace shrink ${o.output} -o shrunk/`);
        else lines.push('case (save it with -o case.yaml; shrink it with csftrace shrink case.yaml -o shrunk/):', '', f.caseText.trimEnd());
        printText(lines.join('\n') + '\n');
      } else {
        printText(`fuzz seed ${seed}: no failure in ${out.scenarios} scenario${out.scenarios === 1 ? '' : 's'} (${out.modelRuns} run${out.modelRuns === 1 ? '' : 's'}, ${secs} s on the ${runner.label}; stopped by the ${out.stoppedBy === 'time' ? '--time' : '--runs'} budget)\n`);
      }
      process.exitCode = out.found ? 1 : 0;
    });
}
