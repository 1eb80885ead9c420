/**
 * `csftrace diff a.csft b.csft [--json] [--context N] [--max-hunks N] [--window T] [--reasons]`:
 * where the scheduling decisions of two traces first diverge in outcome, the aligned difference,
 * the decisions that do the same for another reason, and what it cost each app.
 * Exit 0 same, 1 different, 2 error.
 */
import type { Command } from 'commander';
import { diffReport, diffTraces, parseTimeText, renderDiffText } from '../../replayer/index.js';
import { CliError } from '../errors.js';
import { JSON_SCHEMAS, escapeStrings, printJson, openTraceReporting } from '../output.js';
import { readProgress } from './sim-progress.js';
import { useColor } from '../color.js';

/** Parses a non-negative integer option. */
export function intOption(name: string, text: string): number {
  if (!/^\d+$/.test(text.trim())) throw new CliError(`${name}: expected a non-negative integer, got "${text}"`);
  return Number(text);
}

/** `--window`: a duration, or `any` for no bound. */
export function windowOption(text: string): number {
  if (text.trim() === 'any') return Infinity;
  const ns = parseTimeText(text.trim());
  if (ns === undefined || ns < 0) throw new CliError(`--window: expected a duration like 30ms or 1s, or "any" (got "${text}")`);
  return ns;
}

export function register(program: Command): void {
  program
    .command('diff')
    .description('compare the scheduling decisions of two traces: header differences, first divergence, aligned hunks, consequences per app and group')
    .argument('<a>', 'first trace (.csft), shown as A (-)')
    .argument('<b>', 'second trace (.csft), shown as B (+)')
    .option('--json', 'print the report as JSON')
    .option('--context <n>', 'common decisions shown around each hunk', '3')
    .option('--max-hunks <n>', 'hunks listed in full (0 = all)', '50')
    .option('--window <t>', 'largest time between two decisions paired as the same moment ("any": no bound)', '30ms')
    .option('--reasons', 'also count, list and navigate hunks whose decisions only differ in their reason')
    .addHelpText('after', `
Decisions are compared by outcome (slot assignment, CSG priorities, requested states, evictions,
protected-mode verdict and group), and groups by identity (app name + creation order), not by
handle. Decisions are aligned only within --window of each other (default three 10 ms ticks). The
first divergence is the first decision whose outcome differs; decisions with the same outcome and
another trigger or rule are listed apart ("same outcome, different reason").
Example (the counterfactual: the same workload under another policy):
  csftrace rerun demo.csft --policy kbase -o kbase.csft && csftrace diff demo.csft kbase.csft`)
    .action((pa: string, pb: string, opts: { json?: boolean; context: string; maxHunks: string; window: string; reasons?: boolean }) => {
      const context = intOption('--context', opts.context);
      const maxHunks = intOption('--max-hunks', opts.maxHunks);
      const windowNs = windowOption(opts.window);
      const a = openTraceReporting(pa);
      try {
        const b = openTraceReporting(pb);
        try {
          const progress = readProgress('diff', a, b);
          let report: ReturnType<typeof diffReport>;
          try { report = diffReport(diffTraces(a, b, { windowNs, reasons: opts.reasons }), { context, maxHunks, reasons: opts.reasons }); } finally { progress.done(); }
          if (opts.json) printJson({ schema: JSON_SCHEMAS.diff, ...report });
          else {
            const color = useColor(process.stdout);
            process.stdout.write(renderDiffText(escapeStrings(report), { color }).join('\n') + '\n');
          }
          process.exitCode = report.same ? 0 : 1;
        } finally { b.close(); }
      } finally { a.close(); }
    });
}
