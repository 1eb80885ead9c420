/**
 * `csftrace simulate [--scenario <name|file>] [--seed N] [--policy P] [--heap-policy H]
 * [--duration 5s] [--json]`: runs the model on a scenario and prints a summary (events by family,
 * GPU time per group with app names, protected residency, mode switches, ioctl errors).
 */
import { readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import {
  DEFAULT_SCENARIO, HEAP_POLICIES, PROTM_POLICIES, applyOverrides, assumptionEntries, findBuiltin, formatNs,
  formatReviewFixes, formatSummary, listBuiltins, reviewFixesOf,
  REVIEW_FIXES, parseAssumption, parseReviewFixes, parseHeapPolicy, parseProtmPolicy, parseRunDuration, parseScenario, parseSeed, simulate, suggest, MAX_SCENARIO_BYTES,
  type ScenarioConfig, type ScenarioOverrides, type SimResult,
} from '../../hw-model/index.js';
import {
  METRIC_DEFS, DEVICE_METRIC_DEFS, MetricsSink, formatTimeNs,
  type ConsequenceSet,
} from '../../replayer/index.js';
import { CliError } from '../errors.js';
import { JSON_SCHEMAS, printJson, printText } from '../output.js';
import { progressLine } from './sim-progress.js';

/** A scenario file's text; bytes that are not UTF-8 are refused (naming the first one). */
function decodeUtf8(file: string, bytes: Uint8Array): string {
  try { return new TextDecoder('utf-8', { fatal: true }).decode(bytes); }
  catch {
    let at = 0;
    // the first bad byte: the longest prefix that decodes
    for (let lo = 0, hi = bytes.length; lo <= hi;) {
      const mid = (lo + hi) >> 1;
      try { new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid)); at = mid; lo = mid + 1; } catch { hi = mid - 1; }
    }
    throw new CliError(`${file}: not UTF-8 text (a bad byte near byte ${at}): a scenario file is UTF-8 YAML`);
  }
}

/** A scenario as the user named it: the parsed config, its YAML text, and where it came from. */
export interface LoadedScenario { config: ScenarioConfig; text: string; source: string }

/**
 * Resolves `--scenario`: a built-in name, else a YAML file. Errors are one line naming the file
 * (or the unknown name with the list of built-ins).
 */
export function loadScenarioArg(arg: string): LoadedScenario {
  const b = findBuiltin(arg);
  if (b) return { config: parseScenario(b.text, `builtin:${b.name}`), text: b.text, source: `builtin:${b.name}` };
  let text: string;
  try {
    const st = statSync(arg);
    if (st.isDirectory()) throw new CliError(`${arg}: is a directory, not a scenario file`);
    if (st.size > MAX_SCENARIO_BYTES) throw new CliError(`${arg}: too large for a scenario file (${st.size} bytes, at most ${MAX_SCENARIO_BYTES})`);
    text = decodeUtf8(arg, readFileSync(arg));
  } catch (e) {
    if (e instanceof CliError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      const names = listBuiltins().map((s) => s.name);
      if (/[/\\]|\.ya?ml$/i.test(arg)) throw new CliError(`${arg}: no such file`);
      throw new CliError(`${arg}: unknown scenario${suggest(arg, names)}: not a built-in (${names.join(', ')}) nor a file`);
    }
    throw new CliError(`${arg}: cannot read (${code ?? String(e)})`);
  }
  return { config: parseScenario(text, arg), text, source: arg };
}

export interface ScenarioFlags {
  seed?: string; policy?: string; heapPolicy?: string; duration?: string; reviewFixes?: string; assume?: string[];
}

