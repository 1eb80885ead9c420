/**
 * `csftrace events trace.csft [--from i|time] [--limit n] [--type T,...] [--json]`: the events,
 * one line each with the reference's names (GLB_PROTM_ENTER, CSG_STATE_START, GROUP_SUBMIT,
 * -EINVAL, ...), or JSON lines. Filters are a list of predicates (`eventMatchers`): a new option
 * (e.g. `--where <filter>`) adds one predicate there.
 */
import type { Command } from 'commander';
import {
  EVENT_FAMILIES, eventToJson, eventTypeNames, formatEvent, isSkippedEvent, looksLikeTime, notesByEvent, parseTimeText, type TraceFile,
} from '../../replayer/read.js';
import * as proto from '../../proto/index.js';
import type { Event } from '../../proto/index.js';
import { CliError } from '../errors.js';
import { escapeControls, openTraceReporting, safeJson } from '../output.js';
import { bindWhere, whereMatcher } from './where.js';

export interface EventsFlags {
  from?: string;
  limit?: string;
  type?: string;
  where?: string;
  json?: boolean;
}

/** One predicate over an event (and its index). */
export type EventMatcher = (ev: proto.Event, index: number) => boolean;

/** Every name `--type` accepts: family names and the enum / FW bit names events answer to. */
function knownTypeNames(): Set<string> {
  const names = new Set<string>(['unknown']);
  for (const c of EVENT_FAMILIES) { names.add(c.toLowerCase()); names.add(c.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`)); }
  for (const [k, v] of Object.entries(proto)) {
    if (k.endsWith('Names') && v !== null && typeof v === 'object') {
      for (const n of Object.values(v as Record<string, unknown>)) if (typeof n === 'string') names.add(n.toLowerCase());
    }
  }
  return names;
}

/** `--type A,B`: the event answers to one of the names (family, ioctl cmd, job phase, FW bit...). */
export function typeMatcher(text: string): EventMatcher {
  const wanted = text.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (wanted.length === 0) throw new CliError('--type: expected a family or event name, e.g. job, ioctl, GROUP_SUBMIT, GLB_PROTM_ENTER');
  const known = knownTypeNames();
  for (const w of wanted) {
    if (!known.has(w) && !/_(bit\d+)$/.test(w) && !/^(glb|csg|cs)_/.test(w)) {
      const fams = EVENT_FAMILIES.map((c) => c.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`));
      throw new CliError(`--type: unknown event type "${w}" (families: ${fams.join(', ')}; or a name such as GROUP_SUBMIT, JOB_DONE, GLB_PROTM_ENTER)`);
    }
  }
  const set = new Set(wanted);
  return (ev) => {
    for (const n of eventTypeNames(ev)) if (set.has(n.toLowerCase())) return true;
    return false;
  };
}

/** The predicates selected by the flags (all must match). Add new filter options here. */
export function eventMatchers(opts: EventsFlags): EventMatcher[] {
  const m: EventMatcher[] = [];
  if (opts.type !== undefined) m.push(typeMatcher(opts.type));
  // first: a state filter must see every event, in order
  if (opts.where !== undefined) m.unshift(whereMatcher(opts.where));
  return m;
}

/** `--from`: an event index ("1234", "#1234") or a virtual time ("12.5ms"). */
export function resolveFrom(tr: TraceFile, text: string | undefined): number {
  if (text === undefined) return 0;
  const s = text.trim();
  if (looksLikeTime(s)) return tr.indexAtTime(parseTimeText(s)!);
  const m = /^#?(\d+)$/.exec(s);
  if (!m) throw new CliError(`--from: expected an event index (1234) or a time (12.5ms), got "${text}"`);
  return Number(m[1]);
}

function limitOption(text: string | undefined): number {
  if (text === undefined) return Infinity;
  if (!/^\d+$/.test(text.trim())) throw new CliError(`--limit: expected a non-negative integer, got "${text}"`);
  return Number(text);
}

export function register(program: Command): void {
  program
    .command('events')
    .description('list the events of a trace, one line each with the real names (or JSON lines)')
    .argument('<trace>', 'trace file (.csft)')
    .option('--from <i|time>', 'start at this event index or virtual time (e.g. 1234, 12.5ms)')
    .option('--limit <n>', 'print at most n events')
    .option('--type <names>', 'only these families or kinds, comma-separated (job, fw_req, GROUP_SUBMIT, JOB_DONE, GLB_PROTM_ENTER, ...)')
    .option('--where <filter>', 'only events matching a filter (e.g. "ioctl=GROUP_SUBMIT errno!=0", "decision.protm=granted", "fw=GLB_PROTM_ENTER t>12ms", "type=job | state.mode=protected")')
    .option('--json', 'JSON lines: {index, t (virtual ns), type, cause_index, <type>: {...}}; csftrace.proto field names, defaults present, enums as names, ret with errno (schemas/event.v1.json)')
    .addHelpText('after', `
Line format: #<index> <virtual time> <family> <details> [<-#<index of the cause>]

Examples:
  csftrace events demo.csft --limit 20
  csftrace events demo.csft --type mode_switch,GLB_PROTM_ENTER
  csftrace events demo.csft --from 1.5s --type ioctl --json | jq -c .ioctl`)
    .action(async (path: string, opts: EventsFlags) => {
      const limit = limitOption(opts.limit);
      const matchers = eventMatchers(opts);
      const tr = openTraceReporting(path);
      try {
        const from = resolveFrom(tr, opts.from);
        bindWhere(matchers, tr);
        await printEvents(tr, from, limit, matchers, opts.json === true);
      } finally {
        tr.close();
      }
    });
}

