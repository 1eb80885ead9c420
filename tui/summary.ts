/**
 * What `csftrace replay` prints when stdout is not a terminal: one screen of text about the trace
 * (header, counts, the first protected-mode entry and the decision before it, the state at --at)
 * instead of the interactive UI.
 */
import type { ReplayApi, ReplayerLike } from './contract.js';
import { Session } from './session.js';
import { wrap } from './pane-detail.js';
import { fmtTime } from './time-format.js';
import { isPastEnd } from './session.js';

/** Traces larger than this are not scanned for the first protected entry (it would take seconds). */
const SCAN_LIMIT = 2_000_000;

export function summaryText(api: ReplayApi, replayer: ReplayerLike, opts: { at?: string | undefined; width?: number | undefined } = {}): string {
  const w = opts.width ?? 100;
  const s = new Session(api, replayer, { at: opts.at });
  const tr = s.trace;
  const h = tr.header;
  const cut = (t: string) => (t.length > w ? `${t.slice(0, w - 1)}…` : t);
  const out: string[] = [];
  out.push(`csftrace replay ${tr.path || '(in memory)'}: not a terminal, so a summary instead of the UI`);
  out.push(`  scenario ${h.scenarioName || '-'} · policy ${h.policy || '-'} · heap policy ${h.heapPolicy || '-'} · seed ${h.seed}`);
  out.push(`  producer ${h.producer || '-'} · model ${h.modelVersion || '-'} · duration ${fmtTime(h.durationNs)}`);
  const n = tr.eventCount;
  out.push(`  events ${n} in ${tr.chunks.length} chunks${n ? `, ${fmtTime(tr.timeOf(0))} .. ${fmtTime(tr.timeOf(n - 1))}` : ''}`);
  const fams = tr.familyCounts
    .map((c, k) => [api.familyName(k), c] as const)
    .filter(([, c]) => c > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([f, c]) => `${f} ${c}`);
  if (fams.length) {
    // whole "name count" items per line
    let line = '  by family:';
    for (const f of fams) {
      if (line.length + f.length + 3 > w) { out.push(line); line = '   '; }
      line += `${line.endsWith(':') || line === '   ' ? ' ' : ' · '}${f}`;
    }
    out.push(line);
  }
  for (const notice of tr.notices) out.push(cut(`  notice: ${notice}`));

  if (n && n <= SCAN_LIMIT) {
    const here = s.index;
    try {
      const f = api.parseFilter(api.filters.protectedEntry);
      s.cursor.seek(0);
      const entry = f.matchEvent(tr.event(0), 0) ? 0 : s.cursor.find(f, 1);
      if (entry === undefined) {
        out.push('  no protected-mode entry in this trace');
      } else {
        out.push(cut(`  first protected-mode entry: ${s.line(entry)}`));
        s.cursor.seek(entry);
        const d = s.cursor.find(api.parseFilter(api.filters.decision), -1);
        if (d !== undefined) {
          out.push(cut(`  decision before it:         ${s.line(d)}`));
          for (const why of api.explainDecision(tr.event(d)).slice(0, 6)) {
            wrap(why, w - 9, 0).forEach((l, k) => out.push(`    ${k ? '     ' : 'why: '}${l}`));
          }
        }
      }
    } catch (e) {
      out.push(cut(`  (could not search: ${e instanceof Error ? e.message : String(e)})`));
    }
    s.cursor.seek(here);
  }

  if (n) {
    const i = s.index;
    const lanes = api.lanes(replayer.stateAt(i));
    const slots = lanes.slots.map((sl, k) => `CSG${k} ${sl.group ? `g${sl.group}${sl.isProtected ? ' (protected)' : ''}` : '-'}`).join(', ');
    if (opts.at !== undefined && isPastEnd(opts.at, s)) out.push(cut(`  --at ${opts.at} is past the end of the trace: at the last event`));
    out.push(cut(`  at ${s.line(i)}`));
    out.push(cut(`    GPU ${lanes.mode}${lanes.protectedGroup ? ` (protected group g${lanes.protectedGroup})` : ''}; ${slots || 'no CSG slots'}`));
  }
  out.push('  Run it in a terminal for the UI (? there shows the keys); `csftrace events` lists the events.');
  return `${out.join('\n')}\n`;
}