/** Validates --seed/--policy/--heap-policy/--duration into overrides (one-line errors, exit 2). */
export function scenarioOverrides(f: ScenarioFlags): ScenarioOverrides {
  const o: ScenarioOverrides = {};
  if (f.seed !== undefined) {
    const s = parseSeed(f.seed);
    if (s === undefined) throw new CliError(`--seed: expected a non-negative integer (got "${f.seed}")`);
    o.seed = s;
  }
  if (f.policy !== undefined) {
    const p = parseProtmPolicy(f.policy);
    if (!p) throw new CliError(`--policy: unknown policy "${f.policy}"${suggest(f.policy, PROTM_POLICIES)} (expected one of ${PROTM_POLICIES.join(', ')})`);
    o.protmPolicy = p;
  }
  if (f.heapPolicy !== undefined) {
    const p = parseHeapPolicy(f.heapPolicy);
    if (!p) throw new CliError(`--heap-policy: unknown policy "${f.heapPolicy}"${suggest(f.heapPolicy, HEAP_POLICIES)} (expected one of ${HEAP_POLICIES.join(', ')})`);
    o.heapPolicy = p;
  }
  if (f.reviewFixes !== undefined) {
    const r = parseReviewFixes(f.reviewFixes);
    if (typeof r === 'string') throw new CliError(`--review-fixes: ${r}`);
    o.reviewFixes = r;
  }
  for (const a of f.assume ?? []) {
    const r = parseAssumption(a);
    if (typeof r === 'string') throw new CliError(`--assume: ${r}`);
    o.assumptions = { ...o.assumptions, [r.name]: r.value };
  }
  if (f.duration !== undefined) {
    const d = parseRunDuration(f.duration);
    if (d === undefined) throw new CliError(`--duration: expected a duration like 5s, 250ms or 1.5s, at most 1h (got "${f.duration}")`);
    o.duration = d;
  }
  return o;
}

/** A progress line on stderr while simulating, only when stderr is a terminal. */
export function progressReporter(label: string): { onProgress?: (now: number, dur: number) => void; done(): void } {
  if (!process.stderr.isTTY) return { done() { /* quiet */ } };
  const line = progressLine(100);
  return {
    onProgress(now, dur) { line.update(() => `${label}: ${formatNs(now)} / ${formatNs(dur)} (${Math.floor((now / dur) * 100)}%)`); },
    done() { line.clear(); },
  };
}

/** The run metrics as a sink of the model (moved to the replayer, where fuzz and sweep use it too). */
export { MetricsSink };

/** Rows of cells as indented lines: the first column left-aligned, the others right-aligned, each as wide as its widest cell. */
function tableLines(rows: readonly (readonly string[])[]): string[] {
  const width: number[] = [];
  for (const r of rows) for (const [k, x] of r.entries()) width[k] = Math.max(width[k] ?? 0, x.length);
  return rows.map((r) => '  ' + r.map((x, k) => (k === 0 ? x.padEnd(width[k] ?? 0) : x.padStart(width[k] ?? 0))).join('  ').trimEnd());
}

/** Per-app metrics as lines (every metric that is not zero for some app). */
export function formatAppMetrics(m: ConsequenceSet): string[] {
  const apps = [...m.apps.entries()];
  if (apps.length === 0) return ['metrics per app: (no groups)'];
  const defs = METRIC_DEFS.filter((d) => apps.some(([, x]) => x[d.key] !== 0));
  const cell = (v: number, unit: string): string =>
    unit === 'ns' ? formatTimeNs(v) : unit === 'share' ? `${(v * 100).toFixed(1)}%` : String(v);
  const rows = [['', ...apps.map(([name]) => name)], ...defs.map((d) => [d.label, ...apps.map(([, x]) => cell(x[d.key], d.unit))])];
  return ['metrics per app (definitions: replayer/metrics/README.md):', ...tableLines(rows)];
}

/** Per-device metrics of a secure pipeline as lines (none without devices). */
export function formatDeviceMetrics(m: ConsequenceSet): string[] {
  const devs = [...m.devices.entries()];
  if (devs.length === 0) return [];
  const defs = DEVICE_METRIC_DEFS.filter((d) => devs.some(([, x]) => x[d.key] !== 0));
  const cell = (v: number, unit: string): string => (unit === 'ns' ? formatTimeNs(v) : String(v));
  const rows = [['', ...devs.map(([name]) => name)], ...defs.map((d) => [d.label, ...devs.map(([, x]) => cell(x[d.key], d.unit))])];
  return ['metrics per device (definitions: replayer/metrics/README.md):', ...tableLines(rows)];
}

