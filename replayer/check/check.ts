/**
 * `check`: every invariant of reference §6 over a trace (rules.ts, run by engine.ts), and the
 * report as text or JSON.
 */
import { formatNs } from '../time-text.js';
import type { TraceFile } from '../trace-file.js';
import { runChecks, type CheckOptions, type CheckReport } from './engine.js';
import { CHECK_RULES } from './rules.js';

/** Runs every rule of reference §6 that applies to the trace's policy. */
export function checkTrace(trace: TraceFile, opts: CheckOptions = {}): CheckReport {
  return runChecks(trace, CHECK_RULES, opts);
}

/** True when the report has no finding and the trace was whole and not empty (exit 0). */
export function isClean(r: CheckReport): boolean { return r.violations + r.anomalies === 0 && r.notices.length === 0; }

/** The report as lines of text: one per finding, then a summary. */
export function formatCheckReport(r: CheckReport): string {
  const out: string[] = [];
  const skipped = r.rules.filter((x) => !x.applicable);
  out.push(`${r.path || 'trace'}: policy ${r.policy || '(none)'}, ${r.events} events, ${r.rules.length - skipped.length} rules checked` +
    (skipped.length ? ` (${skipped.map((x) => `${x.id} ${x.name}: ${x.policies?.join('/')} only`).join('; ')})` : ''));
  for (const f of r.findings) {
    out.push(`${f.rule.padEnd(4)} ${f.name.padEnd(26)} #${String(f.index).padEnd(8)} ${formatNs(f.t).padStart(14)}  ${f.severity === 'anomaly' ? 'anomaly: ' : ''}${f.message}${f.related.length ? ` [see ${f.related.filter((x) => x >= 0).map((x) => `#${x}`).join(' ')}]` : ''}${f.root >= 0 ? ` root #${f.root}` : ''}`);
  }
  const kept = r.findings.length;
  const total = r.violations + r.anomalies;
  if (total > kept) out.push(`... ${total - kept} more findings not listed`);
  for (const n of r.notices) out.push(`not clean: ${n}`);
  if (total === 0 && r.notices.length === 0) {
    out.push(`clean: no violation of the ${r.rules.length - skipped.length} rules`);
  } else if (total === 0) {
    out.push(`no finding in what could be read, but the trace is not whole: not clean`);
  } else {
    const per = r.rules.filter((x) => x.violations + x.anomalies > 0).map((x) => `${x.id} ×${x.violations + x.anomalies}`).join(', ');
    out.push(`${r.violations} violation${r.violations === 1 ? '' : 's'}, ${r.anomalies} anomal${r.anomalies === 1 ? 'y' : 'ies'} (${per})`);
  }
  return out.join('\n');
}

/** The report as a JSON-able object (times also as text). */
export function checkReportToJson(r: CheckReport): object {
  return {
    trace: r.path, policy: r.policy, heapPolicy: r.heapPolicy, events: r.events, clean: isClean(r),
    violations: r.violations, anomalies: r.anomalies, notices: r.notices,
    rules: r.rules,
    findings: r.findings.map((f) => ({ ...f, time: formatNs(f.t) })),
  };
}
