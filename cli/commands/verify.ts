/**
 * `csftrace verify trace.csft [--json]`: re-simulates the run from the trace's header (scenario
 * text, seed, policies, duration) and reports the first event where the new run differs from the
 * recording, or "identical (N events)". Exit 0 identical, 1 different, 2 bad input.
 */
import type { Command } from 'commander';
import { JSON_SCHEMAS, openTraceReporting, printJson, printNotice, printText } from '../output.js';
import { eventToJson, formatEvent, verifyTrace, normalizeEventInit } from '../../replayer/index.js';
import { progressLine } from './sim-progress.js';
import { formatCount } from '../../proto/index.js';

interface VerifyFlags { json?: boolean }

export function register(program: Command): void {
  program
    .command('verify')
    .description('re-simulate a trace from its header and report the first event that differs (exit 1), or "identical"')
    .argument('<trace>', 'trace file (.csft)')
    .option('--json', 'the result as JSON: {identical, compared, recordedEvents, firstDifference, notes}')
    .addHelpText('after', `
Examples:
  csftrace verify demo.csft
  csftrace verify demo.csft --json | jq .identical`)
    .action((path: string, opts: VerifyFlags) => {
      const tr = openTraceReporting(path);
      const bar = progressLine();
      try {
        const r = verifyTrace(tr, { onProgress: (now, duration, compared) => bar.update(() => `verify: ${formatCount(compared)} events equal, virtual ${(100 * now / Math.max(1, duration)).toFixed(0)}%`) });
        bar.clear();
        const d = r.firstDifference;
        if (opts.json) {
          printJson({
            schema: JSON_SCHEMAS.verify, trace: tr.path, identical: r.identical, compared: r.compared, recordedEvents: r.recordedEvents, notes: r.notes,
            firstDifference: d ? {
              index: d.index, fields: d.fields,
              recorded: d.recorded ? eventToJson(d.recorded, d.index) : null,
              simulated: d.simulated ? eventToJson(normalizeEventInit(d.simulated), d.index) : null,
            } : null,
          });
        } else if (r.identical) {
          printText(`${tr.path}: identical (${formatCount(r.recordedEvents)} events)\n`);
        } else if (d) {
          const lines = [`${tr.path}: differs at event #${d.index} (${r.compared > 0 ? `${formatCount(d.recorded ? r.compared - 1 : r.compared)} events equal before it` : 'first event'})`];
          lines.push(`  recorded:     ${d.recorded ? formatEvent(d.recorded, d.index) : '(none: the recording ends here)'}`);
          lines.push(`  re-simulated: ${d.simulated ? formatEvent(normalizeEventInit(d.simulated), d.index) : '(none: the re-simulation ends here)'}`);
          if (d.fields.length) lines.push(`  differing:    ${d.fields.join(', ')}`);
          printText(lines.join('\n') + '\n');
        }
        for (const n of r.notes) printNotice(`${tr.path}: note: ${n}`);
        if (!r.identical) process.exitCode = 1;
      } finally {
        bar.clear();
        tr.close();
      }
    });
}