function formatRun(res: SimResult, source: string, metrics: ConsequenceSet): string {
  const c = res.config;
  const out: string[] = [];
  const fixes = formatReviewFixes(reviewFixesOf(c.driver.protmPolicy, c.driver.reviewFixes));
  out.push(`scenario ${c.name} (${source}) · seed ${c.seed} · policy ${c.driver.protmPolicy}` +
    `${fixes && c.driver.protmPolicy !== 'panthor-2026-reviewed' ? ` + ${fixes}` : ''} · heap policy ${c.driver.heapPolicy}` +
    ` · heap name from ${c.driver.heapNameSource} · ${formatNs(c.duration)} virtual`);
  out.push(`firmware assumptions: ${assumptionEntries(c.firmware).map((a) => `${a.name.slice(3)}=${a.value}`).join(', ')}`);
  out.push(formatSummary(res.summary));
  out.push(...formatAppMetrics(metrics));
  out.push(...formatDeviceMetrics(metrics));
  const notes = res.apps.map((a) => [
    a.recoveries ? `${a.recoveries} group recoveries` : '',
    a.setupRetries ? `${a.setupRetries} setup retries` : '',
    a.firstFrameAt < 0 ? 'no frame completed' : `first frame at ${formatNs(a.firstFrameAt)}`,
  ].filter(Boolean).join(', '));
  if (res.apps.length) {
    out.push('apps:');
    const w = Math.max(...res.apps.map((a) => a.name.length));
    res.apps.forEach((a, k) => out.push(`  ${a.name.padEnd(w)}  ${a.kind.padEnd(12)} pid ${a.pid}  ${notes[k]}`));
  }
  return out.join('\n') + '\n';
}

/** The scenario flags shared by simulate and record (validated by scenarioOverrides). */
export function scenarioOptions(cmd: Command): Command {
  return cmd
    .option('-s, --scenario <name|file>', 'built-in scenario name or YAML file', DEFAULT_SCENARIO)
    .option('--seed <n>', 'PRNG seed (overrides the file)')
    .option('--policy <p>', `protected-mode scheduling policy: ${PROTM_POLICIES.join(', ')}`)
    .option('--heap-policy <p>', `missing-heap policy: ${HEAP_POLICIES.join(', ')}`)
    .option('--duration <d>', 'virtual time to simulate, e.g. 5s, 250ms (overrides the file)')
    .option('--review-fixes <list>', `review fixes on top of panthor-2026: all, none or a comma list of ${REVIEW_FIXES.join(', ')}`)
    .option('--assume <name=value>', 'a firmware assumption (repeatable; list: csftrace scenarios --assumptions)', collect, []);
}

/** Commander accumulator for a repeatable option. */
export function collect(v: string, prev: string[]): string[] { return [...prev, v]; }

/** Review fixes and assumptions must fit the policy: fixes only for the 2026 series. */
export function checkPolicyFixes(cfg: ScenarioConfig): void {
  const p = cfg.driver.protmPolicy;
  if (cfg.driver.reviewFixes?.length && p !== 'panthor-2026' && p !== 'panthor-2026-reviewed') {
    throw new CliError(`--review-fixes: review fixes apply to the 2026 series only (policy is ${p})`);
  }
}

export function register(program: Command): void {
  scenarioOptions(program
    .command('simulate')
    .description('run the model on a scenario and print a summary: events by family, GPU time per group, protected residency, mode switches, ioctl errors'))
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', `
Examples:
  csftrace simulate
  csftrace simulate --scenario priority-inversion --policy kbase --duration 2s
  csftrace simulate --scenario mine.yaml --seed 7 --json
Built-ins: csftrace scenarios`)
    .action((opts: ScenarioFlags & { scenario: string; json?: boolean }) => {
      const overrides = scenarioOverrides(opts);
      const loaded = loadScenarioArg(opts.scenario);
      const cfg = applyOverrides(loaded.config, overrides);
      checkPolicyFixes(cfg);
      const progress = progressReporter(`simulating ${cfg.name}`);
      let res: SimResult;
      const sink = new MetricsSink(cfg);
      try {
        res = simulate(cfg, { onProgress: progress.onProgress, sinks: [sink] });
      } finally {
        progress.done();
      }
      const metrics = sink.finish();
      if (opts.json) {
        const { config, ...rest } = res;
        printJson({
          schema: JSON_SCHEMAS.simulate,
          scenario: config.name, source: loaded.source, seed: config.seed, policy: config.driver.protmPolicy,
          heapPolicy: config.driver.heapPolicy, heapNameSource: config.driver.heapNameSource, durationNs: config.duration,
          reviewFixes: formatReviewFixes(reviewFixesOf(config.driver.protmPolicy, config.driver.reviewFixes)),
          firmware: config.firmware,
          ...rest,
          // family names as csftrace.proto's Event.body fields name them, as in info --json and event JSON
          summary: { ...rest.summary, families: rest.summary.families.map((f) => ({ ...f, family: f.family.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`) })) },
          metrics: { apps: Object.fromEntries(metrics.apps), groups: Object.fromEntries(metrics.groups) },
        });
      } else {
        printText(formatRun(res, loaded.source, metrics));
      }
    });
}
