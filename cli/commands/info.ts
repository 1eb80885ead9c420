/**
 * `csftrace info trace.csft [--json]`: what a trace holds: header (scenario, seed, policies,
 * duration, versions), events by family, size and bytes/event, chunks, integrity (index, checksums,
 * and every event decoded: a chunk whose checksum passes but whose content does not decode is
 * damage too), recovery notices and notes.
 * Exit 0 for an intact trace, 1 when it is damaged (notices), 2 when it cannot be opened.
 */
import { Option, type Command } from 'commander';
import {
  formatBytes, EVENT_FAMILIES, EVENT_JSON_SCHEMA, assumptionsOf, formatAssumptions, formatTimeNs, policyWithFixes, type TraceFile,
} from '../../replayer/read.js';
import { JSON_SCHEMAS, printJson, printText } from '../output.js';
import { openTraceInput } from '../trace-input.js';
import { formatCount } from '../../proto/index.js';

function familyNameOf(n: number): string {
  const c = EVENT_FAMILIES[n];
  return c === undefined ? `family${n}` : c.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);
}

interface DeepResult { decoded: number; error?: string | undefined }

/**
 * Decodes every event (chunks that do not decode are skipped by the pass and added to the trace's
 * notices) and checks the order of times and causes.
 */
function deepCheck(tr: TraceFile): DeepResult {
  let decoded = 0;
  let error: string | undefined;
  // in a typed array: a double stored into a closure's variable is boxed anew at every store
  const prevT = new Float64Array(1);
  tr.forEach((ev, i) => {
    if (error === undefined && ev.t < prevT[0]!) error = `event ${i}: time goes backwards`;
    if (error === undefined && ev.cause > i) error = `event ${i}: cause points before the first event`;
    prevT[0] = ev.t;
    decoded++;
  });
  return { decoded, error };
}

/** The recording's wall-clock time, or what is wrong with the header's value. */
function wallClockText(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? `(invalid wall-clock value ${ms})` : d.toISOString();
}

export function infoJson(tr: TraceFile, deep?: DeepResult): object {
  const h = tr.header;
  return {
    schema: JSON_SCHEMAS.info,
    eventSchema: EVENT_JSON_SCHEMA,
    path: tr.path,
    size: tr.size,
    containerVersion: tr.version,
    header: {
      formatVersion: h.formatVersion, producer: h.producer, modelVersion: h.modelVersion,
      scenarioName: h.scenarioName, seed: h.seed, policy: h.policy, heapPolicy: h.heapPolicy,
      heapNameSource: h.heapNameSource, durationNs: h.durationNs, metadata: h.metadata,
      trimmedFrom: h.trimmedFrom ?? null, wallClockUnixMs: h.wallClockUnixMs || null,
      recorded: h.wallClockUnixMs ? wallClockText(h.wallClockUnixMs) : null,
      scenarioTextBytes: h.scenarioText.length,
      reviewFixes: h.reviewFixes,
      fwAssumptions: Object.fromEntries(assumptionsOf(h).map((a) => [a.name, a.value])),
    },
    events: tr.eventCount,
    lastTimeNs: tr.lastTimeNs,
    bytesPerEvent: tr.eventCount ? +(tr.size / tr.eventCount).toFixed(3) : null,
    chunks: tr.chunks.length,
    families: Object.fromEntries(tr.familyCounts.map((n, i) => [familyNameOf(i), n]).filter(([, n]) => (n as number) > 0)),
    integrity: {
      ok: tr.notices.length === 0 && (deep?.error === undefined),
      indexed: tr.indexed,
      checksumsVerified: true,
      deep: deep ? { decoded: deep.decoded, error: deep.error ?? null } : null,
    },
    notices: tr.notices,
    notes: tr.notes,
    snapshot: tr.snapshot ? { eventIndex: tr.snapshot.eventIndex, timeNs: tr.snapshot.timeNs, bytes: tr.snapshot.state.length } : null,
  };
}

