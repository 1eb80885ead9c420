/**
 * `csftrace replay trace.csft [--at <index|time>]` (alias `tui`): the terminal UI. Without a
 * terminal on stdin and stdout it prints a one-screen summary of the trace instead.
 */
import type { Command } from 'commander';
import { openReplay, replayApi, runTui, summaryText } from '../../tui/index.js';
import { resolvePosition } from '../../replayer/index.js';
import { CliError } from '../errors.js';

export function register(program: Command): void {
  program
    .command('replay')
    .alias('tui')
    .description('step through a trace in the terminal UI: timeline, events, cause links, state, decisions explained')
    .argument('<trace>', 'trace file (.csft)')
    .option('--at <position>', 'start at an event index (1234, #1234) or a virtual time (12.5ms)')
    .option('--summary', 'print the text summary even on a terminal')
    .addHelpText('after', `
In the UI, ? shows every key. To see why protected mode was entered: p (first protected-mode
entry), { (the scheduling decision before it), and read "why:" in the Detail pane.
Without a terminal (stdout piped), a one-screen summary is printed instead.

Example:
  csftrace replay traces/v1/drm-video-over-ui.csft --at 200ms`)
    .action(async (path: string, opts: { at?: string; summary?: boolean }) => {
      const { trace, replayer } = openReplay(path);
      try {
        if (opts.at !== undefined) {
          try {
            resolvePosition(trace, opts.at);
          } catch (e) {
            throw new CliError(`--at ${opts.at}: ${e instanceof Error ? e.message : String(e)}`);
          }
        }
        const tty = process.stdout.isTTY === true && process.stdin.isTTY === true;
        if (!tty || opts.summary) {
          process.stdout.write(summaryText(replayApi, replayer, { at: opts.at, width: process.stdout.columns || 100 }));
          return;
        }
        await runTui({ api: replayApi, replayer, at: opts.at });
      } finally {
        trace.close();
      }
    });
}
