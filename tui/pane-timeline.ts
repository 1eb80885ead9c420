/**
 * Timeline pane: a GPU-mode band and one lane per CSG slot over virtual time, with the cursor.
 *
 * Each column is a time bucket of the window; it shows the state after the last event before the
 * bucket's end (sampled in the background by Session.sampleColumns, so a column can be blank for a
 * moment). A lane cell shows the group bound to the slot: a run starts with the group's handle
 * ("g3"), is coloured by group priority, and is shaded when the group is protected.
 */
import { Canvas, Style, type Glyphs, type Hit, type Rect } from './canvas.js';
import type { LaneSample, ModeName } from './contract.js';
import type { Session } from './session.js';
import { fmtShort } from './time-format.js';

export const GUTTER = 6;

const MODE_STYLE: Record<ModeName, Style> = {
  NORMAL: Style.modeNormal, PROTECTED: Style.modeProtected, ENTERING: Style.modeTransition,
  EXITING: Style.modeTransition, RESET: Style.modeReset, OFF: Style.dim, UNKNOWN: Style.dim,
};

function modeChar(m: ModeName, g: Glyphs): string {
  switch (m) {
    case 'NORMAL': return g.laneEmpty;
    case 'PROTECTED': return g.full;
    case 'ENTERING': case 'EXITING': return g.half;
    case 'RESET': return 'R';
    case 'OFF': return ' ';
    case 'UNKNOWN': return '?';
  }
}

function groupStyle(priority: number, prot: boolean): Style {
  const p = Math.max(0, Math.min(3, priority | 0));
  return (prot ? Style.prot0 : Style.prio0) + p as Style;
}

/** Rows the timeline wants for n lane rows (mode band + lanes + axis). */
export function timelineRows(lanes: number): number { return lanes + 2; }

export function drawTimeline(c: Canvas, s: Session, r: Rect, g: Glyphs): Hit[] {
  const hits: Hit[] = [{ kind: 'pane', rect: r, pane: 'timeline' }];
  if (r.w <= GUTTER + 2 || r.h < 2) return hits;
  const cols = r.w - GUTTER;
  const samples = s.columns(cols);
  const cur = s.cursorColumn(cols);
  const rows = s.laneRows(cols);
  const laneRows = Math.max(0, r.h - 2);
  const shown = Math.min(rows.length, laneRows);

  // mode band
  c.put(r.x, r.y, 'mode', Style.heading, GUTTER);
  const colNs = s.window().span / cols;
  for (let k = 0; k < cols; k++) {
    const smp = samples[k];
    if (!smp) continue;
    let m = smp.mode;
    // what happened inside the column, from the running totals of the column before
    const prev = k > 0 ? samples[k - 1] : undefined;
    if (prev && smp.resets !== undefined && prev.resets !== undefined && smp.resets > prev.resets) m = 'RESET';
    else if (prev && smp.protectedNs !== undefined && prev.protectedNs !== undefined && m !== 'PROTECTED') {
      const dt = smp.protectedNs - prev.protectedNs;
      if (dt >= colNs / 2) m = 'PROTECTED';
      else if (dt > 0) m = 'ENTERING'; // partly protected: drawn as a half block
    }
    c.set(r.x + GUTTER + k, r.y, modeChar(m, g), MODE_STYLE[m]);
  }

  // lanes
  for (let row = 0; row < shown; row++) {
    const y = r.y + 1 + row;
    const lane = rows[row]!; // shown <= rows.length
    if (row === shown - 1 && shown < rows.length) {
      c.put(r.x, y, `+${rows.length - shown + 1} more lanes (make the terminal taller)`, Style.dim, r.w);
      continue;
    }
    if (lane.display !== undefined) {
      c.put(r.x, y, lane.display, Style.heading, GUTTER - 1);
      drawDisplayLane(c, samples, lane.display, r.x + GUTTER, y, cols, g);
    } else if (lane.slot >= 0) {
      c.put(r.x, y, `CSG${lane.slot}`, Style.heading, GUTTER - 1);
      drawLane(c, samples, lane.slot, r.x + GUTTER, y, cols, g);
    } else {
      const label = lane.from === lane.to ? `CSG${lane.from}` : `CSG${lane.from}-${lane.to}`;
      c.put(r.x, y, label, Style.dim, label.length);
      const x0 = r.x + Math.max(GUTTER, label.length + 1);
      for (let x = x0; x < r.x + r.w; x++) c.set(x, y, g.laneEmpty, Style.dim);
      c.put(x0 + 1, y, ' no group in this window ', Style.dim);
    }
  }

  // cursor column
  if (cur >= 0) {
    for (let y = r.y; y < r.y + 1 + shown; y++) {
      const lane = y > r.y ? rows[y - r.y - 1] : undefined;
      if (lane && lane.slot < 0) continue;
      const x = r.x + GUTTER + cur;
      if (c.charAt(x, y) === ' ') c.set(x, y, g.v, Style.cursorCol);
      else c.restyle(x, y, 1, Style.cursorCol);
    }
  }

  // axis: window start, end, and the cursor's time under its column
  const ay = r.y + Math.min(r.h - 1, 1 + shown);
  const { t0, span } = s.window();
  const left = fmtShort(t0);
  const right = fmtShort(t0 + span);
  c.put(r.x, ay, 'time', Style.heading, GUTTER);
  const x0 = r.x + GUTTER;
  let curFrom = Infinity, curTo = -Infinity;
  if (cur >= 0) {
    const label = `${g.cursor}${fmtShort(s.timeAt(s.index))}`;
    // the label starts at the cursor column, or ends there when it would not fit
    curFrom = x0 + cur + label.length <= r.x + r.w ? x0 + cur : x0 + cur - label.length + 1;
    curTo = curFrom + label.length - 1;
    if (curFrom === x0 + cur) c.put(curFrom, ay, label, Style.cursorCol);
    else c.put(curFrom, ay, `${fmtShort(s.timeAt(s.index))}${g.cursor}`, Style.cursorCol);
  }
  if (x0 + left.length < curFrom - 1 || x0 > curTo + 1) c.put(x0, ay, left, Style.dim, cols);
  const rx = r.x + r.w - right.length;
  if (rx > curTo + 1 || rx + right.length < curFrom - 1) c.put(rx, ay, right, Style.dim);

  // marks (m + letter): the letter under the mark's column, over the axis labels
  for (const m of s.markList()) {
    if (m.index >= s.count) continue;
    const mc = Math.floor(((s.timeAt(m.index) - t0) / span) * cols);
    if (mc >= 0 && mc < cols) c.set(x0 + mc, ay, m.letter, Style.prompt);
  }

  for (let k = 0; k < cols; k++) {
    hits.push({ kind: 'column', rect: { x: r.x + GUTTER + k, y: r.y, w: 1, h: r.h }, column: k, columns: cols });
  }
  return hits;
}

