/**
 * Bug report bundles: a Markdown summary plus a trace that anyone can replay.
 *
 *   trace ─┬─ check (violations, anomalies) ──────────────┐
 *          ├─ consequences (metrics per app) ─────────────┤
 *          ├─ point of interest (--at, else first finding, else first divergence, else the end)
 *          ├─ ASCII timeline + event excerpt around it ───┼──► report.md
 *          ├─ notes ──────────────────────────────────────┤
 *   baseline ─ diff (first divergence, consequences) ─────┘
 *   trace larger than --max-size ──► trimmed window around the point of interest (trim.ts)
 *
 * The report names files only by their bundle names (`trace.csft`, `scenario.yaml`) and base
 * names: nothing of the local environment (paths, user, host) goes in. Links to events are
 * `trace.csft#ev=N`, which `csftrace replay` opens at event N. Pure: the CLI writes the files.
 */
import { formatEvent } from './format.js';
import { assumptionsOf, formatAssumptions, policyWithFixes } from './assumptions.js';
import { asciiTimeline } from './ascii-timeline.js';
import { checkTrace } from './check/check.js';
import type { CheckReport } from './check/engine.js';
import { diffReport, diffTraces, type DiffReport, type DivergenceSide } from './diff/diff.js';
import { traceConsequences } from './diff/extract.js';
import { METRIC_DEFS, type Metrics } from './metrics/metrics.js';
import { DEVICE_METRIC_DEFS } from './metrics/devices.js';
import { consequencesTable } from './diff/render.js';
import { Replayer } from './replayer.js';
import { formatNs } from './time-text.js';
import type { TraceFile } from './trace-file.js';
import { trimTrace, type TrimWindow } from './trim.js';

export const BUNDLE_TRACE = 'trace.csft';
export const BUNDLE_SCENARIO = 'scenario.yaml';

export interface BugReportOptions {
  /** Version of this tool (shown as the report's producer). */
  toolVersion: string;
  /** Base name of the trace as the user knows it (never a path). */
  traceName: string;
  baseline?: TraceFile | undefined;
  /** Base name of the baseline. */
  baselineName?: string | undefined;
  /** Point of interest (event index of the trace). */
  at?: number | undefined;
  /** Bundled trace size limit in bytes (default 1 MiB): larger traces are trimmed around the point. */
  maxBytes?: number | undefined;
  title?: string | undefined;
  /** A check report already computed (default: checkTrace). */
  check?: CheckReport | undefined;
}

export interface BugReport {
  markdown: string;
  /** The scenario the trace was recorded from (for scenario.yaml). */
  scenarioYaml: string;
  /** Set when the trace is bundled trimmed: the window and the trimmed trace's bytes. */
  trimmed?: { window: TrimWindow; bytes: Uint8Array } | undefined;
  pointOfInterest: number;
  findings: number;
}

function collect(f: (write: (b: Uint8Array) => void) => void): Uint8Array {
  const parts: Uint8Array[] = [];
  let n = 0;
  f((b) => { parts.push(b.slice()); n += b.length; });
  const out = new Uint8Array(n);
  let p = 0;
  for (const x of parts) { out.set(x, p); p += x.length; }
  return out;
}

/**
 * The largest window around `at` whose trimmed trace fits in `maxBytes` (halving from an estimate
 * by the trace's average bytes per event; at least event `at` alone).
 */
export function trimToFit(trace: TraceFile, at: number, maxBytes: number, replayer?: Replayer): { window: TrimWindow; bytes: Uint8Array } {
  const r = replayer ?? Replayer.open(trace);
  const perEvent = Math.max(1, trace.size / Math.max(1, trace.eventCount));
  let events = Math.max(1, Math.floor((maxBytes * 0.9) / perEvent));
  for (;;) {
    const half = Math.floor(events / 2);
    const from = Math.max(0, Math.min(at - half, trace.eventCount - events));
    const to = Math.min(trace.eventCount - 1, from + events - 1);
    const bytes = collect((w) => trimTrace(trace, { from, to }, w, { replayer: r }));
    if (bytes.length <= maxBytes || events === 1) return { window: { from, to }, bytes };
    events = Math.max(1, Math.floor(events * Math.min(0.5, (maxBytes / bytes.length) * 0.9)));
  }
}

