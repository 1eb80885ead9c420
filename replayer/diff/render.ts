/**
 * Text forms of a diff report: the `csftrace diff` output and the consequences table (also used by
 * the TUI's consequences view).
 */
import { formatNs } from '../time-text.js';
import { METRIC_DEFS } from '../metrics/metrics.js';
import { DEVICE_METRIC_DEFS } from '../metrics/devices.js';
import type { DecisionLine, DiffReport, DivergenceSide, MetricsDelta, TotalsReport } from './diff.js';

const METRIC_ROWS = METRIC_DEFS.map((d) => [d.key, d.label, d.unit] as const);

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
  for (const e of r.consequences.devices ?? []) {
    for (const d of DEVICE_METRIC_DEFS) {
      if (compact && !e.a?.[d.key] && !e.b?.[d.key]) continue;
      rows.push([`device ${e.name}`, d.label, e.a ? fmt(e.a[d.key], d.unit) : '-', e.b ? fmt(e.b[d.key], d.unit) : '-', fmtDelta(e.delta[d.key], d.unit)]);
    }
  }
  const list = (names: string[]): string => (names.length > 3 ? `${names.slice(0, 3).join(', ')}, ... (${names.length})` : names.join(', '));
  if (onlyA.length) rows.push(['groups only in A', list(onlyA), '', '', '']);
  if (onlyB.length) rows.push(['groups only in B', list(onlyB), '', '', '']);
  return { title: 'consequences (delta = B - A)', header: ['', 'metric', 'A', 'B', 'delta'], rows };
}

/** Pads columns of a table to a block of lines. */
export function formatTable(t: TextTable, indent = ''): string[] {
  const all = [t.header, ...t.rows];
  const w = t.header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]): string => indent + r.map((x, c) => (c >= 2 ? x.padStart(w[c] ?? 0) : x.padEnd(w[c] ?? 0))).join('  ').trimEnd();
  return [line(t.header), ...t.rows.map(line)];
}

export interface RenderOptions { color?: boolean }

function decisionText(d: DecisionLine): string {
  return `${d.decision} #${d.event} ${formatNs(d.t)} ${d.text}`;
}

function sideText(name: string, s: DivergenceSide): string[] {
  const out: string[] = [];
  if (s.decision) out.push(`  ${name} decision ${decisionText(s.decision)}`);
  else out.push(`  ${name} (no decision at this moment: the GPU keeps what the last common decision set)`);
  return out;
}

function windowText(ns: number | null): string {
  return ns === null ? 'any distance' : `within ${formatNs(ns)}`;
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
  out.push(bold('decisions') + `: A ${d.a}, B ${d.b}; ${d.matched} aligned with the same outcome, ${d.paired} paired at the same moment` +
    ` with another outcome, unmatched A ${d.unmatched.a} / B ${d.unmatched.b} (pairing ${windowText(d.windowNs)})` +
    (d.exact ? '' : ' (approximate alignment: the traces differ too much for an exact one)'));
  out.push(`  ${d.hunks} outcome difference${d.hunks === 1 ? '' : 's'}; ${d.reasons} decision${d.reasons === 1 ? '' : 's'} with the same outcome for another reason` +
    (d.reasonHunks ? `, ${d.reasonHunks} hunk${d.reasonHunks === 1 ? '' : 's'} of decisions that change nothing` : ''));
  const f = r.firstDivergence;
  if (f) {
    out.push(bold('first divergence') + ' (the first decision whose outcome differs)');
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
  if (r.hunks.length) {
    out.push(bold('hunks') + ' (decision ordinal, event, time; in time order: ≠ the same moment decided differently,' +
      ' - only A decided, + only B decided, ~ a decision that changes nothing; context from A)');
  }
  for (const h of r.hunks) {
    out.push(bold(`@@ A ${h.a.from}..${h.a.to} #${h.a.event} | B ${h.b.from}..${h.b.to} #${h.b.event} @@`));
    for (const x of h.before) out.push(`  ${decisionText(x)}`);
    for (const row of h.rows) {
      if (row.a && row.b) { out.push(red(`≠A ${decisionText(row.a)}`), green(`≠B ${decisionText(row.b)}`)); continue; }
      const mark = row.outcome ? '' : '~';
      if (row.a) out.push(red(`-${mark} ${decisionText(row.a)}`));
      if (row.b) out.push(green(`+${mark} ${decisionText(row.b)}`));
    }
    if (h.omitted) out.push(`  ... ${h.omitted} more rows`);
    if (h.unchanged) out.push(`  (${h.unchanged} decision${h.unchanged === 1 ? '' : 's'} of one side that change nothing not shown; --reasons lists them)`);
    for (const x of h.after) out.push(`  ${decisionText(x)}`);
  }
  if (r.hunksOmitted) out.push(`... ${r.hunksOmitted} more hunks (--max-hunks 0 lists all)`);
  if (r.reasons.length) {
    out.push(bold('same outcome, different reason') + ` (${r.decisions.reasons}; not differences in what the GPU does)`);
    for (const x of r.reasons) out.push(`  A ${decisionText(x.a)}`, `  B ${decisionText(x.b)}`);
    if (r.decisions.reasons > r.reasons.length) out.push(`  ... ${r.decisions.reasons - r.reasons.length} more`);
  }
  const table = consequencesTable(r);
  out.push(bold(table.title));
  out.push(...formatTable(table, '  '));
  const dev = devicesTable(r);
  if (dev.rows.length) {
    out.push(bold(dev.title));
    out.push(...formatTable(dev, '  '));
  }
  return out;
}

/** Devices, heaps and apps beyond the scheduler, A against B (rows that differ marked ≠). */
export function devicesTable(r: DiffReport): TextTable {
  return {
    title: 'devices, heaps and app errors',
    header: ['', 'metric', 'A', 'B', ''],
    rows: r.devices.map((x) => [x.subject, x.metric, x.a, x.b, x.a === x.b ? '=' : '≠']),
  };
}
