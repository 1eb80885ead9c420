/**
 * Screen composition: the bordered block of one trace (timeline on top; events on the left;
 * detail over state on the right) and the status bar, drawn into a Canvas for a given size.
 *
 *   ┌ Timeline ───────────────────────────┐
 *   │ mode band, CSG lanes, time axis      │
 *   ├ Events ──────────┬ Detail ──────────┤
 *   │                  │                  │
 *   │                  ├ State ───────────┤
 *   │                  │                  │
 *   └──────────────────┴──────────────────┘
 *    status line / prompt, message or key hints
 *
 * `drawTrace` takes any rectangle, so a second trace (diff view) is a second call beside the first.
 */
import { Canvas, Style, clip, type Glyphs, type Hit, type Rect } from './canvas.js';
import { drawDetail } from './pane-detail.js';
import { drawEvents } from './pane-events.js';
import { drawState } from './pane-state.js';
import { GUTTER, drawTimeline, timelineRows } from './pane-timeline.js';
import { drawHelp } from './help.js';
import type { Pane, Session } from './session.js';
import { fmtShort, fmtTime } from './time-format.js';

export const MIN_WIDTH = 40;
export const MIN_HEIGHT = 12;
export const STATUS_ROWS = 2;

export interface TraceHits { session: Session; hits: Hit[] }

export interface PaneRects { timeline: Rect; events: Rect; detail: Rect; state: Rect }

/** Inner rectangles of the four panes of one trace inside r (borders included in r). */
export function traceLayout(s: Session, r: Rect): PaneRects {
  const lanes = s.timelineLaneRows(Math.max(1, r.w - 2 - GUTTER));
  const maxTl = Math.max(3, Math.floor((r.h - 2) * 0.3));
  const tlH = Math.min(timelineRows(lanes), maxTl);
  const bodyY = r.y + tlH + 2;
  const bodyH = r.y + r.h - 1 - bodyY;
  const leftW = Math.floor((r.w - 3) * 0.5);
  const ex = r.x + 1 + leftW;               // x of the vertical divider
  const rightW = r.x + r.w - 2 - ex;
  const detailH = Math.max(1, Math.floor((bodyH - 1) * 0.55));
  return {
    timeline: { x: r.x + 1, y: r.y + 1, w: r.w - 2, h: tlH },
    events: { x: r.x + 1, y: bodyY, w: leftW, h: bodyH },
    detail: { x: ex + 1, y: bodyY, w: rightW, h: detailH },
    state: { x: ex + 1, y: bodyY + detailH + 1, w: rightW, h: bodyH - detailH - 1 },
  };
}

function hline(c: Canvas, x0: number, x1: number, y: number, g: Glyphs): void {
  for (let x = x0; x <= x1; x++) c.set(x, y, g.h, Style.border);
}

function vline(c: Canvas, x: number, y0: number, y1: number, g: Glyphs): void {
  for (let y = y0; y <= y1; y++) c.set(x, y, g.v, Style.border);
}

function title(c: Canvas, x: number, y: number, text: string, focused: boolean, maxW: number): void {
  c.put(x, y, focused ? `[${text}]` : ` ${text} `, focused ? Style.titleFocused : Style.title, maxW);
}

