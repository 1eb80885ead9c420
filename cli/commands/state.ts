/**
 * `csftrace state trace.csft [--at <index|time>] [--json]`: the replayed state after one event, as
 * readable tables (device, CSG slots, groups, queues, pending FW requests, heaps, dma-bufs, VMs,
 * BOs, processes) or JSON.
 */
import type { Command } from 'commander';
import { JSON_SCHEMAS, openTraceReporting, printJson, printNotice, printText } from '../output.js';
import {
  Replayer, eventToJson, formatEvent, formatTables, formatTimeNs, openKeyframeIndex, openTrace, renderState, resolvePosition,
  stateAtIndexed, type IndexOpen, type ReplayState, type TraceFile,
} from '../../replayer/read.js';
import { CliError, isUserFacing } from '../errors.js';

interface StateFlags { at?: string; json?: boolean; only?: string }

/** The index `--at` names (default: the last event). */
export function atOption(tr: TraceFile, path: string, text: string | undefined): number {
  if (text === undefined) return tr.eventCount - 1;
  try {
    return resolvePosition(tr, text);
  } catch (e) {
    if (isUserFacing(e)) throw new CliError(`${path}: --at: ${e.message}`);
    throw e;
  }
}

export function register(program: Command): void {
  program
    .command('state')
    .description('the replayed state after one event: slots, groups, queues, FW interface, heaps, buffers, mode')
    .argument('<trace>', 'trace file (.csft)')
    .option('--at <index|time>', 'after this event index (1234, #1234) or at this virtual time (12.5ms: the last event at or before it); default: the last event')
    .option('--only <tables>', 'only these tables, comma-separated (device, slots, groups, queues, fw, heaps, dma-bufs, vms, bos, processes; with a secure pipeline: heap-choices, pipeline-devices)')
    .option('--json', 'the state as JSON: {trace, index, t, event, state}')
    .addHelpText('after', `
Examples:
  csftrace state demo.csft --at 12.5ms
  csftrace state demo.csft --at '#1234' --only slots,groups
  csftrace state demo.csft --at 1234 --json | jq .state.device.gpuMode`)
    .action((path: string, opts: StateFlags) => {
      // With the keyframes of `csftrace index` made from this very trace (whole then: every chunk's
      // checksum was verified when the index was written, and the file is unchanged since), the
      // trace is opened without reading it all again, and at most K events are applied.
      // (Not for a trace on standard input, which has no index beside it; a trace that does not
      // open quickly is opened the usual way, which says what is wrong with it.)
      let quick: TraceFile | undefined;
      if (path !== '-') { try { quick = openTrace(path, { verify: false }); } catch { quick = undefined; } }
      let idx: IndexOpen = quick ? openKeyframeIndex(quick) : { ok: false, path: '', why: 'none' };
      if (!idx.ok) quick?.close();
      const tr = idx.ok && quick ? quick : openTraceReporting(path);
      try {
        if (!idx.ok && idx.why !== 'none') idx = openKeyframeIndex(tr);
        const at = atOption(tr, path, opts.at);
        let s: ReplayState | undefined;
        if (idx.ok) {
          try { s = stateAtIndexed(tr, idx.index, at); }
          catch (e) { printNotice(`${idx.index.path}: ${(e as Error).message}: not used (\`csftrace index ${path}\` writes it again)`); }
          finally { idx.index.close(); }
        } else if (idx.why !== 'none') printNotice(`${idx.path}: ${idx.why}: not used (\`csftrace index ${path}\` writes it again)`);
        s ??= Replayer.open(tr).stateAt(at);
        const ev = at >= 0 ? tr.event(at) : undefined;
        if (opts.json) {
          printJson({ schema: JSON_SCHEMAS.state, trace: tr.path, index: at, t: s.t, event: ev ? eventToJson(ev, at) : null, state: s });
          return;
        }
        let tables = renderState(s);
        if (opts.only !== undefined) {
          const want = opts.only.split(',').map((x) => x.trim().toLowerCase().replace(/[-_ ]/g, '')).filter(Boolean);
          const key = (title: string): string => title.toLowerCase().split(':')[0]!.replace(/^csg /, '').replace(/^fw interface/, 'fw').replace(/[-_ ]/g, '');
          const known = tables.map((t) => key(t.title));
          for (const w of want) if (!known.includes(w)) throw new CliError(`--only: unknown table "${w}" (one of ${known.join(', ')})`);
          tables = tables.filter((t) => want.includes(key(t.title)));
        }
        const head = ev ? `state of ${tr.path} after ${formatEvent(ev, at)}` : `state of ${tr.path} before the first event`;
        printText(`${head}\n${at >= 0 ? `(event ${at + 1} of ${tr.eventCount}, ${formatTimeNs(s.t)})` : `(${tr.eventCount} events)`}\n\n${formatTables(tables)}`);
      } finally {
        tr.close();
      }
    });
}
