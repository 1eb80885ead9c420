/**
 * An ASCII picture of the timeline around a point, for bug reports and terminals without the TUI:
 *
 *                            12.000ms             37.000ms             62.000ms
 *   CSG slot 0               AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.......BBBBBBBBBBBBBBBBBBBBBB
 *   GPU mode                 ..........PPPPPPPPPPPPP..................................
 *   video-player:0 queue 0   ..........%%%%%%%%%%%%...................................
 *   decisions                ^         ^      ^          ^
 *   point of interest                            v #1234
 *
 * Built from the export timeline (one pass with a collecting sink) and the decisions in the window.
 * Slot rows use one letter per group (legend below the picture); job rows '#' (protected '%').
 */
import { formatNs } from './time-text.js';
import type { TraceFile } from './trace-file.js';
import { buildTimeline, type TimelineSink, type TrackDecl } from './export/timeline.js';

interface Interval { start: number; end: number; name: string }

class Collect implements TimelineSink {
  readonly tracks = new Map<number, TrackDecl>();
  readonly intervals = new Map<number, Interval[]>();
  private readonly open = new Map<number, { start: number; name: string }>();
  constructor(private readonly t0: number, private readonly t1: number) {}
  track(d: TrackDecl): void { this.tracks.set(d.uuid, d); }
  begin(ts: number, track: number, name: string): void { this.open.set(track, { start: ts, name }); }
  end(ts: number, track: number): void {
    const o = this.open.get(track);
    if (!o) return;
    this.open.delete(track);
    if (ts < this.t0 || o.start > this.t1) return;
    const list = this.intervals.get(track) ?? [];
    list.push({ start: o.start, end: ts, name: o.name });
    this.intervals.set(track, list);
  }
  instant(): void { /* decisions are drawn from events */ }
  complete(): void { /* ioctls are not drawn */ }
  counter(): void { /* not drawn */ }
  finish(): void { /* the builder closed every slice */ }
}

export interface AsciiTimelineOptions {
  /** Columns of the time axis (default 64). */
  width?: number;
  /** Virtual time covered, centred on the point (default 50 ms). */
  windowNs?: number;
  /** How an event index is shown under the picture (e.g. a link); default "#i". */
  label?: (index: number) => string;
}

/** The lines of the picture (no trailing newline). */
export function asciiTimeline(trace: TraceFile, at: number, o: AsciiTimelineOptions = {}): string[] {
  if (trace.eventCount === 0) return ['(empty trace)'];
  const width = o.width ?? 64;
  const win = o.windowNs ?? 50_000_000;
  const tAt = trace.timeOf(at);
  const t0 = Math.max(0, tAt - Math.floor(win / 2));
  const t1 = t0 + win;
  const col = (t: number): number => Math.min(width - 1, Math.max(0, Math.floor(((t - t0) / (t1 - t0)) * width)));
  const sink = new Collect(t0, t1);
  buildTimeline(trace, sink, { flows: false });

  const letters = new Map<string, string>();
  const ALPHA = 'ABCDEFGHIJKLMNOQSTUVWYZabcdefghijklmnopqrstuvwxyz';
  const letterOf = (name: string): string => {
    let l = letters.get(name);
    if (!l) { l = ALPHA.charAt(letters.size % ALPHA.length); letters.set(name, l); }
    return l;
  };
  const rows: { order: number; label: string; cells: string[] }[] = [];
  const tracks = [...sink.tracks.values()].sort((a, b) => (a.parent - b.parent) || (a.order - b.order) || (a.uuid - b.uuid));
  for (const d of tracks) {
    const list = sink.intervals.get(d.uuid);
    if (!list || list.length === 0) continue;
    const cells = new Array<string>(width).fill('.');
    const isSlot = d.name.startsWith('CSG slot');
    const isMode = d.name === 'GPU mode';
    for (const iv of list) {
      const ch = isMode ? modeChar(iv.name) : isSlot ? letterOf(iv.name) : iv.name.includes('(protected)') ? '%' : '#';
      for (let c = col(Math.max(iv.start, t0)); c <= col(Math.min(iv.end, t1)); c++) cells[c] = ch;
    }
    rows.push({ order: rows.length, label: d.name, cells });
  }
  const dec = new Array<string>(width).fill(' ');
  const from = trace.indexAtTime(t0), to = trace.indexAtTime(t1 + 1);
  for (let i = from; i < to; i++) {
    const ev = trace.event(i);
    if (ev.body.case === 'decision') dec[col(ev.t)] = '^';
  }
  const labelW = Math.max(18, ...rows.map((r) => r.label.length)) + 2;
  const pad = (s: string): string => s.padEnd(labelW);
  const [start, middle, end] = [formatNs(t0), formatNs(t0 + win / 2), formatNs(t1)];
  const head = `${start}`.padEnd(Math.floor(width / 2) - Math.floor(middle.length / 2)) + middle;
  const axisLine = head.padEnd(width - end.length) + end;
  const out: string[] = [pad('') + axisLine];
  for (const r of rows) out.push(pad(r.label) + r.cells.join(''));
  out.push(pad('decisions') + dec.join('').trimEnd());
  const poi = ' '.repeat(col(tAt)) + `v ${(o.label ?? ((i: number) => `#${i}`))(at)}`;
  out.push(pad('point of interest') + poi);
  if (letters.size) out.push('', `slots: ${[...letters].map(([n, l]) => `${l} = ${n}`).join(', ')}`);
  out.push('mode: P protected, E entering, X exiting, R reset; jobs: # running, % protected');
  return out;
}

function modeChar(name: string): string {
  if (name.startsWith('MODE_PROTECTED')) return 'P';
  if (name.startsWith('MODE_ENTERING')) return 'E';
  if (name.startsWith('MODE_EXITING')) return 'X';
  if (name.startsWith('MODE_RESET')) return 'R';
  return '?';
}
