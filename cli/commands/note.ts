/**
 * `csftrace note trace.csft --at i "text"`: appends a note (event index + text) to a trace. The
 * container rewrites its index after the note, so the file keeps opening through a valid index.
 */
import type { Command } from 'commander';
import { appendNote, openTrace } from '../../replayer/index.js';
import { CliError } from '../errors.js';
import { indexOption } from './trim.js';

export function register(program: Command): void {
  program
    .command('note')
    .description('append a note at an event of a trace (shown by info, events, the TUI and bug reports)')
    .argument('<trace>', 'trace to annotate (.csft), modified in place')
    .argument('<text>', 'the note')
    .requiredOption('--at <i>', 'event index the note is about (1234 or #1234)')
    .addHelpText('after', `
Example:
  csftrace note demo.csft --at 1234 "video player starves here: PROTM_PENDING never acked"`)
    .action((path: string, text: string, o: { at: string }) => {
      const at = indexOption('--at', o.at);
      if (text.trim() === '') throw new CliError('note: the text is empty');
      if (text.length > 4096) throw new CliError(`note: the text is ${text.length} characters (at most 4096)`);
      const trace = openTrace(path);
      const n = trace.eventCount;
      // a damaged trace gets a new index with its note: say now what was lost, before it is sealed
      for (const notice of trace.notices) process.stderr.write(`csftrace: ${path}: ${notice}\n`);
      trace.close();
      if (at >= n) throw new CliError(`--at: event ${at} is outside the trace (events 0..${n - 1})`);
      appendNote(path, { eventIndex: at, text });
      process.stdout.write(`${path}: note at #${at}\n`);
    });
}
