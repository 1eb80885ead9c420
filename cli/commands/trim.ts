/**
 * `csftrace trim trace.csft (--from i --to j | --around i --window 50ms) -o small.csft`: a window of
 * a trace as a self-contained trace (a state snapshot, then the window's events).
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import {
  aroundWindow, openTrace, parseTimeText, rangeWindow, trimTrace, type TraceFile, type TrimWindow,
} from '../../replayer/index.js';
import { CliError } from '../errors.js';

/** An event index option: 1234 or #1234. */
export function indexOption(name: string, text: string): number {
  const m = /^\s*#?(\d+)\s*$/.exec(text);
  if (!m) throw new CliError(`${name}: expected an event index (1234 or #1234), got "${text}"`);
  return Number(m[1]);
}

/** Writes `produce`'s bytes to `path` through a temporary file renamed at the end (no half files). */
export function writeFileAtomically(path: string, produce: (write: (b: Uint8Array) => void) => void): number {
  const tmp = `${path}.tmp-${process.pid}`;
  let fd: number;
  try { fd = openSync(tmp, 'w'); }
  catch (e) { throw new CliError(`${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? 'error'})`); }
  let size = 0;
  try {
    produce((b) => { let off = 0; while (off < b.length) off += writeSync(fd, b, off, b.length - off); size += b.length; });
    closeSync(fd);
    renameSync(tmp, path);
  } catch (e) {
    try { closeSync(fd); } catch { /* already closed */ }
    rmSync(tmp, { force: true });
    throw e;
  }
  return size;
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
    .requiredOption('-o, --output <file>', 'output trace (.csft)')
    .option('--json', 'print what was written as JSON')
    .addHelpText('after', `
The trimmed trace replays on its own: it starts with the replayed state before the window, so the
state at each of its events equals the original's. Its header keeps the scenario, seed and policy,
and records the range it came from (shown by csftrace info).

Examples:
  csftrace trim demo.csft --from 1200 --to 1800 -o small.csft
  csftrace trim demo.csft --around 1500 --window 50ms -o small.csft`)
    .action((path: string, o: { from?: string; to?: string; around?: string; window?: string; output: string; json?: boolean }) => {
      if (resolve(o.output) === resolve(path)) throw new CliError(`${o.output}: the output would overwrite the input trace`);
      const trace = openTrace(path);
      try {
        const w = trimWindowFromOptions(trace, o);
        let result: ReturnType<typeof trimTrace> | undefined;
        const bytes = writeFileAtomically(o.output, (write) => { result = trimTrace(trace, w, write); });
        const r = result!;
        if (o.json) {
          process.stdout.write(JSON.stringify({ output: o.output, bytes, events: r.events, from: r.window.from, to: r.window.to, range: r.range, notes: r.notesKept }, null, 2) + '\n');
        } else {
          process.stdout.write(`${o.output}: events ${r.window.from}..${r.window.to} of ${path} (${r.events} events, ${bytes} bytes)\n`);
        }
      } finally { trace.close(); }
    });
}