/** A batch of output is written when it reaches this size. */
const BATCH_CHARS = 65536;

/**
 * Writes `text` to stdout; when the stream holds more than its high-water mark (a slow reader on a
 * pipe), waits until it drains, so the output never piles up in memory. Resolves false when stdout
 * has closed (| head) or failed.
 */
function writeWithBackpressure(text: string | Uint8Array): Promise<boolean> | boolean {
  const out = process.stdout;
  if (out.destroyed || out.writableEnded) return false;
  if (out.write(text)) return true;
  return new Promise((resolve) => {
    const done = (ok: boolean): void => { out.off('drain', onDrain); out.off('close', onClose); out.off('error', onClose); resolve(ok); };
    const onDrain = (): void => done(true);
    const onClose = (): void => done(false);
    out.on('drain', onDrain);
    out.on('close', onClose);
    out.on('error', onClose);
  });
}

/**
 * JSON lines written as objects (eventToJson, safeJson) before the byte writer takes over: the
 * writer is export code, and loading it (replayer/index.js) costs about 0.13 s at start, what the
 * object path takes for some 20,000 lines.
 */
export const JSON_OBJECT_LINES = 16_384;

/**
 * Writes the selected events to stdout in 64 KiB batches, waiting for a slow reader; stops quietly if
 * stdout closes (| head). Text lines have their control characters escaped. JSON lines past the first
 * JSON_OBJECT_LINES are written by export's jsonl writer (writeEventLine): the same text as
 * `safeJson(eventToJson(ev, i))` (with `notes`), byte for byte, without an object per event and
 * JSON.stringify, which took 60 % of a long `events --json`. read.ts, which every reading command
 * loads at start, reaches no export code (read.test.ts): the writer is loaded here, when needed.
 */
async function printEvents(tr: TraceFile, from: number, limit: number, matchers: EventMatcher[], json: boolean): Promise<void> {
  let buf = '';
  let printed = 0;
  let i = from;
  if (limit === 0) return;
  // Notes (csftrace note) are shown under their event: "    note: <text>", or `notes` in JSON.
  const notesAt = notesByEvent(tr);
  let lines: JsonLines | undefined;
  for (const ev of tr.iterate(from)) {
    if (isSkippedEvent(ev)) { i++; continue; }  // in a chunk that does not decode (a notice says so)
    if (matchers.every((m) => m(ev, i))) {
      const notes = notesAt.get(i);
      if (lines !== undefined) {
        const piece = lines.line(ev, i, notes);
        if (piece !== undefined) {
          const w = writeWithBackpressure(piece);
          if (!(w === true || await w)) return;
        }
      } else {
        if (json) buf += safeJson(notes ? { ...eventToJson(ev, i), notes } : eventToJson(ev, i)) + '\n';
        else buf += escapeControls(formatEvent(ev, i) + '\n' + (notes ? notes.map((t) => `    note: ${t}\n`).join('') : ''));
        if (json && printed + 1 === JSON_OBJECT_LINES && printed + 1 < limit) {
          lines = await jsonLines();
        }
        if (buf.length > BATCH_CHARS || (lines !== undefined && buf)) {
          const w = writeWithBackpressure(buf);
          buf = '';
          if (!(w === true || await w)) return;
        }
      }
      if (++printed >= limit) break;
    }
    i++;
  }
  if (buf) await writeWithBackpressure(buf);
  const rest = lines?.end();
  if (rest !== undefined) await writeWithBackpressure(rest);
}

/** JSON lines as bytes: `line` returns a ~1 MiB buffer when one is full (ours to keep), `end` the rest. */
interface JsonLines {
  line(ev: Event, i: number, notes: readonly string[] | undefined): Uint8Array | undefined;
  end(): Uint8Array | undefined;
}

async function jsonLines(): Promise<JsonLines> {
  const { JsonBytes, JsonBodies, writeEventLine } = await import('../../replayer/index.js');
  // the buffer handed over by the last mark() or flush() (at most one per call; the writer then takes a new one)
  let full: Uint8Array | undefined;
  const out = new JsonBytes((b) => { full = b; }, true);
  const bodies = new JsonBodies(out);
  const take = (): Uint8Array | undefined => { const b = full; full = undefined; return b; };
  return {
    line(ev, i, notes) { writeEventLine(out, ev, i, notes, bodies); out.mark(); return take(); },
    end() { out.flush(); return take(); },
  };
}
