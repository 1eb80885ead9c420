/**
 * `csftrace export trace.csft --format perfetto|chrome-json|jsonl -o out`: the trace in formats
 * other tools open (Perfetto UI / trace_processor, chrome://tracing, line-oriented JSON tools).
 */
import type { Command } from 'commander';
import { EXPORT_FORMATS, exportTrace, isExportFormat, looksLikeExport } from '../../replayer/index.js';
import { availableParallelism } from 'node:os';
import { CliError, parseCount } from '../errors.js';
import { checkOutput, exportOutput, writeOutputFile, openTraceReporting } from '../output.js';
import { indexOption } from './trim.js';
import { readProgress, sameFile } from './sim-progress.js';

/** jsonl's threads by default: one per core, at most four. */
function defaultExportThreads(): number { return Math.max(1, Math.min(4, availableParallelism())); }

export function register(program: Command): void {
  program
    .command('export')
    .description('write a trace as a Perfetto trace, Chrome trace-event JSON or JSON lines')
    .argument('<trace>', 'trace to export (.csft)')
    .requiredOption('--format <format>', `output format: ${EXPORT_FORMATS.join(' | ')}`)
    .requiredOption('-o, --output <file>', 'output file; - for standard output')
    .option('--force', 'replace an existing file that is not an export of this format')
    .option('--from <i>', 'first event (default 0)')
    .option('--to <j>', 'last event, inclusive (default: the last)')
    .option('--no-flows', 'leave out the cause → effect flow arrows (perfetto, chrome-json)')
    .option('--threads <n>', `jsonl: threads that write lines, 1..8 (default: one per core, at most four, ${defaultExportThreads()} here, from 2M events on)`)
    .addHelpText('after', `
perfetto: open in https://ui.perfetto.dev or trace_processor. Tracks in the TUI's order: GPU mode
(slices, and a numeric counter), one per CSG slot with the resident group, scheduler decisions named
trigger → verdict, FW requests/acks per CSG and CS, IRQs, heap counters per heap; per app its ioctls
(blocking ones as slices) and one track per (app, queue). Every event's fields are structured
arguments (args table: debug.ret, debug.slots[0].action, debug.why); flows from each event's cause;
scenario, seed, policies and firmware assumptions as trace attributes. Timestamps are virtual ns.
chrome-json: open in chrome://tracing or Perfetto. jsonl: one decoded event per line.
Every format streams: memory does not grow with the trace.

Example:
  csftrace export demo.csft --format perfetto -o demo.perfetto-trace
  csftrace export demo.csft --format jsonl -o - | jq -c .decision`)
    .action((path: string, o: { format: string; output: string; from?: string; to?: string; flows: boolean; force?: boolean; threads?: string }) => {
      if (!isExportFormat(o.format)) throw new CliError(`--format: "${o.format}" is not one of ${EXPORT_FORMATS.join(', ')}`);
      const threads = o.threads !== undefined ? parseCount('--threads', o.threads, 1, 8) : defaultExportThreads();
      if (o.threads !== undefined && o.format !== 'jsonl') throw new CliError(`--threads: only jsonl is written on several threads (not ${o.format})`);
      if (sameFile(o.output, path)) throw new CliError(`${o.output}: the output would overwrite the input trace`);
      const format = o.format;
      // the output is judged before the trace is opened (its checksums read): a refused -o says so at once
      const kind = exportOutput(format, looksLikeExport);
      checkOutput(o.output, kind, o);
      const trace = openTraceReporting(path);
      try {
        const n = trace.eventCount;
        const from = o.from !== undefined ? indexOption('--from', o.from) : 0;
        const to = o.to !== undefined ? indexOption('--to', o.to) : n - 1;
        if (n > 0 && (from >= n || to < from || to >= n)) throw new CliError(`--from/--to: ${from}..${to} is not a range of events 0..${n - 1}`);
        const progress = readProgress('export', trace);
        let bytes: number;
        try { bytes = writeOutputFile(o.output, kind, o, (write) => exportTrace(trace, format, write, { from, to: to + 1, flows: o.flows, threads, ...(o.threads !== undefined ? { threadsFrom: 0 } : {}) })); }
        finally { progress.done(); }
        if (process.stderr.isTTY) process.stderr.write(`${o.output}: ${format}, ${Math.max(0, to - from + 1)} events, ${bytes} bytes\n`);
      } finally { trace.close(); }
    });
}
