/**
 * Text forms of a diff report: the `csftrace diff` output and the consequences table (also used by
 * the TUI's consequences view).
 */
import { formatNs } from '../time-text.js';
import type { Metrics } from './consequences.js';
import type { DecisionLine, DiffReport, DivergenceSide, MetricsDelta, TotalsReport } from './diff.js';

const METRIC_ROWS: readonly [keyof Metrics, string, 'ns' | 'count' | 'share'][] = [
  ['jobs', 'jobs done', 'count'],
  ['gpuNs', 'GPU time', 'ns'],
  ['gpuShare', 'GPU time share', 'share'],
  ['protectedNs', 'protected residency', 'ns'],
  ['protmEnters', 'PROTM enters', 'count'],
  ['protmExits', 'PROTM exits', 'count'],
  ['latencyP50Ns', 'submit→start p50', 'ns'],
  ['latencyP99Ns', 'submit→start p99', 'ns'],
  ['latencyMaxNs', 'submit→start max', 'ns'],
  ['deadlineMisses', 'frames past deadline', 'count'],
  ['longestStarvationNs', 'longest starvation', 'ns'],
];

const TOTAL_ROWS: readonly [keyof TotalsReport, string, 'ns' | 'count'][] = [
  ['spanNs', 'trace span', 'ns'],
  ['totalGpuNs', 'GPU time (all groups)', 'ns'],
  ['protectedNs', 'protected residency', 'ns'],
  ['protmEnters', 'PROTM enters', 'count'],
  ['protmExits', 'PROTM exits', 'count'],
];

function fmt(v: number, unit: 'ns' | 'count' | 'share'): string {
  if (unit === 'ns') return formatNs(v);
  if (unit === 'share') return `${(v * 100).toFixed(1)}%`;
  return String(v);
}

function fmtDelta(v: number, unit: 'ns' | 'count' | 'share'): string {
  if (v === 0) return '=';
  const sign = v > 0 ? '+' : '-';
  if (unit === 'share') return `${sign}${Math.abs(v * 100).toFixed(1)}pp`;
  return sign + fmt(Math.abs(v), unit);
}

export interface TextTable { title: string; header: string[]; rows: string[][] }

/**
 * The consequences as one table: rows per total, app and group metric with A, B and the delta
 * (B − A). A missing app/group on one side shows "-". `compact` (default) leaves out rows that are 0
 * on both sides, the group rows of apps that have a single group (they repeat the app's rows), and
 * lists groups present on one side only by name (an app that recreated its groups after a reset).
 */
export function consequencesTable(r: DiffReport, compact = true): TextTable {
  const rows: string[][] = [];
  const t = r.consequences.total;
  for (const [k, label, unit] of TOTAL_ROWS) {
    rows.push(['total', label, fmt(t.a[k], unit), fmt(t.b[k], unit), fmtDelta(t.delta[k], unit)]);
  }
  const groupsPerApp = new Map<string, number>();
  for (const g of r.consequences.groups) {
    const app = g.name.slice(0, Math.max(0, g.name.lastIndexOf(':')));
    groupsPerApp.set(app, (groupsPerApp.get(app) ?? 0) + 1);
  }
  const onlyA: string[] = [], onlyB: string[] = [];
  const block = (kind: string, list: MetricsDelta[]): void => {
    for (const e of list) {
      if (compact && kind === 'group' && groupsPerApp.get(e.name.slice(0, Math.max(0, e.name.lastIndexOf(':')))) === 1) continue;
      if (compact && kind === 'group' && (!e.a || !e.b)) { (e.a ? onlyA : onlyB).push(e.name); continue; }
      for (const [k, label, unit] of METRIC_ROWS) {
        if (compact && !e.a?.[k] && !e.b?.[k]) continue;
        rows.push([`${kind} ${e.name}`, label, e.a ? fmt(e.a[k], unit) : '-', e.b ? fmt(e.b[k], unit) : '-',
          fmtDelta(e.delta[k], unit)]);
      }
    }
  };
  block('app', r.consequences.apps);
  block('group', r.consequences.groups);
  const list = (names: string[]): string => (names.length > 3 ? `${names.slice(0, 3).join(', ')}, ... (${names.length})` : names.join(', '));
  if (onlyA.length) rows.push(['groups only in A', list(onlyA), '', '', '']);
  if (onlyB.length) rows.push(['groups only in B', list(onlyB), '', '', '']);
  return { title: 'consequences (delta = B - A)', header: ['', 'metric', 'A', 'B', 'delta'], rows };
}

