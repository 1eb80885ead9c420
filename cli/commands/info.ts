/**
 * `csftrace info trace.csft [--json] [--deep]`: what a trace holds: header (scenario, seed,
 * policies, duration, versions), events by family, size and bytes/event, chunks, integrity
 * (index, checksums; --deep also decodes every event), recovery notices and notes.
 * Exit 0 for an intact trace, 1 when it is damaged (notices), 2 when it cannot be opened.
 */
import type { Command } from 'commander';
import {
  EVENT_FAMILIES, assumptionsOf, formatAssumptions, formatTimeNs, openTrace, policyWithFixes, type TraceFile,
} from '../../replayer/index.js';
import { humanBytes } from './record.js';

function familyNameOf(n: number): string {
  const c = EVENT_FAMILIES[n];
  return c === undefined ? `family${n}` : c.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);
}

interface DeepResult { decoded: number; error?: string }

function deepCheck(tr: TraceFile): DeepResult {
  let decoded = 0;
  try {
    let prevT = 0;
    for (const ev of tr.iterate()) {
      if (ev.t < prevT) return { decoded, error: `event ${decoded}: time goes backwards` };
      if (ev.cause > decoded) return { decoded, error: `event ${decoded}: cause points before the first event` };
      prevT = ev.t;
      decoded++;
    }
  } catch (e) {
    return { decoded, error: (e as Error).message };
  }
  return { decoded };
}

export function infoJson(tr: TraceFile, deep?: DeepResult): object {
  const h = tr.header;
  return {
    path: tr.path,
    size: tr.size,
    containerVersion: tr.version,
    header: {
      formatVersion: h.formatVersion, producer: h.producer, modelVersion: h.modelVersion,
      scenarioName: h.scenarioName, seed: h.seed, policy: h.policy, heapPolicy: h.heapPolicy,
      heapNameSource: h.heapNameSource, durationNs: h.durationNs, metadata: h.metadata,
      trimmedFrom: h.trimmedFrom ?? null, wallClockUnixMs: h.wallClockUnixMs || null,
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
  row('trace', `${tr.path} (${humanBytes(tr.size)}, container v${tr.version})`);
  row('scenario', `${h.scenarioName || '?'}${h.metadata.source ? ` (${h.metadata.source})` : ''}`);
  row('run', `seed ${h.seed} · policy ${policyWithFixes(h)} · heap policy ${h.heapPolicy || '?'} · heap name from ${h.heapNameSource || '?'}`);
  row('firmware', formatAssumptions(h));
  row('duration', `${formatTimeNs(h.durationNs)} requested · last event at ${formatTimeNs(tr.lastTimeNs)}`);
  row('producer', `${h.producer || '?'} · model ${h.modelVersion || '?'}${h.wallClockUnixMs ? ` · recorded ${new Date(h.wallClockUnixMs).toISOString()}` : ''}`);
  if (h.trimmedFrom) {
    const t = h.trimmedFrom;
    row('trimmed', `events ${t.firstEvent}..${t.lastEvent} of ${t.originalEvents} (${formatTimeNs(t.firstTimeNs)} .. ${formatTimeNs(t.lastTimeNs)})`);
  }
  if (tr.snapshot) row('snapshot', `state before event 0 (original event ${tr.snapshot.eventIndex}, ${formatTimeNs(tr.snapshot.timeNs)})`);
  row('events', `${tr.eventCount.toLocaleString('en-US')} in ${tr.chunks.length} chunk${tr.chunks.length === 1 ? '' : 's'}` +
    (tr.eventCount ? ` · ${(tr.size / tr.eventCount).toFixed(2)} B/event` : ''));
  const damaged = tr.notices.length > 0 || deep?.error !== undefined;
  const how = tr.indexed ? 'index and every chunk checksum verified' : 'no valid index: recovered by scanning frames';
  row('integrity', `${damaged ? 'DAMAGED' : 'ok'}: ${how}${deep ? ` · ${deep.decoded.toLocaleString('en-US')} events decoded${deep.error ? ` · ${deep.error}` : ''}` : ''}`);
  for (const n of tr.notices) out.push(`${''.padEnd(10)} ! ${n}`);
  const fams = tr.familyCounts.map((n, i) => [familyNameOf(i), n] as const).filter(([, n]) => n > 0);
  if (fams.length) {
    out.push('families');
    const w = Math.max(...fams.map(([f]) => f.length));
    const cw = Math.max(...fams.map(([, n]) => n.toLocaleString('en-US').length));
    for (const [f, n] of fams) {
      const pct = tr.eventCount ? (100 * n) / tr.eventCount : 0;
      out.push(`  ${f.padEnd(w)}  ${n.toLocaleString('en-US').padStart(cw)}  ${pct.toFixed(1).padStart(5)}%`);
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
    .option('--deep', 'also decode every event (checksums are always verified)')
    .addHelpText('after', `
Exit status: 0 intact, 1 damaged (the notices say what was recovered and what was lost), 2 unreadable.

Examples:
  csftrace info demo.csft
  csftrace info demo.csft --json | jq .families`)
    .action((path: string, opts: { json?: boolean; deep?: boolean }) => {
      const tr = openTrace(path);
      try {
        const deep = opts.deep ? deepCheck(tr) : undefined;
        process.stdout.write(opts.json ? JSON.stringify(infoJson(tr, deep), null, 2) + '\n' : infoText(tr, deep));
        if (tr.notices.length > 0 || deep?.error !== undefined) process.exitCode = 1;
      } finally {
        tr.close();
      }
    });
}
