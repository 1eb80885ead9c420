/**
 * `csftrace check trace.csft [--json] [--rule R5,R19c] [--starvation-bound 100ms]`: every invariant
 * (R1–R19c) the trace can show (per policy where marked) and the liveness and root-cause rules
 * (R20–R22), each finding with its rule, event index, time, message and root decision.
 * Exit 0 clean, 1 findings or a damaged or empty trace, 2 unusable input.
 */
import type { Command } from 'commander';
import { CHECK_RULES, checkReportToJson, checkTrace, formatCheckReport, isClean, parseTimeText } from '../../replayer/index.js';
import { CliError } from '../errors.js';
import { JSON_SCHEMAS, openTraceReporting, printJson, printText } from '../output.js';
import { readProgress } from './sim-progress.js';

interface CheckFlags { json?: boolean; rule?: string; max?: string; list?: boolean; starvationBound?: string }

export function register(program: Command): void {
  program
    .command('check')
    .description('check a trace against the protected-mode invariants (R1-R19c) and the liveness rules (R20-R22); exit 1 on findings or damage')
    .argument('[trace]', 'trace file (.csft)')
    .option('--json', 'the report as JSON: {clean, violations, anomalies, rules[], findings[]}')
    .option('--rule <ids>', 'only these rules, comma-separated (ids as check --list prints them: R1, R19a, ...)')
    .option('--starvation-bound <t>', 'R21: how long protected work may wait for protected mode', '100ms')
    .option('--max <n>', 'findings listed per rule (default 1000; the counts are always complete)')
    .option('--list', 'list the rules and exit')
    .addHelpText('after', `
A finding is a violation (the invariant broke) or an anomaly (a timeout that a reset recovered,
an unexpected event). Per-policy rules (R9: kbase) apply only to traces of that policy. Each
finding names its root decision (root #N: the scheduling decision it comes from; open it with
csftrace replay trace.csft#ev=N).

Examples:
  csftrace check demo.csft
  csftrace check demo.csft --rule R19c,R5 --json | jq '.findings[] | {rule, index, message}'
  csftrace check --list`)
    .action((path: string | undefined, opts: CheckFlags) => {
      if (opts.list) {
        for (const r of CHECK_RULES) {
          printText(`${r.id.padEnd(5)} ${r.name.padEnd(26)} ${r.title}${r.policies ? ` [${r.policies.join(', ')} only]` : ''}\n`);
        }
        return;
      }
      if (!path) throw new CliError('check: missing trace file (csftrace check <trace.csft>)');
      let only: string[] | undefined;
      if (opts.rule !== undefined) {
        only = opts.rule.split(',').map((x) => x.trim()).filter(Boolean);
        const ids = CHECK_RULES.map((r) => r.id.toLowerCase());
        for (const id of only) {
          if (!ids.includes(id.toLowerCase())) throw new CliError(`--rule: unknown rule "${id}" (one of ${CHECK_RULES.map((r) => r.id).join(', ')})`);
        }
        only = only.map((id) => CHECK_RULES.find((r) => r.id.toLowerCase() === id.toLowerCase())!.id);
      }
      let maxPerRule: number | undefined;
      if (opts.max !== undefined) {
        if (!/^\d+$/.test(opts.max.trim())) throw new CliError(`--max: expected a non-negative integer, got "${opts.max}"`);
        maxPerRule = Number(opts.max);
      }
      const starvationBoundNs = parseTimeText(opts.starvationBound ?? '100ms');
      if (starvationBoundNs === undefined || starvationBoundNs <= 0) {
        throw new CliError(`--starvation-bound: expected a duration like 100ms or 1s (got "${opts.starvationBound}")`);
      }
      const tr = openTraceReporting(path);
      try {
        const progress = readProgress('check', tr);
        let report: ReturnType<typeof checkTrace>;
        try { report = checkTrace(tr, { only, maxPerRule, starvationBoundNs }); } finally { progress.done(); }
        if (opts.json) printJson({ schema: JSON_SCHEMAS.check, ...checkReportToJson(report) }); else printText(formatCheckReport(report) + '\n');
        if (!isClean(report)) process.exitCode = 1;
      } finally {
        tr.close();
      }
    });
}