/** Pads columns of a table to a block of lines. */
export function formatTable(t: TextTable, indent = ''): string[] {
  const all = [t.header, ...t.rows];
  const w = t.header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]): string => indent + r.map((x, c) => (c >= 2 ? x.padStart(w[c]) : x.padEnd(w[c]))).join('  ').trimEnd();
  return [line(t.header), ...t.rows.map(line)];
}

export interface RenderOptions { color?: boolean }

function decisionText(d: DecisionLine): string {
  return `${d.decision} #${d.event} ${formatNs(d.t)} ${d.text}`;
}

function sideText(name: string, s: DivergenceSide): string[] {
  const out: string[] = [];
  if (s.decision) out.push(`  ${name} decision ${decisionText(s.decision)}`);
  else out.push(`  ${name} (no decision here: the other trace has extra decisions)`);
  return out;
}

/** The `csftrace diff` text output. */
export function renderDiffText(r: DiffReport, o: RenderOptions = {}): string[] {
  const red = (s: string): string => (o.color ? `\x1b[31m${s}\x1b[0m` : s);
  const green = (s: string): string => (o.color ? `\x1b[32m${s}\x1b[0m` : s);
  const bold = (s: string): string => (o.color ? `\x1b[1m${s}\x1b[0m` : s);
  const out: string[] = [];
  const side = (tag: string, s: DiffReport['a']): string =>
    `${tag} ${s.path || '<memory>'}  scenario ${s.scenario || '-'}, seed ${s.seed}, policy ${s.policy || '-'}${s.reviewFixes && s.policy !== 'panthor-2026-reviewed' ? ` + ${s.reviewFixes}` : ''}  (${s.events} events, ${s.decisions} decisions)`;
  out.push(red(side('---', r.a)), green(side('+++', r.b)));
  // The firmware assumptions every finding below rests on.
  if (r.a.firmware === r.b.firmware) out.push(`    firmware assumptions (both): ${r.a.firmware}`);
  else out.push(`    firmware assumptions A: ${r.a.firmware}`, `    firmware assumptions B: ${r.b.firmware}`);
  if (r.same) {
    out.push('same: no difference in decisions, headers or consequences');
    return out;
  }
  if (r.header.length) {
    out.push(bold('header differences'));
    for (const h of r.header) out.push(`  ${h.field}: ${h.a}  →  ${h.b}`);
  }
  const d = r.decisions;
  out.push(bold('decisions') + `: A ${d.a}, B ${d.b}, ${d.matched} matched, ${d.hunks} hunk${d.hunks === 1 ? '' : 's'}` +
    (d.exact ? '' : ' (approximate alignment: the traces differ too much for an exact one)'));
  const f = r.firstDivergence;
  if (f) {
    out.push(bold('first divergence'));
    out.push(...sideText('A', f.a).map(red), ...sideText('B', f.b).map(green));
    const lc = (s: DivergenceSide): string => (s.lastCommon ? `decision ${s.lastCommon.decision} #${s.lastCommon.event} ${formatNs(s.lastCommon.t)}` : 'none (start of trace)');
    out.push(`  last common decision: A ${lc(f.a)}; B ${lc(f.b)}`);
    for (const [name, s] of [['A', f.a], ['B', f.b]] as const) {
      if (s.inputs.length) {
        out.push(`  ${name} inputs:`);
        for (const l of s.inputs) out.push(`    ${l}`);
      }
    }
    for (const [name, s] of [['A', f.a], ['B', f.b]] as const) {
      out.push(`  ${name} events since the last common decision` + (s.eventsOmitted ? ` (${s.eventsOmitted} earlier not shown)` : '') + ':');
      if (s.eventsSince.length === 0) out.push('    (none)');
      for (const e of s.eventsSince) out.push(`    ${e.text}`);
    }
  }
  if (r.hunks.length) out.push(bold('hunks') + ' (decision ordinal, event, time; context from A)');
  for (const h of r.hunks) {
    out.push(bold(`@@ A ${h.a.from}..${h.a.to} #${h.a.event} | B ${h.b.from}..${h.b.to} #${h.b.event} @@`));
    for (const x of h.before) out.push(`  ${decisionText(x)}`);
    for (const x of h.removed) out.push(red(`- ${decisionText(x)}`));
    if (h.omitted.a) out.push(red(`- ... ${h.omitted.a} more`));
    for (const x of h.added) out.push(green(`+ ${decisionText(x)}`));
    if (h.omitted.b) out.push(green(`+ ... ${h.omitted.b} more`));
    for (const x of h.after) out.push(`  ${decisionText(x)}`);
  }
  if (r.hunksOmitted) out.push(`... ${r.hunksOmitted} more hunks (--max-hunks 0 lists all)`);
  const table = consequencesTable(r);
  out.push(bold(table.title));
  out.push(...formatTable(table, '  '));
  return out;
}