/** Draws one trace's bordered panes into r and returns what a click on each spot does. */
export function drawTrace(c: Canvas, s: Session, r: Rect, g: Glyphs, label = ''): Hit[] {
  const p = traceLayout(s, r);
  const right = r.x + r.w - 1;
  const bottom = r.y + r.h - 1;
  const sepY = p.events.y - 1;
  const ex = p.events.x + p.events.w;
  const stY = p.state.y - 1;
  // frame
  hline(c, r.x, right, r.y, g); hline(c, r.x, right, sepY, g); hline(c, r.x, right, bottom, g);
  hline(c, ex, right, stY, g);
  vline(c, r.x, r.y, bottom, g); vline(c, right, r.y, bottom, g); vline(c, ex, sepY, bottom, g);
  c.set(r.x, r.y, g.tl, Style.border); c.set(right, r.y, g.tr, Style.border);
  c.set(r.x, bottom, g.bl, Style.border); c.set(right, bottom, g.br, Style.border);
  c.set(r.x, sepY, g.teeRight, Style.border); c.set(right, sepY, g.teeLeft, Style.border);
  c.set(ex, sepY, g.teeDown, Style.border); c.set(ex, bottom, g.teeUp, Style.border);
  c.set(ex, stY, g.teeRight, Style.border); c.set(right, stY, g.teeLeft, Style.border);
  // titles
  const { t0, span } = s.window();
  const delta = s.markDelta();
  const tl = `Timeline${label ? ` ${label}` : ''} ${fmtShort(t0)}–${fmtShort(t0 + span)} (${fmtShort(span)} wide, + - zoom)` +
    (delta ? ` ${delta.text}` : '');
  const focus = (pane: Pane) => s.focus === pane;
  title(c, r.x + 2, r.y, tl, focus('timeline'), r.w - 4);
  title(c, r.x + 2, sepY, `Events ${s.count ? `#${s.index}/${s.count}` : ''}`.trim(), focus('events'), p.events.w - 3);
  title(c, ex + 2, sepY, 'Detail', focus('detail'), p.detail.w - 3);
  title(c, ex + 2, stY, 'State', focus('state'), p.state.w - 3);
  // panes
  return [
    ...drawTimeline(c, s, p.timeline, g),
    ...drawEvents(c, s, p.events, g),
    ...drawDetail(c, s, p.detail, g),
    ...drawState(c, s, p.state, g),
  ];
}

/** Key hints under the status line of one trace (the last two are always shown, see drawStatus). */
export const STATUS_HINTS: ReadonlyArray<readonly [string, string]> = [
  ['←→', 'step'], ['g', 'go'], ['/', 'filter'], ['n', 'match'], [']', 'mode'], ['}', 'decision'],
  ['p', 'protm'], ['Enter', 'cause'], ['Bksp', 'back'], ['m', 'mark'], ['Tab', 'pane'], ['?', 'help'], ['q', 'quit'],
];

/** Hints kept at the end of the hint line whatever its width (how to get help and out). */
const KEPT_HINTS = 2;

/** The parts of a session's status line: index, time, GPU mode, filter, breakpoints, keyframes. */
export function statusParts(s: Session): string[] {
  const lanes = s.lanes();
  const parts: string[] = [];
  parts.push(s.count ? `#${s.index}/${s.count}` : 'no events');
  parts.push(fmtTime(s.timeAt(s.index)));
  parts.push(`GPU ${lanes.mode}${lanes.protectedGroup ? ` g${lanes.protectedGroup}` : ''}${lanes.pm && lanes.pm !== 'ACTIVE' ? ` PM ${lanes.pm}` : ''}`);
  parts.push(`filter ${s.filter ? s.filter.text : '-'}`);
  const bps = s.cursor.breakpoints;
  parts.push(`bp ${bps.length ? bps.map((b) => b.text).join(', ') : '-'}`);
  const [mark] = s.markList();
  if (mark !== undefined) {
    const d = s.markDelta();
    parts.push(d ? `marks ${d.text}` : `mark ${mark.letter} #${mark.index}`);
  }
  if (s.check) parts.push(`check ${s.check.total}${s.live === 'live' ? ' so far' : ''}${s.check.total ? ' (! next)' : ''}`);
  if (s.live) parts.push(s.live);
  if (!s.replayer.keyframesReady) parts.push(`keyframes ${Math.floor(s.replayer.keyframeProgress() * 100)}%`);
  return parts;
}

/**
 * The status line and the line under it (prompt, message or key hints). `over` replaces the
 * status line's parts and the hints (the diff view's own).
 */
export function drawStatus(
  c: Canvas, s: Session, r: Rect, g: Glyphs, extra = '',
  over: { parts?: string[]; hints?: ReadonlyArray<readonly [string, string]> } = {},
): void {
  const sep = ` ${g.v} `;
  const parts = over.parts ?? statusParts(s);
  if (extra) parts.push(extra);
  c.fill({ x: r.x, y: r.y, w: r.w, h: 1 }, ' ', Style.status);
  c.put(r.x, r.y, clip(` ${parts.join(sep)}`, r.w, g.ellipsis), Style.status, r.w);
  if (r.h < 2) return;
  const y = r.y + 1;
  if (s.prompt) {
    const label = s.prompt.kind === 'goto' ? 'go to (1234, #1234, 12ms; g: first event): '
      : `filter (${s.filter ? `now ${s.filter.text}; ` : ''}empty clears): `;
    const n = c.put(r.x, y, label, Style.prompt, r.w);
    c.put(r.x + n, y, `${s.prompt.text}_`, Style.normal, r.w - n);
  } else if (s.message) {
    c.put(r.x, y, clip(s.message.text, r.w, g.ellipsis), s.message.warn ? Style.warn : Style.normal, r.w);
  } else if (s.pendingKey) {
    c.put(r.x, y, s.pendingKey === 'm' ? 'm: a letter sets a mark here (Esc cancels)' : `': a mark's letter jumps to it, ' again returns (Esc cancels)`, Style.prompt, r.w);
  } else {
    // the hints that fit, then the kept ones (help, quit) even when others had to go
    const hints = over.hints ?? STATUS_HINTS;
    const width = ([k, what]: readonly [string, string]) => k.length + what.length + 3;
    const kept = hints.slice(-KEPT_HINTS);
    let room = r.w - kept.reduce((n, h) => n + width(h), 0);
    const shown = hints.slice(0, -KEPT_HINTS).filter((h) => (room -= width(h)) >= 0);
    let x = r.x;
    for (const [k, what] of [...shown, ...kept]) {
      if (x + k.length > r.x + r.w) break;
      x += c.put(x, y, k, Style.key);
      x += c.put(x, y, ` ${what}  `, Style.dim, Math.max(0, r.x + r.w - x));
    }
  }
}

/** Composes a whole screen for one trace; returns the canvas and the click map. */
export function drawScreen(s: Session, width: number, height: number, g: Glyphs): { canvas: Canvas; hits: TraceHits[] } {
  const c = new Canvas(width, height);
  if (width < MIN_WIDTH || height < MIN_HEIGHT) {
    c.put(0, 0, clip(`terminal too small (${width}x${height}); need ${MIN_WIDTH}x${MIN_HEIGHT}. q quits`, width), Style.warn);
    return { canvas: c, hits: [] };
  }
  const body: Rect = { x: 0, y: 0, w: width, h: height - STATUS_ROWS };
  const hits = drawTrace(c, s, body, g);
  drawStatus(c, s, { x: 0, y: height - STATUS_ROWS, w: width, h: STATUS_ROWS }, g);
  if (s.helpOpen) drawHelp(c, s, body, g);
  return { canvas: c, hits: [{ session: s, hits }] };
}