function durationArg(ns: number): string {
  if (ns % 1e9 === 0) return `${ns / 1e9}s`;
  if (ns % 1e6 === 0) return `${ns / 1e6}ms`;
  if (ns % 1e3 === 0) return `${ns / 1e3}us`;
  return `${ns}ns`;
}

/** Markdown-safe inline text (pipes and backticks would break tables and code spans). */
function md(s: string): string { return s.replace(/\|/g, '\\|').replace(/`/g, "'"); }

function fmtMetric(k: keyof Metrics, v: number): string {
  const unit = METRIC_DEFS.find((d) => d.key === k)?.unit;
  if (unit === 'share') return `${(v * 100).toFixed(1)}%`;
  if (unit === 'ns') return formatNs(v);
  return String(v);
}

/** Shell-safe word (scenario names and policies are plain, but a header comes from someone else's file). */
function shellWord(s: string): string { return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`; }

/** What every section of the report needs: the trace, the point of interest and how events are linked. */
interface ReportContext {
  trace: TraceFile;
  h: TraceFile['header'];
  o: BugReportOptions;
  check: CheckReport;
  n: number;
  at: number;
  /** First event of the bundled window (0 when not trimmed). */
  base: number;
  trimmed: { window: TrimWindow; bytes: Uint8Array } | undefined;
  maxBytes: number;
  link: (i: number) => string;
}

/** Title, point of interest, versions, scenario (and the trimmed window). */
function titleAndRun(ctx: ReportContext, lines: string[]): void {
  const { trace, h, o, check, at, n, link, trimmed, maxBytes } = ctx;
  const findings = check.findings;
  const title = o.title ?? (check.violations + check.anomalies > 0
    ? `${h.scenarioName || 'trace'} under ${h.policy || '?'}: ${findings[0]?.rule ?? ''} ${findings[0]?.name ?? ''} (${check.violations} violation${check.violations === 1 ? '' : 's'}, ${check.anomalies} anomal${check.anomalies === 1 ? 'y' : 'ies'})`
    : `${h.scenarioName || 'trace'} under ${h.policy || '?'}`);
  lines.push(`# ${md(title.trim())}`, '');
  lines.push(`Point of interest: ${link(at)} at ${formatNs(trace.timeOf(at))}.`, '');

  lines.push('## Versions', '');
  lines.push(`| | |`, `|---|---|`);
  lines.push(`| report written by | csftrace ${md(o.toolVersion)} |`);
  lines.push(`| trace produced by | ${md(h.producer || '?')} |`);
  lines.push(`| model version | ${md(h.modelVersion || '?')} |`);
  lines.push(`| trace format | ${h.formatVersion} |`, '');

  lines.push('## Scenario', '');
  lines.push(`| | |`, `|---|---|`);
  lines.push(`| scenario | ${md(h.scenarioName || '?')} |`);
  lines.push(`| seed | ${h.seed} |`);
  lines.push(`| policy | ${md(policyWithFixes(h))} |`);
  lines.push(`| firmware assumptions | ${md(formatAssumptions(h))} |`);
  lines.push(`| heap policy | ${md(h.heapPolicy || '?')} |`);
  lines.push(`| heap name source | ${md(h.heapNameSource || '?')} |`);
  lines.push(`| duration | ${formatNs(h.durationNs)} |`);
  lines.push(`| events | ${n} (${o.traceName ? md(o.traceName) : 'trace'}) |`, '');
  if (trimmed) {
    const w = trimmed.window;
    lines.push(`The bundled \`${BUNDLE_TRACE}\` holds events ${w.from}..${w.to} of the original ${n} ` +
      `(${formatNs(trace.timeOf(w.from))} to ${formatNs(trace.timeOf(w.to))}), trimmed to stay under ${maxBytes} bytes; ` +
      'it starts with the replayed state, so it replays on its own. Event links below point into it.', '');
  }
  lines.push('<details><summary>scenario.yaml</summary>', '', '```yaml', h.scenarioText.trimEnd(), '```', '', '</details>', '');
}

/** Commands that replay, check and re-record the run (and recreate the baseline). */
function reproduce(ctx: ReportContext, lines: string[]): void {
  const { h, o, at, base, trimmed } = ctx;
  lines.push('## Reproduce', '');
  const builtin = (h.metadata.source ?? '').startsWith('builtin:');
  // Runnable as written from the bundle's folder; nothing overwrites the bundled trace.
  const full = trimmed ? 'full.csft' : BUNDLE_TRACE;
  const modelFlags = `${h.reviewFixes && h.policy !== 'panthor-2026-reviewed' ? ` --review-fixes ${shellWord(h.reviewFixes)}` : ''}` +
    assumptionsOf(h).map((a) => ` --assume ${shellWord(`${a.name}=${a.value}`)}`).join('');
  lines.push('```sh');
  lines.push(`csftrace replay ${BUNDLE_TRACE}#ev=${at - base}     # the point of interest`);
  lines.push(`csftrace check ${BUNDLE_TRACE}`);
  if (trimmed || o.baseline) {
    lines.push(`# the whole run again, from the scenario in this bundle${builtin ? ` (built-in: ${shellWord(h.scenarioName)})` : ''}:`);
    lines.push(`csftrace record --scenario ${BUNDLE_SCENARIO} --seed ${h.seed}${h.policy ? ` --policy ${shellWord(h.policy)}` : ''}${modelFlags}` +
      `${h.heapPolicy ? ` --heap-policy ${shellWord(h.heapPolicy)}` : ''}${h.durationNs ? ` --duration ${durationArg(h.durationNs)}` : ''} -o ${trimmed ? full : 'rerecorded.csft'}`);
    lines.push(trimmed ? `csftrace verify ${full}` : `csftrace verify ${BUNDLE_TRACE}     # re-simulates it: identical`);
  } else {
    lines.push(`csftrace verify ${BUNDLE_TRACE}     # re-simulates the run from its header: identical`);
  }
  if (o.baseline) {
    const bh = o.baseline.header;
    const flags = [
      bh.policy && bh.policy !== h.policy ? `--policy ${shellWord(bh.policy)}` : '',
      bh.heapPolicy && bh.heapPolicy !== h.heapPolicy ? `--heap-policy ${shellWord(bh.heapPolicy)}` : '',
    ].filter(Boolean).join(' ');
    const sameRun = bh.scenarioText === h.scenarioText && bh.seed === h.seed && bh.durationNs === h.durationNs;
    if (sameRun) {
      lines.push('# the baseline, recreated: the same run under its policy');
      lines.push(`csftrace rerun ${full}${flags ? ` ${flags}` : ''} -o baseline.csft`);
      lines.push(`csftrace diff baseline.csft ${full}`);
    } else {
      lines.push(`# the baseline (${o.baselineName ? md(o.baselineName) : 'baseline'}) comes from another scenario, seed or duration: it is not in this bundle`);
    }
  }
  lines.push('```', '');
}

/** The check's findings, each linked to its event and root decision. */
function checkSection(ctx: ReportContext, lines: string[]): void {
  const { h, check, link } = ctx;
  const findings = check.findings;
  lines.push('## Check', '');
  if (findings.length === 0) {
    lines.push(`Clean: no violation of the ${check.rules.filter((r) => r.applicable).length} rules that apply to ${h.policy || 'this policy'}.`, '');
  } else {
    lines.push(`${check.violations} violation${check.violations === 1 ? '' : 's'}, ${check.anomalies} anomal${check.anomalies === 1 ? 'y' : 'ies'}.`, '');
    lines.push('| rule | event | time | finding | root decision |', '|---|---|---|---|---|');
    const shown = findings.slice(0, 50);
    for (const f of shown) {
      lines.push(`| ${f.rule} ${f.name}${f.severity === 'anomaly' ? ' (anomaly)' : ''} | ${link(f.index)} | ${formatNs(f.t)} | ${md(f.message)} | ${f.root >= 0 ? link(f.root) : '-'} |`);
    }
    if (findings.length > shown.length) lines.push('', `... ${findings.length - shown.length} more (run \`csftrace check ${BUNDLE_TRACE}\`).`);
    lines.push('');
  }
}

/** Run metrics per app (and per device of a secure pipeline). */
function keyMetrics(ctx: ReportContext, lines: string[]): void {
  const { trace } = ctx;
  lines.push('## Key metrics', '');
  const { decisions, consequences: c } = traceConsequences(trace);
  lines.push(`${decisions} scheduling decisions over ${formatNs(c.spanNs)}; GPU in protected mode ${formatNs(c.protectedNs)} ` +
    `(${c.spanNs ? ((c.protectedNs / c.spanNs) * 100).toFixed(1) : '0.0'}%), ${c.protmEnters} PROTM enters, ${c.protmExits} exits.`, '');
  const cols = METRIC_DEFS.filter((d) => [...c.apps.values()].some((m) => m[d.key] !== 0));
  lines.push(`| app | ${cols.map((x) => x.label).join(' | ')} |`, `|---|${cols.map(() => '---:').join('|')}|`);
  for (const [app, m] of c.apps) lines.push(`| ${md(app)} | ${cols.map((d) => fmtMetric(d.key, m[d.key])).join(' | ')} |`);
  if (c.devices.size) {
    // A secure pipeline's devices (decoder, display): frames shown and why vblanks were missed.
    const dcols = DEVICE_METRIC_DEFS.filter((d) => [...c.devices.values()].some((m) => m[d.key] !== 0));
    lines.push('', `| device | ${dcols.map((x) => x.label.trim()).join(' | ')} |`, `|---|${dcols.map(() => '---:').join('|')}|`);
    for (const [dev, m] of c.devices) lines.push(`| ${md(dev)} | ${dcols.map((d) => (d.unit === 'ns' ? formatNs(m[d.key]) : String(m[d.key]))).join(' | ')} |`);
  }
  lines.push('', 'Definitions: replayer/metrics/README.md (the same numbers as `csftrace simulate` and `csftrace diff`).', '');
}

/** ASCII timeline and event excerpt around the point of interest. */
function timelineAround(ctx: ReportContext, lines: string[]): void {
  const { trace, at, n, base, trimmed } = ctx;
  lines.push(`## Timeline around ${trimmed ? `original #${at}` : `#${at}`}`, '');
  lines.push('```text', ...asciiTimeline(trace, at, { label: (i) => `#${i - base}` }), '```', '');
  const from = Math.max(0, at - 12), to = Math.min(n, at + 13);
  lines.push('```text');
  for (let i = from; i < to; i++) lines.push(`${i === at ? '>' : ' '} ${formatEvent(trace.event(i), i - base)}`);
  lines.push('```', '');
}

/** The trace's notes. */
function notesSection(ctx: ReportContext, lines: string[]): void {
  const { trace, link } = ctx;
  lines.push('## Notes', '');
  if (trace.notes.length === 0) lines.push('(none)', '');
  else {
    for (const note of trace.notes) lines.push(`- ${link(note.eventIndex)}: ${md(note.text)}`);
    lines.push('');
  }
}

/** First divergence against the baseline and its consequences. */
function divergenceSection(ctx: ReportContext, lines: string[], diff: DiffReport): void {
  const { o, link } = ctx;
  lines.push(`## First divergence against the baseline`, '');
  lines.push(`Baseline${o.baselineName ? ` \`${md(o.baselineName)}\`` : ''}: scenario ${md(diff.a.scenario)}, seed ${diff.a.seed}, policy ${md(diff.a.policy)} ` +
    `(${diff.a.decisions} decisions); this trace: policy ${md(diff.b.policy)} (${diff.b.decisions} decisions). ` +
    `${diff.decisions.matched} decisions have the same outcome, ${diff.decisions.paired} were taken at the same moment with another outcome; ` +
    `${diff.decisions.hunks} outcome difference${diff.decisions.hunks === 1 ? '' : 's'}${diff.decisions.exact ? '' : ' (approximate alignment)'}.`, '');
  for (const hd of diff.header) lines.push(`- header \`${hd.field}\`: ${md(hd.a)} → ${md(hd.b)}`);
  if (diff.header.length) lines.push('');
  const f = diff.firstDivergence;
  if (!f) lines.push('The scheduling decisions are the same.', '');
  else {
    const side = (s: DivergenceSide, name: string, isTrace: boolean): void => {
      const where = (i: number): string => (isTrace ? link(i) : `baseline #${i}`);
      lines.push(`**${name}**: ${s.decision ? `decision ${s.decision.decision} at ${where(s.decision.event)}, ${formatNs(s.decision.t)}` : 'no decision at this moment (the GPU keeps what the last common decision set)'}`, '');
      if (s.decision) lines.push('```text', s.decision.text, ...s.inputs.map((x) => `  ${x}`), '```', '');
      if (s.eventsSince.length) {
        lines.push(`Events since the last common decision${s.eventsOmitted ? ` (${s.eventsOmitted} earlier not shown)` : ''}:`, '');
        lines.push('```text', ...s.eventsSince.map((e) => e.text), '```', '');
      }
    };
    side(f.a, 'Baseline', false);
    side(f.b, 'This trace', true);
  }
  const t = consequencesTable(diff);
  lines.push('Consequences (this trace − baseline):', '');
  lines.push(`| | metric | baseline | this trace | delta |`, '|---|---|---:|---:|---:|');
  for (const r of t.rows) lines.push(`| ${r.map(md).join(' | ')} |`);
  lines.push('');
}

/** The report for a trace: sections in order, each a function below (the point of interest chosen first). */
export function buildBugReport(trace: TraceFile, o: BugReportOptions): BugReport {
  const h = trace.header;
  const check = o.check ?? checkTrace(trace);
  const findings = check.findings;
  let diff: DiffReport | undefined;
  if (o.baseline) diff = diffReport(diffTraces(o.baseline, trace), { maxHunks: 5, eventsShown: 12, context: 1 });
  const n = trace.eventCount;
  let at = o.at;
  // The first finding's root decision: where the failure was decided.
  const first = findings[0];
  if (at === undefined && first) at = first.root >= 0 ? first.root : first.index;
  if (at === undefined && diff?.firstDivergence) {
    const b = diff.firstDivergence.b;
    at = b.decision?.event ?? b.lastCommon?.event;
  }
  if (at === undefined) at = Math.max(0, n - 1);
  at = Math.max(0, Math.min(at, Math.max(0, n - 1)));

  const maxBytes = o.maxBytes ?? 1 << 20;
  const replayer = Replayer.open(trace);
  const trimmed = n > 0 && trace.size > maxBytes ? trimToFit(trace, at, maxBytes, replayer) : undefined;
  const base = trimmed ? trimmed.window.from : 0;
  const inBundle = (i: number): boolean => !trimmed || (i >= trimmed.window.from && i <= trimmed.window.to);
  const link = (i: number): string => (inBundle(i)
    ? `[#${i - base}](${BUNDLE_TRACE}#ev=${i - base})${trimmed ? ` (original #${i})` : ''}`
    : `original #${i} (outside the bundled window)`);

  const lines: string[] = [];
  const ctx: ReportContext = { trace, h, o, check, n, at, base, trimmed, maxBytes, link };
  titleAndRun(ctx, lines);
  reproduce(ctx, lines);
  checkSection(ctx, lines);
  keyMetrics(ctx, lines);
  timelineAround(ctx, lines);
  notesSection(ctx, lines);
  if (diff) divergenceSection(ctx, lines, diff);

  return {
    markdown: lines.join('\n'),
    scenarioYaml: h.scenarioText,
    trimmed,
    pointOfInterest: at,
    findings: check.violations + check.anomalies,
  };
}
