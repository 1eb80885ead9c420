/**
 * `csftrace note trace.csft --at i "text"`: appends a note (event index + text) to a trace. The
 * container rewrites its index after the note, so the file keeps opening through a valid index.
 */
import type { Command } from 'commander';
import { appendNote, openTrace } from '../../replayer/read.js';
import { CliError } from '../errors.js';
import { isSystemError, printNotice, printText, writeFailure } from '../output.js';
import { indexOption } from './trim.js';
import { STDIN_NAME } from '../trace-input.js';

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
      if (path === STDIN_NAME) throw new CliError('note: the trace is modified in place: give its file, not - (standard input)');
      const at = indexOption('--at', o.at);
      if (text.trim() === '') throw new CliError('note: the text is empty');
      if (text.length > 4096) throw new CliError(`note: the text is ${text.length} characters (at most 4096)`);
      const trace = openTrace(path);
      const n = trace.eventCount;
      for (const notice of trace.notices) printNotice(`${path}: ${notice}`);
      trace.close();
      if (at >= n) throw new CliError(`--at: event ${at} is outside the trace (events 0..${n - 1})`);
      let damaged: boolean;
      try { damaged = appendNote(path, { eventIndex: at, text }); }
      catch (e) { if (isSystemError(e)) throw writeFailure(path, e); throw e; }
      printText(`${path}: note at #${at}${damaged ? ' (the trace is damaged: no new index was written, so it still opens as damaged)' : ''}\n`);
    });
}
