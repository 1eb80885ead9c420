/**
 * Events pane: a virtualised list of one-line events. Only the visible rows are formatted (the
 * session caches their text), so a 10M-event trace costs the same as a small one. The current
 * event is marked and highlighted; rows matching the active filter carry a marker, and in the diff
 * view decisions that differ from the other trace carry one too.
 */
import { Canvas, Style, clip, type Glyphs, type Hit, type Rect } from './canvas.js';
import type { Session } from './session.js';

/** Brings the cursor into view as the session asks ('near': minimal scroll, 'center' on jumps). */
export function resolveListTop(s: Session, rows: number): number {
  const i = Math.max(0, s.index);
  const maxTop = Math.max(0, s.count - rows);
  let top = Math.min(s.listTop, maxTop);
  const visible = i >= top && i < top + rows;
  if (s.reveal === 'center' && !visible) top = i - Math.floor(rows / 2);
  else if (s.reveal === 'near' && !visible) top = i < top ? i : i - rows + 1;
  else if (s.reveal === 'center' && visible && (i - top < 2 || top + rows - 1 - i < 2) && rows > 6) top = i - Math.floor(rows / 2);
  top = Math.max(0, Math.min(top, maxTop));
  return top;
}

export function drawEvents(c: Canvas, s: Session, r: Rect, g: Glyphs): Hit[] {
  const hits: Hit[] = [{ kind: 'pane', rect: r, pane: 'events' }];
  s.listRows = r.h;
  if (s.reveal) {
    s.listTop = resolveListTop(s, r.h);
    s.reveal = undefined;
  }
  if (!s.count) {
    c.put(r.x + 1, r.y, '(no events)', Style.dim, r.w - 1);
    return hits;
  }
  for (let row = 0; row < r.h; row++) {
    const i = s.listTop + row;
    if (i >= s.count) break;
    const y = r.y + row;
    const current = i === s.index;
    const diff = s.diffMark?.(i);
    // a row with a note (csftrace note) carries '*' unless a stronger marker applies
    const marker = current ? g.current : s.matches(i) ? g.match : diff !== undefined ? g.diff : s.notesAt(i).length ? '*' : ' ';
    c.put(r.x, y, marker, current ? Style.current : diff !== undefined && !s.matches(i) ? diff : Style.match, 1);
    const text = clip(s.line(i), r.w - 1, g.ellipsis);
    c.put(r.x + 1, y, text, current ? Style.current : diff ?? familyStyle(s.event(i).body.case), r.w - 1);
    if (current) c.restyle(r.x, y, r.w, Style.current);
    hits.push({ kind: 'row', rect: { x: r.x, y, w: r.w, h: 1 }, index: i });
  }
  return hits;
}

function familyStyle(family: string | undefined): Style {
  switch (family) {
    case 'decision': return Style.heading;
    case 'modeSwitch': return Style.modeProtected;
    case 'fault': case 'reset': case 'watchdog': case 'pm': return Style.warn;
    case 'log': case 'doorbell': case 'mmu': return Style.dim;
    default: return Style.normal;
  }
}
