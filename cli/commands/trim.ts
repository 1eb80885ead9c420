/**
 * `csftrace trim trace.csft (--from i --to j | --around i --window 50ms) -o small.csft`: a window of
 * a trace as a self-contained trace (a state snapshot, then the window's events).
 */
import type { Command } from 'commander';
import {
  aroundWindow, parseTimeText, rangeWindow, trimTrace, type TraceFile, type TrimWindow,
} from '../../replayer/read.js';
import { CliError } from '../errors.js';
import { JSON_SCHEMAS, checkOutput, printJson, printText, STDOUT_NAME, traceOutput, writeOutputFile, openTraceReporting } from '../output.js';
import { sameFile } from './sim-progress.js';

/** An event index option: 1234 or #1234. */
export function indexOption(name: string, text: string): number {
  const m = /^\s*#?(\d+)\s*$/.exec(text);
  if (!m) throw new CliError(`${name}: expected an event index (1234 or #1234), got "${text}"`);
  return Number(m[1]);
}

export function trimWindowFromOptions(trace: TraceFile, o: { from?: string; to?: string; around?: string; window?: string }): TrimWindow {
  const range = o.from !== undefined || o.to !== undefined;
  const around = o.around !== undefined || o.window !== undefined;
  if (range === around) throw new CliError('trim: give either --from i --to j, or --around i --window 50ms');
  if (range) {
    if (o.from === undefined || o.to === undefined) throw new CliError('trim: --from and --to go together');
    return rangeWindow(trace, indexOption('--from', o.from), indexOption('--to', o.to));
  }
  if (o.around === undefined) throw new CliError('trim: --window needs --around i');
  const w = parseTimeText(o.window ?? '50ms');
  if (w === undefined || w <= 0) throw new CliError(`--window: expected a time such as 50ms or 2s, got "${o.window}"`);
  return aroundWindow(trace, indexOption('--around', o.around), w);
}

export function register(program: Command): void {
  program
    .command('trim')
    .description('cut a window of a trace into a small self-contained trace (starts with a state snapshot)')
    .argument('<trace>', 'trace to trim (.csft)')
    .option('--from <i>', 'first event of the window')
    .option('--to <j>', 'last event of the window (inclusive)')
    .option('--around <i>', 'event at the centre of a time window')
    .option('--window <time>', 'width of the time window around --around (default 50ms)')
    .requiredOption('-o, --output <file>', 'output trace (.csft); - for standard output')
    .option('--force', 'replace an existing file that is not a csftrace trace')
    .option('--json', 'print what was written as JSON')
    .addHelpText('after', `
The trimmed trace replays on its own: it starts with the replayed state before the window, so the
state at each of its events equals the original's. Its header keeps the scenario, seed and policy,
and records the range it came from (shown by csftrace info).

Examples:
  csftrace trim demo.csft --from 1200 --to 1800 -o small.csft
  csftrace trim demo.csft --around 1500 --window 50ms -o small.csft
  csftrace trim demo.csft --from 0 --to 99 -o - > small.csft`)
    .action((path: string, o: { from?: string; to?: string; around?: string; window?: string; output: string; json?: boolean; force?: boolean }) => {
      if (sameFile(o.output, path)) throw new CliError(`${o.output}: the output would overwrite the input trace`);
      // the output is judged before the trace is opened (its checksums read): a refused -o says so at once
      const kind = traceOutput('binary');
      checkOutput(o.output, kind, o);
      const trace = openTraceReporting(path);
      try {
        const w = trimWindowFromOptions(trace, o);
        let result: ReturnType<typeof trimTrace> | undefined;
        const bytes = writeOutputFile(o.output, kind, o, (write) => { result = trimTrace(trace, w, write); });
        const r = result!;
        const toStdout = o.output === STDOUT_NAME;
        if (o.json && !toStdout) {
          printJson({ schema: JSON_SCHEMAS.trim, output: o.output, bytes, events: r.events, from: r.window.from, to: r.window.to, range: r.range, notes: r.notesKept });
        } else if (!toStdout) {
          printText(`${o.output}: events ${r.window.from}..${r.window.to} of ${trace.path} (${r.events} events, ${bytes} bytes)\n`);
        }
      } finally { trace.close(); }
    });
}
