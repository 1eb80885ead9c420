/**
 * `csftrace replay trace.csft[#ev=N] [--at <index|time>] [--diff other.csft]` (alias `tui`): the
 * terminal UI. `trace.csft#ev=N` (the links a bug report writes) opens at event N. `--diff` shows
 * two traces with linked cursors, the differences of their scheduling decisions and what they cost
 * each app. Without a terminal on stdin and stdout it prints a text summary instead (of the trace,
 * or with --diff the `csftrace diff` text).
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { diffReport, diffTraces, fileHasWriter, renderDiffText, resolvePosition } from '../../replayer/index.js';
import { CliError } from '../errors.js';
import { escapeStrings, printText } from '../output.js';
import { useColor } from '../color.js';
import { STDIN_NAME } from '../trace-input.js';

/**
 * Opens a trace for the UI, waiting up to `waitMs` for a recording that has just started to write
 * its header (`--follow`, `record --tui`). Other problems (a file that is not a trace) fail at once.
 */
export async function openWhenReady(path: string, waitMs: number): Promise<ReturnType<typeof import('../../tui/index.js')['openReplay']>> {
  const { openReplay } = await import('../../tui/index.js');
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return openReplay(path);
    } catch (e) {
      const code = (e as { code?: string }).code;
      const early = code === 'ENOENT' || code === 'E_EMPTY' || code === 'E_TRUNCATED';
      if (!early || Date.now() > deadline) throw e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The UI on a recording being written: it grows as chunks land; the status bar says when the
 * recording closes or stops. `writerGone` says whether the writer stopped without closing the file.
 */
export async function followInTui(path: string, writerGone: () => boolean | undefined, at?: string): Promise<void> {
  const { replayApi, runTui } = await import('../../tui/index.js');
  const { trace, replayer } = await openWhenReady(path, 10_000);
  try {
    await runTui({ api: replayApi, replayer, at, follow: { writerGone } });
  } finally {
    trace.close();
  }
}

/** A trace argument: the path, and the event of a `#ev=N` link when the path as given does not exist. */
export interface TraceArg { path: string; ev?: number; link?: string }

/**
 * Splits `trace.csft#ev=N`. A path that exists is used as is (a file name may contain '#');
 * otherwise a trailing `#ev=<n>` is the event to open at. A link with something other than a
 * non-negative integer after `#ev=` is a CliError.
 */
export function parseTraceArg(arg: string, exists: (p: string) => boolean = existsSync): TraceArg {
  if (exists(arg)) return { path: arg };
  const m = /^(.*)#ev=([^#/]*)$/.exec(arg);
  const path = m?.[1], ev = m?.[2];
  if (path === undefined || ev === undefined || path === '') return { path: arg };
  if (!/^\d+$/.test(ev)) throw new CliError(`${arg}: bad event link: expected #ev=<event index>, got "#ev=${ev}"`);
  return { path, ev: Number(ev), link: arg };
}

export function register(program: Command): void {
  program
    .command('replay')
    .alias('tui')
    .description('step through a trace in the terminal UI: timeline, events, cause links, state, decisions explained; --diff: two traces side by side')
    .argument('<trace>', 'trace file (.csft); trace.csft#ev=N opens at event N (the links in a bug report)')
    .option('--at <position>', 'start at an event index (1234, #1234) or a virtual time (12.5ms)')
    .option('--diff <other>', 'compare with another trace: linked cursors, d/D next/previous difference, v consequences')
    .option('--reasons', 'with --diff: d / D also stop at decisions that do the same for another reason')
    .option('--summary', 'print the text summary even on a terminal')
    .option('--follow', 'a recording still being written: the UI grows as chunks land, End stays at the newest event, check runs as it grows')
    .addHelpText('after', `
In the UI, ? shows every key. To see why protected mode was entered: p (first protected-mode
entry), { (the scheduling decision before it), and read "why:" in the Detail pane.
With --diff: d jumps both cursors to the next difference in the scheduling decisions (D back),
v shows the consequences per app and group, s switches the side the keys move (the other follows).
Without a terminal (stdout piped), a one-screen summary is printed instead (with --diff: the
text of \`csftrace diff\`).

Examples:
  csftrace replay traces/v1/drm-video-over-ui.csft --at 200ms
  csftrace replay traces/v1/drm-video-over-ui.csft#ev=307
  csftrace replay traces/v1/drm-video-over-ui.csft --diff traces/v1/drm-video-over-ui-kbase.csft
  csftrace record --duration 60s -o live.csft & csftrace replay --follow live.csft

A position past the end (--at 99999, --at 99s, #ev=99999) opens at the last event, and the
status bar says so.`)
    .action(async (arg: string, opts: { at?: string; diff?: string; summary?: boolean; follow?: boolean; reasons?: boolean }) => {
      if (arg === STDIN_NAME || opts.diff === STDIN_NAME) throw new CliError('replay: give the trace as a file, not - (standard input is the terminal the UI reads its keys from)');
      // The TUI (and blessed) load only for the commands that need them: other commands start faster.
      const { diffApiWith, diffComposer, openReplay, replayApi, runTui, summaryText } = await import('../../tui/index.js');
      const main = parseTraceArg(arg);
      if (main.ev !== undefined && opts.at !== undefined) {
        throw new CliError(`${arg}: the link gives a position and so does --at ${opts.at}: use one`);
      }
      // the other trace's own #ev=N is ignored: its cursor follows the first one's
      const other = opts.diff !== undefined ? parseTraceArg(opts.diff).path : undefined;
      if (opts.follow && other !== undefined) throw new CliError('--follow and --diff: follow one recording at a time');
      const { trace, replayer } = opts.follow ? await openWhenReady(main.path, 10_000) : openReplay(main.path);
      try {
        const at = main.ev !== undefined ? String(main.ev) : opts.at;
        if (at !== undefined) {
          try {
            // only the text is checked here: a position past the end opens at the last event (the UI says so)
            resolvePosition(trace, at, true);
          } catch (e) {
            const what = main.link ?? `--at ${opts.at}`;
            throw new CliError(`${what}: ${e instanceof Error ? e.message : String(e)}`);
          }
        }
        const tty = process.stdout.isTTY === true && process.stdin.isTTY === true;
        if (other === undefined) {
          if (!tty || opts.summary) {
            printText(summaryText(replayApi, replayer, { at, width: process.stdout.columns || 100 }));
            return;
          }
          if (opts.follow) {
            const path = main.path;
            await runTui({
              api: replayApi, replayer, at,
              follow: { writerGone: () => { const w = fileHasWriter(path); return w === undefined ? undefined : !w; } },
            });
          } else {
            await runTui({ api: replayApi, replayer, at });
          }
          return;
        }
        const b = openReplay(other);
        try {
          if (!tty || opts.summary) {
            const color = useColor(process.stdout);
            const report = diffReport(diffTraces(trace, b.trace, { reasons: opts.reasons }), { reasons: opts.reasons });
            process.stdout.write(`csftrace replay --diff: ${tty ? "--summary" : "not a terminal"}, so the text of \`csftrace diff\` instead of the UI\n`);
            process.stdout.write(renderDiffText(escapeStrings(report), { color }).join('\n') + '\n');
            return;
          }
          await runTui({ api: replayApi, replayer, at, composer: diffComposer(replayApi, diffApiWith({ reasons: opts.reasons }), b.replayer) });
        } finally {
          b.trace.close();
        }
      } finally {
        trace.close();
      }
    });
}