export function infoText(tr: TraceFile, deep?: DeepResult): string {
  const h = tr.header;
  const out: string[] = [];
  const row = (k: string, v: string): void => { out.push(`${k.padEnd(10)} ${v}`); };
  row('trace', `${tr.path} (${formatBytes(tr.size)}, container v${tr.version})`);
  row('scenario', `${h.scenarioName || '?'}${h.metadata.source ? ` (${h.metadata.source})` : ''}`);
  row('run', `seed ${h.seed} · policy ${policyWithFixes(h)} · heap policy ${h.heapPolicy || '?'} · heap name from ${h.heapNameSource || '?'}`);
  row('firmware', formatAssumptions(h));
  row('duration', `${formatTimeNs(h.durationNs)} requested · last event at ${formatTimeNs(tr.lastTimeNs)}`);
  row('producer', `${h.producer || '?'} · model ${h.modelVersion || '?'}${h.wallClockUnixMs ? ` · recorded ${wallClockText(h.wallClockUnixMs)}` : ''}`);
  if (h.trimmedFrom) {
    const t = h.trimmedFrom;
    row('trimmed', `events ${t.firstEvent}..${t.lastEvent} of ${t.originalEvents} (${formatTimeNs(t.firstTimeNs)} .. ${formatTimeNs(t.lastTimeNs)})`);
  }
  if (tr.snapshot) row('snapshot', `state before event 0 (original event ${tr.snapshot.eventIndex}, ${formatTimeNs(tr.snapshot.timeNs)})`);
  row('events', `${formatCount(tr.eventCount)} in ${tr.chunks.length} chunk${tr.chunks.length === 1 ? '' : 's'}` +
    (tr.eventCount ? ` · ${(tr.size / tr.eventCount).toFixed(2)} B/event` : ''));
  const damaged = tr.notices.length > 0 || deep?.error !== undefined;
  const how = tr.indexed ? 'index and every chunk checksum verified' : 'no valid index: recovered by scanning frames';
  row('integrity', `${damaged ? 'DAMAGED' : 'ok'}: ${how}${deep ? ` · ${formatCount(deep.decoded)} events decoded${deep.error ? ` · ${deep.error}` : ''}` : ''}`);
  for (const n of tr.notices) out.push(`${''.padEnd(10)} ! ${n}`);
  const fams = tr.familyCounts.map((n, i) => [familyNameOf(i), n] as const).filter(([, n]) => n > 0);
  if (fams.length) {
    out.push('families');
    const w = Math.max(...fams.map(([f]) => f.length));
    const cw = Math.max(...fams.map(([, n]) => formatCount(n).length));
    for (const [f, n] of fams) {
      const pct = tr.eventCount ? (100 * n) / tr.eventCount : 0;
      out.push(`  ${f.padEnd(w)}  ${formatCount(n).padStart(cw)}  ${pct.toFixed(1).padStart(5)}%`);
    }
  }
  if (tr.notes.length) {
    out.push('notes');
    for (const n of tr.notes) out.push(`  #${n.eventIndex}  ${n.text}`);
  }
  return out.join('\n') + '\n';
}

export function register(program: Command): void {
  program
    .command('info')
    .description('what a trace holds: header, scenario, seed, policy, duration, events by family, size, bytes/event, chunks, integrity, notes')
    .argument('<trace>', 'trace file (.csft)')
    .option('--json', 'print as JSON')
    .addOption(new Option('--deep', 'decode every event (always done now)').hideHelp())
    .addHelpText('after', `
Integrity: the index, every chunk's checksum, and every event decoded.

Examples:
  csftrace info demo.csft
  csftrace info demo.csft --json | jq .families`)
    .action((path: string, opts: { json?: boolean }) => {
      const tr = openTraceInput(path);
      try {
        const deep = deepCheck(tr);
        if (opts.json) printJson(infoJson(tr, deep)); else printText(infoText(tr, deep));
        if (tr.notices.length > 0 || deep.error !== undefined) process.exitCode = 1;
      } finally {
        tr.close();
      }
    });
}
