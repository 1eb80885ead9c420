/**
 * `csftrace index trace.csft`: writes the trace's keyframe index beside it (`trace.csft.keyframes`),
 * so that `state --at` anywhere applies at most 8,192 events from the nearest keyframe. `record
 * --index` writes it at the end of a recording; a trace changed since is detected and its index
 * ignored until it is written again.
 */
import type { Command } from 'commander';
import { INDEX_KEYFRAME_EVERY, isUserError, writeKeyframeIndex } from '../../replayer/read.js';
import { CliError } from '../errors.js';
import { JSON_SCHEMAS, isSystemError, openTraceReporting, printJson, printText, writeFailure } from '../output.js';
import { formatCount } from '../../proto/index.js';

/** Writes the index of the trace at `path`; one line of what was written. */
export function indexTrace(path: string): { path: string; frames: number; bytes: number; events: number } {
  const tr = openTraceReporting(path);
  try {
    if (!tr.indexed) throw new CliError(`${path}: the trace is not closed (no trailer): index it once the recording has ended`);
    let r: ReturnType<typeof writeKeyframeIndex>;
    try { r = writeKeyframeIndex(tr); }
    catch (e) {
      // the index's own refusals say what is there already; a system error says what failed
      if (isUserError(e)) throw e;
      if (isSystemError(e)) throw writeFailure(`${path}.keyframes`, e, 'cannot write the index');
      throw e;
    }
    return { ...r, events: tr.eventCount };
  } finally { tr.close(); }
}

export function register(program: Command): void {
  program
    .command('index')
    .description('write the keyframe index beside a trace (trace.csft.keyframes): state --at anywhere without replaying from the start')
    .argument('<trace>', 'trace file (.csft)')
    .option('--json', 'what was written, as JSON')
    .addHelpText('after', `
The index holds the replayed state every ${formatCount(INDEX_KEYFRAME_EVERY)} events. It names the trace it was made
from (size, modification time, chunks): when the trace changes, state ignores it (with a notice) and
works as without it.

Examples:
  csftrace index big.csft && csftrace state big.csft --at 5000000`)
    .action((path: string, opts: { json?: boolean }) => {
      const r = indexTrace(path);
      if (opts.json) printJson({ schema: JSON_SCHEMAS.index, trace: path, index: r.path, keyframes: r.frames, every: INDEX_KEYFRAME_EVERY, bytes: r.bytes });
      else printText(`${r.path}: ${r.frames} keyframes (every ${INDEX_KEYFRAME_EVERY} of ${r.events} events), ${r.bytes} bytes\n`);
    });
}
