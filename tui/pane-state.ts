/**
 * State pane: the replayed state at the cursor, as the replayer's tables, in four tabs
 * (slots & groups, FW interfaces, heaps & buffers, device). Keys 1-4 or t switch tabs.
 */
import { Canvas, Style, clip, type Glyphs, type Hit, type Rect, type Seg } from './canvas.js';
import type { StateTable } from './contract.js';
import { STATE_TABS, type Session } from './session.js';

const SHORT_TABS = ['slots', 'FW', 'heaps', 'device'];

/** Tables as aligned text lines: a title, a header and rows, columns as wide as their content. */
export function tableLines(tables: readonly StateTable[], w: number, g: Glyphs): Seg[][] {
  const out: Seg[][] = [];
  for (const t of tables) {
    out.push([[Style.title, `${t.title}${t.rows.length ? '' : ' (none)'}`]]);
    if (!t.rows.length) continue;
    const ncol = Math.max(t.header.length, ...t.rows.map((r) => r.length));
    const widths = new Array<number>(ncol).fill(0);
    for (const row of [t.header, ...t.rows]) row.forEach((cell, k) => { widths[k] = Math.max(widths[k] ?? 0, Array.from(cell).length); });
    // cap wide columns so the others stay visible (the last one just runs to the edge)
    for (let k = 0; k < ncol - 1; k++) widths[k] = Math.min(widths[k] ?? 0, Math.max(8, Math.floor(w / 2)));
    const fmt = (row: string[]) => row.map((cell, k) => clip(cell, widths[k] ?? 0, g.ellipsis).padEnd(widths[k] ?? 0)).join(' ').replace(/\s+$/, '');
    if (t.header.length) out.push([[Style.dim, ` ${fmt(t.header)}`]]);
    for (const row of t.rows) out.push([[Style.normal, ` ${fmt(row)}`]]);
  }
  return out;
}

/** First line of the slots tab: the GPU mode and the protected group, if any. */
function modeLine(s: Session): Seg[] {
  const l = s.lanes();
  const slot = l.protectedGroup ? l.slots.findIndex((x) => x.group === l.protectedGroup) : -1;
  const segs: Seg[] = [[Style.dim, 'GPU '], [l.mode === 'PROTECTED' ? Style.modeProtected : Style.heading, l.mode]];
  if (l.protectedGroup) segs.push([Style.normal, `, protected g${l.protectedGroup}${slot >= 0 ? ` on CSG${slot}` : ''}`]);
  else segs.push([Style.dim, ', no protected group']);
  // Runtime PM, when the trace has it and the device is not simply active.
  if (l.pm && l.pm !== 'ACTIVE') segs.push([Style.warn, `, runtime PM ${l.pm}`]);
  return segs;
}

export function drawState(c: Canvas, s: Session, r: Rect, g: Glyphs): Hit[] {
  const hits: Hit[] = [{ kind: 'pane', rect: r, pane: 'state' }];
  if (r.h < 1) return hits;
  // tab bar
  const long = STATE_TABS.map((t, k) => `${k + 1} ${t}`).join('   ').length + 8 <= r.w;
  let x = r.x;
  STATE_TABS.forEach((t, k) => {
    const label = `${k + 1} ${long ? t : SHORT_TABS[k]}`;
    const active = k === s.stateTab;
    const text = active ? `[${label}]` : ` ${label} `;
    const n = c.put(x, r.y, text, active ? Style.tabActive : Style.dim, r.x + r.w - x);
    hits.push({ kind: 'tab', rect: { x, y: r.y, w: n, h: 1 }, tab: k });
    x += n + 1;
  });
  const lines = tableLines(s.tabTables(), r.w - 1, g);
  if (s.stateTab === 0) lines.unshift(modeLine(s));
  const h = r.h - 1;
  s.stateScroll = Math.max(0, Math.min(s.stateScroll, Math.max(0, lines.length - h)));
  if (!lines.length) c.put(r.x, r.y + 1, '(nothing in this tab)', Style.dim, r.w);
  for (let row = 0; row < h; row++) {
    const l = lines[s.stateScroll + row];
    if (!l) break;
    c.putSegs(r.x, r.y + 1 + row, l.map(([st, t]) => [st, clip(t, r.w, g.ellipsis)] as Seg), r.w);
  }
  if (lines.length > h + s.stateScroll) c.put(r.x + r.w - 1, r.y + r.h - 1, '+', Style.dim);
  return hits;
}
