/**
 * Detail pane: the current event in full. Its cause and effects come first as links (Tab here,
 * ↑/↓ to pick, Enter or a click to follow), then, for a scheduling decision, why it was taken
 * (the replayer's sentences), then every field by name.
 */
import { Canvas, Style, clip, type Glyphs, type Hit, type Rect, type Seg } from './canvas.js';
import type { Session } from './session.js';

interface Line { segs: Seg[]; link?: number }

/** Wraps text to width w (at spaces when possible), continuation lines indented by `indent`. */
export function wrap(text: string, w: number, indent = 2): string[] {
  if (w <= indent + 4 || !text) return [text];
  const out: string[] = [];
  let rest = text;
  let first = true;
  while (rest.length) {
    const width = first ? w : w - indent;
    if (rest.length <= width) { out.push((first ? '' : ' '.repeat(indent)) + rest); break; }
    let cut = rest.lastIndexOf(' ', width);
    if (cut < width / 2) cut = width;
    out.push((first ? '' : ' '.repeat(indent)) + rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^ +/, '');
    first = false;
  }
  return out;
}

/** The pane's lines for the current event (pure: also used by tests). */
export function detailLines(s: Session, w: number, g: Glyphs): Line[] {
  const d = s.detail();
  if (!d) return [{ segs: [[Style.dim, s.count ? 'before the first event' : 'empty trace']] }];
  const lines: Line[] = [];
  // the title is the one-line event text: at most two lines here, every field follows anyway
  const title = wrap(d.title, w);
  if (title.length > 2) title.splice(1, title.length - 1, clip(`  ${title.slice(1).map((t) => t.trim()).join(' ')}`, w, g.ellipsis));
  for (const t of title) lines.push({ segs: [[Style.heading, t]] });
  for (const n of d.notes) for (const t of wrap(`note: ${n}`, w)) lines.push({ segs: [[Style.title, t]] });
  if (!d.links.length && !d.effectsPending) lines.push({ segs: [[Style.dim, 'no recorded cause or effects']] });
  const link = (l: (typeof d.links)[number], k: number) => {
    lines.push({ segs: [[Style.dim, `${l.label.padEnd(6)} ${g.link} `], [Style.link, l.text]], link: k });
  };
  // the cause, then why (a decision's explanation is what the reader came for), then the effects
  d.links.forEach((l, k) => { if (l.label === 'cause') link(l, k); });
  if (d.why.length) {
    lines.push({ segs: [[Style.title, 'why:']] });
    for (const sentence of d.why) {
      for (const t of wrap(`${g.bullet} ${sentence}`, w - 1)) lines.push({ segs: [[Style.normal, ` ${t}`]] });
    }
  }
  d.links.forEach((l, k) => { if (l.label !== 'cause') link(l, k); });
  if (d.effectsPending) lines.push({ segs: [[Style.dim, `effect ${g.link} (searching…)`]] });
  lines.push({ segs: [[Style.title, 'fields:']] });
  // names in a column as wide as most of them; a longer name gets its value on the next line
  const kw = Math.min(Math.max(12, Math.floor(w / 2)), Math.max(6, ...d.fields.map(([k]) => k.length)) + 1);
  for (const [k, v] of d.fields) {
    const vs = wrap(v, Math.max(8, w - kw - 1), 0);
    if (k.length >= kw) lines.push({ segs: [[Style.dim, ` ${k}`]] });
    vs.forEach((part, n) => lines.push({ segs: [[Style.dim, ` ${(n || k.length >= kw ? '' : k).padEnd(kw)}`], [Style.normal, part]] }));
  }
  return lines;
}

export function drawDetail(c: Canvas, s: Session, r: Rect, g: Glyphs): Hit[] {
  const hits: Hit[] = [{ kind: 'pane', rect: r, pane: 'detail' }];
  const lines = detailLines(s, r.w, g);
  s.detailLinks = lines.map((l) => l.link);
  const focused = s.focus === 'detail';
  if (focused) {
    // keep the line cursor on a line and in view
    s.detailLine = Math.min(s.detailLine, lines.length - 1);
    if (s.detailLine < s.detailScroll) s.detailScroll = s.detailLine;
    if (s.detailLine >= s.detailScroll + r.h) s.detailScroll = s.detailLine - r.h + 1;
  }
  s.detailScroll = Math.max(0, Math.min(s.detailScroll, Math.max(0, lines.length - r.h)));
  for (let row = 0; row < r.h; row++) {
    const l = lines[s.detailScroll + row];
    if (!l) break;
    const y = r.y + row;
    const segs = l.segs.map(([st, t]) => [st, t] as Seg);
    const total = segs.reduce((n, [, t]) => n + Array.from(t).length, 0);
    const last = segs.at(-1);
    if (total > r.w && last !== undefined) {
      const before = total - Array.from(last[1]).length;
      last[1] = clip(last[1], Math.max(1, r.w - before), g.ellipsis);
    }
    c.putSegs(r.x, y, segs, r.w);
    if (focused && s.detailScroll + row === s.detailLine) c.restyle(r.x, y, r.w, l.link !== undefined ? Style.linkSelected : Style.current);
    if (l.link !== undefined) hits.push({ kind: 'link', rect: { x: r.x, y, w: r.w, h: 1 }, link: l.link });
  }
  if (lines.length > r.h + s.detailScroll) c.put(r.x + r.w - 1, r.y + r.h - 1, '+', Style.dim);
  return hits;
}