/** Letters of a missed vblank's reason on a display lane. */
const MISS_LETTER: Readonly<Record<string, string>> = {
  DECODER_LATE: 'D', GPU_PROTM_DENIED: 'P', GPU_LATE: 'G', SCANOUT_LATE: 'S', NO_PIPELINE: 'N',
};

/**
 * A display's lane: per column, a flip (run glyph) when frames were flipped and no vblank missed,
 * the letter of the last miss's reason (D decoder late, P GPU denied protected time, G GPU late,
 * S scanout missed the latch, N no pipeline) when a vblank was missed, blank when nothing changed.
 */
function drawDisplayLane(c: Canvas, samples: ReadonlyArray<LaneSample | undefined>, name: string, x0: number, y: number, cols: number, g: Glyphs): void {
  let prev: { flips: number; misses: number } | undefined;
  for (let k = 0; k < cols; k++) {
    const d = samples[k]?.displays?.find((x) => x.name === name);
    if (!d) { prev = undefined; continue; }
    const p = prev ?? d;
    if (d.misses > p.misses) c.set(x0 + k, y, MISS_LETTER[d.lastMiss] ?? '?', Style.warn);
    else if (d.flips > p.flips) c.set(x0 + k, y, g.laneRun, Style.modeNormal);
    else c.set(x0 + k, y, g.laneEmpty, Style.dim);
    prev = d;
  }
}

function drawLane(c: Canvas, samples: ReadonlyArray<LaneSample | undefined>, slot: number, x0: number, y: number, cols: number, g: Glyphs): void {
  const groups = new Array<number>(cols);
  for (let k = 0; k < cols; k++) {
    const smp = samples[k];
    const sl = smp?.slots[slot];
    const gk = smp === undefined ? -1 : sl && sl.group ? sl.group : 0;
    groups[k] = gk;
    if (gk < 0) continue; // not sampled yet
    if (gk === 0) c.set(x0 + k, y, g.laneEmpty, Style.dim);
    else c.set(x0 + k, y, sl!.isProtected ? g.shade : g.laneRun, groupStyle(sl!.priority, sl!.isProtected));
  }
  // label each run with its group handle where it fits
  for (let k = 0; k < cols;) {
    const gk = groups[k]!; // k < cols, every column set above
    let e = k + 1;
    while (e < cols && groups[e] === gk) e++;
    if (gk > 0) {
      const label = `g${gk}`;
      if (e - k >= label.length) c.put(x0 + k, y, label, c.styleAt(x0 + k, y), e - k);
    }
    k = e;
  }
}
