/**
 * The diff view (`csftrace replay a.csft --diff b.csft`): two traces on one screen, their cursors
 * linked through the alignment of their scheduling decisions, `d`/`D` to the next/previous
 * difference, and the consequences per app and group (`v`).
 *
 *   ┌ A panthor-2026 · #307/7662 · decision 14/193 ≠ difference 1/2 · a.csft ┐   side title
 *   │ #307 200.030ms TRIGGER_PROTM_PENDING slots[…] … (RULE_FIRST_OF_HIGHEST_LIST) │   decision at the cursor
 *   ├ Timeline A … (drawTrace: timeline, events, detail, state) ──────────────┤
 *   ┌ B kbase · … ───────────────────────────────────────────────────────────┐
 *   …
 *    status: both cursors, the difference, linked or not / prompt, message or hints
 *
 * Layout by size: side by side (columns) when each side gets 80 columns, one above the other
 * (rows) when each gets ~17 rows, else "lists": each side's title, decision and events list only
 * (80×24). `z` shows the active side alone with all its panes.
 *
 * Keys go to the active side's Session (every key of the single-trace UI works there); after each
 * frame's key the other cursor follows to `linkedEvent`. Everything said about the diff comes from
 * the DiffModel (the replayer's diff, bound in backend.ts).
 */
import { basename } from 'node:path';
import { KEYFRAME_WORKER_MIN_EVENTS, type ScreenComposer } from './app.js';
import { Canvas, Style, clip, type Glyphs, type Rect, type Seg } from './canvas.js';
import type { DiffApi, DiffModel, DiffSide, ReplayApi, ReplayerLike } from './contract.js';
import { MIN_HEIGHT, MIN_WIDTH, STATUS_ROWS, drawStatus, drawTrace, type TraceHits } from './frame.js';
import { drawHelp } from './help.js';
import { drawEvents } from './pane-events.js';
import { wrap } from './pane-detail.js';
import { Session, type KeyResult } from './session.js';
import { fmtTime } from './time-format.js';

export type DiffLayout = 'columns' | 'rows' | 'lists' | 'one';

/** Width of each side from which the two traces are drawn side by side. */
export const COLUMNS_MIN_SIDE_WIDTH = 80;
/** Body rows from which the two traces are drawn one above the other with all their panes. */
export const ROWS_MIN_BODY = 34;

export const DIFF_HINTS: ReadonlyArray<readonly [string, string]> = [
  ['d D', 'difference'], ['v', 'consequences'], ['s', 'side'], ['←→', 'step'], ['}', 'decision'],
  ['l', 'link'], ['z', 'one side'], ['Bksp', 'back'], ['?', 'help'], ['q', 'quit'],
];

/** The layout for a screen of w columns and a body of h rows. */
export function chooseLayout(w: number, h: number): Exclude<DiffLayout, 'one'> {
  if (Math.floor(w / 2) >= COLUMNS_MIN_SIDE_WIDTH && h >= 20) return 'columns';
  if (h >= ROWS_MIN_BODY) return 'rows';
  return 'lists';
}

export class DiffView implements ScreenComposer {
  /** The side keys go to. */
  side: DiffSide = 'a';
  /** The other cursor follows the active one. */
  linked = true;
  /** `z`: the active side alone. */
  solo = false;
  consequencesOpen = false;
  consScroll = 0;
  /** Rows of the consequences table at the last draw (PgUp/PgDn). */
  private consRows = 10;
  model: DiffModel | undefined;
  error: string | undefined;
  /** The layout at the last draw. */
  layout: DiffLayout = 'lists';
  /** Cursor indices at the last sync (a cursor that moved since is the one the other follows). */
  private seen = { a: Number.NaN, b: Number.NaN };
  private kfBudget = 2_000;
  private started = false;
  private diffJob: { stop(): void } | undefined;
  private kfJob: { stop(): void } | undefined;
  private kfDone = false;
  /** Redraws and restarts the background loop (set by the loop: `attach`). */
  private wake: () => void = () => undefined;

  constructor(readonly a: Session, readonly b: Session, private readonly diffApi: DiffApi) {
    a.diffMark = (i) => this.mark('a', i);
    b.diffMark = (i) => this.mark('b', i);
  }

  session(side: DiffSide): Session { return side === 'a' ? this.a : this.b; }
  active(): Session { return this.session(this.side); }
  private otherSide(): DiffSide { return this.side === 'a' ? 'b' : 'a'; }

  /** Computes the diff (the UI does it in its first background slice, after the first frame). */
  compute(): void {
    if (this.model || this.error) return;
    try {
      this.model = this.diffApi.diff(this.a.trace, this.b.trace);
      // link the other cursor to the active one now
      this.seen[this.side] = Number.NaN;
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
      this.active().warn(`diff: ${this.error}`);
    }
  }

  private mark(side: DiffSide, i: number): Style | undefined {
    if (!this.model || !this.model.nav.isDifferent(side, i)) return undefined;
    return side === 'a' ? Style.diffA : Style.diffB;
  }

  /**
   * Links the cursors: when the active one moved since the last sync, the other follows it; when
   * only the other moved (a click on its list), it becomes the active side and leads.
   */
  sync(): void {
    const movedA = this.a.index !== this.seen.a;
    const movedB = this.b.index !== this.seen.b;
    const other = this.otherSide();
    if ((other === 'a' ? movedA : movedB) && !(this.side === 'a' ? movedA : movedB) && !Number.isNaN(this.seen[other])) {
      this.side = other;
    }
    if (this.linked && this.model && (movedA || movedB)) {
      const lead = this.active();
      this.session(this.otherSide()).follow(this.model.nav.linkedEvent(this.side, lead.index));
    }
    this.seen = { a: this.a.index, b: this.b.index };
  }

  // ───────────────────────────── keys ─────────────────────────────

  key(name: string): KeyResult | undefined {
    if (this.consequencesOpen) return this.consequencesKey(name);
    switch (name) {
      case 'd': case 'D': return this.difference(name === 'd' ? 1 : -1);
      case 'v':
        this.active().message = undefined;
        this.consequencesOpen = true;
        this.consScroll = 0;
        return 'redraw';
      case 's': this.switchSide(); return 'redraw';
      case 'tab': case 'S-tab':
        if (this.layout !== 'lists') return undefined;
        this.switchSide();
        return 'redraw';
      case 'l':
        this.sync();
        this.linked = !this.linked;
        this.active().say(this.linked ? 'cursors linked: the other side follows through the alignment' : 'cursors unlinked: each side moves on its own (l links again)');
        return 'redraw';
      case 'z':
        this.solo = !this.solo;
        this.active().message = undefined;
        return 'redraw';
      default: return undefined;
    }
  }

  switchSide(): void {
    this.sync();
    this.active().message = undefined;
    this.side = this.otherSide();
    const s = this.active();
    s.say(`keys go to ${this.side.toUpperCase()} (${s.trace.header.policy || basename(s.trace.path)})${this.linked ? `; ${this.otherSide().toUpperCase()} follows` : ''}`);
  }

  /** `d`/`D`: both cursors to the next/previous difference's first decision. */
  difference(dir: 1 | -1): KeyResult {
    const s = this.active();
    s.message = undefined;
    const m = this.model;
    if (!m) {
      if (this.error) s.warn(`no diff: ${this.error}`);
      else s.say('still aligning the decisions of the two traces …');
      return 'redraw';
    }
    if (!m.nav.hunkCount) { s.say('no difference in the scheduling decisions'); return 'redraw'; }
    this.sync();
    const h = dir > 0 ? m.nav.nextDifference(this.side, s.index) : m.nav.prevDifference(this.side, s.index);
    if (!h) {
      s.say(`no ${dir > 0 ? 'later' : 'earlier'} difference (${m.nav.hunkCount} in all)`);
      return 'redraw';
    }
    return {
      busy: `going to difference ${h.index + 1} …`,
      run: () => {
        const [mine, theirs] = this.side === 'a' ? [h.aEvent, h.bEvent] : [h.bEvent, h.aEvent];
        s.jumpTo(mine);
        this.session(this.otherSide()).follow(theirs);
        this.seen = { a: this.a.index, b: this.b.index };
        s.say(`difference ${h.index + 1}/${m.nav.hunkCount}: A #${this.a.index}, B #${this.b.index}  (${dir > 0 ? 'd next, D previous' : 'D previous, d next'}, Backspace returns)`);
      },
    };
  }

  private consequencesKey(name: string): KeyResult | undefined {
    const page = Math.max(1, this.consRows - 1);
    switch (name) {
      case 'v': case 'escape': this.consequencesOpen = false; return 'redraw';
      case 'up': this.consScroll = Math.max(0, this.consScroll - 1); return 'redraw';
      case 'down': this.consScroll++; return 'redraw';
      case 'pageup': this.consScroll = Math.max(0, this.consScroll - page); return 'redraw';
      case 'pagedown': case 'space': this.consScroll += page; return 'redraw';
      case 'home': this.consScroll = 0; return 'redraw';
      case 'end': this.consScroll = Number.MAX_SAFE_INTEGER; return 'redraw';
      case 'd': case 'D': this.consequencesOpen = false; return this.difference(name === 'd' ? 1 : -1);
      case 'q': case 'C-c': case '?': case 'h': return undefined;
      default: return 'ignore';
    }
  }

  // ───────────────────────────── background ─────────────────────────────

  attach(wake: () => void): void { this.wake = wake; }

  dispose(): void {
    this.diffJob?.stop();
    this.kfJob?.stop();
  }

  /**
   * The diff (in a worker thread when the DiffApi can, else here, once), then the second trace's
   * effect links, keyframes (a worker thread's too, when the ReplayApi can) and timeline columns.
   */
  background(): boolean {
    if (!this.started) {
      this.started = true;
      this.diffJob = this.diffApi.diffInBackground?.(this.a.trace, this.b.trace, (m) => {
        this.model = m;
        this.seen[this.side] = Number.NaN; // link the other cursor to the active one now
        this.wake();
      }, (message) => {
        this.error = message;
        this.active().warn(`diff: ${message}`);
        this.wake();
      }, () => this.wake());
      if (!this.b.replayer.keyframesReady && this.b.count >= KEYFRAME_WORKER_MIN_EVENTS) {
        this.kfJob = this.b.api.backgroundKeyframes?.(this.b.replayer, (done) => { if (done) this.kfDone = true; this.wake(); });
      }
      if (!this.diffJob) {
        this.compute();
        return true;
      }
    }
    const b = this.b;
    let more = false;
    if (b.effectsPending) b.resolveEffects();
    const r = b.replayer;
    const workerBuilds = this.kfJob !== undefined && !this.kfDone;
    if (!r.keyframesReady && !workerBuilds) {
      r.buildKeyframesStep(this.kfBudget);
      this.kfBudget = Math.min(this.kfBudget * 2, 50_000);
      more = !r.keyframesReady;
    }
    const k = b.sampled;
    if (b.sampleColumns(4) && (b.sampled > k || !workerBuilds)) more = true;
    return more;
  }

  // ───────────────────────────── drawing ─────────────────────────────

  /** The title of a side: label, policy, cursor, decision at the cursor and whether it differs, file. */
  sideTitle(side: DiffSide, g: Glyphs): string {
    const s = this.session(side);
    const parts = [`${side.toUpperCase()} ${s.trace.header.policy || '-'}`, s.count ? `#${s.index}/${s.count}` : 'no events'];
    const m = this.model;
    if (m) {
      const p = m.nav.decisionAt(side, s.index);
      if (p >= 0) {
        const h = m.nav.hunkOfDecision(side, p);
        parts.push(`decision ${p}/${m.decisions[side]} ${h ? `${g.diff} difference ${h.index + 1}/${m.nav.hunkCount}` : '= same'}`);
      }
    }
    parts.push(basename(s.trace.path));
    return parts.join(' · ');
  }

  /** The decision line under a side's title, wrapped to w and cut to `rows` lines. */
  decisionLines(side: DiffSide, w: number, rows: number, g: Glyphs): Seg[][] {
    const s = this.session(side);
    const m = this.model;
    let text: string;
    let style: Style = Style.normal;
    if (this.error) { text = `no diff: ${this.error}`; style = Style.warn; }
    else if (!m) { text = 'aligning the decisions of the two traces …'; style = Style.dim; }
    else {
      const p = m.nav.decisionAt(side, s.index);
      if (p < 0) { text = 'before the first scheduling decision'; style = Style.dim; }
      else {
        const at = m.nav.decisionAt(side, s.index - 1) !== p;
        text = `${at ? '' : 'last decision: '}${m.decisionText(side, p)}`;
        if (m.nav.hunkOfDecision(side, p)) style = side === 'a' ? Style.diffA : Style.diffB;
      }
    }
    const lines = wrap(text, w, 0);
    if (lines.length > rows) {
      lines.length = rows;
      const last = lines[rows - 1];
      if (last !== undefined) lines[rows - 1] = Array.from(last).slice(0, Math.max(0, w - 1)).join('') + g.ellipsis;
    }
    return lines.map((l) => [[style, l]] as Seg[]);
  }

  draw(w: number, h: number, g: Glyphs): { canvas: Canvas; hits: TraceHits[] } {
    this.sync();
    const c = new Canvas(w, h);
    if (w < MIN_WIDTH || h < MIN_HEIGHT) {
      c.put(0, 0, clip(`terminal too small (${w}x${h}); need ${MIN_WIDTH}x${MIN_HEIGHT}. q quits`, w), Style.warn);
      return { canvas: c, hits: [] };
    }
    const body: Rect = { x: 0, y: 0, w, h: h - STATUS_ROWS };
    this.layout = this.solo ? 'one' : chooseLayout(w, body.h);
    const hits: TraceHits[] = [];
    if (this.consequencesOpen) {
      this.drawConsequences(c, body, g);
    } else {
      switch (this.layout) {
        case 'one':
          hits.push(this.drawFull(c, this.side, body, g));
          break;
        case 'columns': {
          const half = Math.floor(w / 2);
          hits.push(this.drawFull(c, 'a', { x: 0, y: 0, w: half, h: body.h }, g));
          hits.push(this.drawFull(c, 'b', { x: half, y: 0, w: w - half, h: body.h }, g));
          break;
        }
        case 'rows': {
          const top = Math.ceil(body.h / 2);
          hits.push(this.drawFull(c, 'a', { x: 0, y: 0, w, h: top }, g));
          hits.push(this.drawFull(c, 'b', { x: 0, y: top, w, h: body.h - top }, g));
          break;
        }
        case 'lists':
          hits.push(...this.drawLists(c, body, g));
          break;
      }
    }
    this.drawStatusBar(c, { x: 0, y: body.h, w, h: STATUS_ROWS }, g);
    const s = this.active();
    if (s.helpOpen) drawHelp(c, s, body, g, { diff: true });
    return { canvas: c, hits };
  }

  private stripRows(w: number): number { return w >= 110 ? 2 : 3; }

  /** A box's top border with a title (focused style on the active side). */
  private topBorder(c: Canvas, r: Rect, y: number, text: string, focused: boolean, g: Glyphs, first: boolean): void {
    const right = r.x + r.w - 1;
    for (let x = r.x; x <= right; x++) c.set(x, y, g.h, Style.border);
    c.set(r.x, y, first ? g.tl : g.teeRight, Style.border);
    c.set(right, y, first ? g.tr : g.teeLeft, Style.border);
    const label = focused ? `[${text}]` : ` ${text} `;
    c.put(r.x + 2, y, clip(label, r.w - 4, g.ellipsis), focused ? Style.titleFocused : Style.title, r.w - 4);
  }

  /** Side borders and the decision lines of a side, rows y..y+n−1 inside r. */
  private decisionStrip(c: Canvas, side: DiffSide, r: Rect, y: number, n: number, g: Glyphs): void {
    const lines = this.decisionLines(side, r.w - 3, n, g);
    for (let k = 0; k < n; k++) {
      c.set(r.x, y + k, g.v, Style.border);
      c.set(r.x + r.w - 1, y + k, g.v, Style.border);
      const l = lines[k];
      if (l) c.putSegs(r.x + 2, y + k, l, r.w - 3);
    }
  }

  /** One side with all its panes: title, decision lines, then drawTrace below them. */
  private drawFull(c: Canvas, side: DiffSide, r: Rect, g: Glyphs): TraceHits {
    const s = this.session(side);
    const n = this.stripRows(r.w);
    this.topBorder(c, r, r.y, this.sideTitle(side, g), side === this.side, g, true);
    this.decisionStrip(c, side, r, r.y + 1, n, g);
    const tr: Rect = { x: r.x, y: r.y + 1 + n, w: r.w, h: r.h - 1 - n };
    const hits = drawTrace(c, s, tr, g, side.toUpperCase());
    c.set(tr.x, tr.y, g.teeRight, Style.border);
    c.set(tr.x + tr.w - 1, tr.y, g.teeLeft, Style.border);
    return { session: s, hits };
  }

  /** Both sides as title, decision lines and events list, one above the other (small screens). */
  private drawLists(c: Canvas, r: Rect, g: Glyphs): TraceHits[] {
    // fixed rows: per side a title row, its decision lines and a separator; one bottom border
    let n = this.stripRows(r.w);
    while (n > 1 && r.h - 1 - 2 * (2 + n) < 4) n--;
    const listRows = Math.max(2, r.h - 1 - 2 * (2 + n));
    const rowsA = Math.ceil(listRows / 2);
    const out: TraceHits[] = [];
    let y = r.y;
    for (const side of ['a', 'b'] as const) {
      const s = this.session(side);
      s.focus = 'events';
      this.topBorder(c, r, y, this.sideTitle(side, g), side === this.side, g, y === r.y);
      this.decisionStrip(c, side, r, y + 1, n, g);
      y += 1 + n;
      const lanes = s.lanes();
      this.topBorder(c, r, y, `Events ${fmtTime(s.timeAt(s.index))} · GPU ${lanes.mode}${lanes.protectedGroup ? ` g${lanes.protectedGroup}` : ''}`, false, g, false);
      y += 1;
      const rows = side === 'a' ? rowsA : Math.min(listRows - rowsA, r.y + r.h - 1 - y);
      for (let k = 0; k < rows; k++) {
        c.set(r.x, y + k, g.v, Style.border);
        c.set(r.x + r.w - 1, y + k, g.v, Style.border);
      }
      out.push({ session: s, hits: drawEvents(c, s, { x: r.x + 1, y, w: r.w - 2, h: rows }, g) });
      y += rows;
    }
    const bottom = r.y + r.h - 1;
    for (let x = r.x; x < r.x + r.w; x++) c.set(x, bottom, g.h, Style.border);
    c.set(r.x, bottom, g.bl, Style.border);
    c.set(r.x + r.w - 1, bottom, g.br, Style.border);
    return out;
  }

  /** The consequences view: heading lines, then the A / B / delta table (header kept on top). */
  private drawConsequences(c: Canvas, r: Rect, g: Glyphs): void {
    const m = this.model;
    const title = `Consequences · A ${this.a.trace.header.policy || '-'} vs B ${this.b.trace.header.policy || '-'} · v closes`;
    this.topBorder(c, r, r.y, title, true, g, true);
    const inner: Rect = { x: r.x + 2, y: r.y + 1, w: r.w - 3, h: r.h - 2 };
    for (let y = r.y + 1; y < r.y + r.h - 1; y++) {
      c.set(r.x, y, g.v, Style.border);
      c.set(r.x + r.w - 1, y, g.v, Style.border);
    }
    const bottom = r.y + r.h - 1;
    for (let x = r.x; x < r.x + r.w; x++) c.set(x, bottom, g.h, Style.border);
    c.set(r.x, bottom, g.bl, Style.border);
    c.set(r.x + r.w - 1, bottom, g.br, Style.border);
    if (!m) {
      c.put(inner.x, inner.y, this.error ? `no diff: ${this.error}` : 'aligning the decisions of the two traces …', this.error ? Style.warn : Style.dim, inner.w);
      return;
    }
    const { heading, header, rows, labelled } = consequencesLines(m, inner.w, g);
    let y = inner.y;
    for (const l of heading) {
      if (y >= inner.y + inner.h - 2) break;
      c.putSegs(inner.x, y++, l, inner.w);
    }
    c.putSegs(inner.x, y++, header, inner.w);
    const h = inner.y + inner.h - y;
    this.consRows = h;
    this.consScroll = Math.max(0, Math.min(this.consScroll, Math.max(0, rows.length - h)));
    for (let k = 0; k < h; k++) {
      // the first row on screen names its block even when the block starts above it
      const l = (k === 0 ? labelled : rows)[this.consScroll + k];
      if (!l) break;
      c.putSegs(inner.x, y + k, l, inner.w);
    }
    if (rows.length > h + this.consScroll) c.put(r.x + r.w - 9, bottom, ' ↓ more ', Style.titleFocused);
  }

  private drawStatusBar(c: Canvas, r: Rect, g: Glyphs): void {
    // narrow screens: the lists' separators already show each side's time and GPU mode
    const full = r.w >= 110;
    const side = (x: DiffSide): string => {
      const s = this.session(x);
      const l = s.lanes();
      const more = full ? ` ${fmtTime(s.timeAt(s.index))} GPU ${l.mode}${l.protectedGroup ? ` g${l.protectedGroup}` : ''}` : '';
      return `${x.toUpperCase()}${x === this.side ? '*' : ''} #${s.index}/${s.count}${more}`;
    };
    const parts = [side('a'), side('b')];
    const m = this.model;
    parts.push(m ? (m.nav.hunkCount ? `${m.nav.hunkCount} difference${m.nav.hunkCount === 1 ? '' : 's'}` : 'no difference') : this.error ? 'no diff' : 'aligning …');
    parts.push(this.linked ? 'linked' : 'unlinked');
    const s = this.active();
    if (s.filter) parts.push(`filter ${s.filter.text}`);
    if (s.cursor.breakpoints.length) parts.push(`bp ${s.cursor.breakpoints.map((b) => b.text).join(', ')}`);
    for (const x of ['a', 'b'] as const) {
      const rp = this.session(x).replayer;
      if (!rp.keyframesReady) parts.push(`${x.toUpperCase()} keyframes ${Math.floor(rp.keyframeProgress() * 100)}%`);
    }
    drawStatus(c, s, r, g, '', { parts, hints: this.consequencesOpen ? [['↑↓', 'scroll'], ['v', 'close'], ['d D', 'difference'], ['q', 'quit']] : DIFF_HINTS });
  }
}

/**
 * The consequences table as styled lines for width w: the heading (header differences, decision
 * counts, first divergence), the column header, and one line per row; the first column is written
 * once per block (total, app x, group y) in `rows`, on every row in `labelled`; numbers
 * right-aligned, the delta highlighted unless it is "=".
 */
export function consequencesLines(m: DiffModel, w: number, g: Glyphs): { heading: Seg[][]; header: Seg[]; rows: Seg[][]; labelled: Seg[][] } {
  const heading: Seg[][] = [];
  for (const l of m.summary) for (const part of wrap(l, w)) heading.push([[Style.normal, part]]);
  heading.push([[Style.title, m.consequences.title]]);
  const t = m.consequences;
  const ncol = t.header.length;
  // a row without numbers (e.g. "groups only in A: …") is a note: written across the columns
  const isNote = (row: readonly string[]): boolean => row.slice(2).every((x) => x === '');
  const widths = new Array<number>(ncol).fill(0);
  for (const row of [t.header, ...t.rows.filter((r) => !isNote(r))]) {
    row.forEach((cell, k) => { widths[k] = Math.max(widths[k] ?? 0, Array.from(cell).length); });
  }
  // when the screen is narrow the label column gives way first, then the metric names
  let over = widths.reduce((a, b) => a + b, 0) + 2 * (ncol - 1) - w;
  for (const k of [0, 1]) {
    if (over <= 0) break;
    const wk = widths[k] ?? 0;
    const cut = Math.min(over, Math.max(0, wk - 8));
    widths[k] = wk - cut;
    over -= cut;
  }
  const fmt = (row: readonly string[]): string => row.map((cell, k) => {
    const wk = widths[k] ?? 0;
    const x = clip(cell, wk, g.ellipsis);
    return k >= 2 ? x.padStart(wk) : x.padEnd(wk);
  }).join('  ').replace(/\s+$/, '');
  const rows: Seg[][] = [];
  const labelled: Seg[][] = [];
  const line = (row: readonly string[], label: string): Seg[] => {
    const kind = (row[0] ?? '').split(' ')[0];
    const style = kind === 'total' ? Style.heading : kind === 'app' ? Style.normal : Style.dim;
    const text = fmt([label, ...row.slice(1)]);
    const delta = row[ncol - 1];
    if (delta === undefined || delta === '=' || !text.endsWith(delta)) return [[style, text]];
    return [[style, text.slice(0, text.length - delta.length)], [Style.key, delta]];
  };
  let prev = '';
  for (const row of t.rows) {
    const label = row[0] ?? '';
    if (isNote(row)) {
      const note: Seg[] = [[Style.dim, clip(`${label}: ${row.slice(1).filter((x) => x).join(' ')}`, w, g.ellipsis)]];
      rows.push(note);
      labelled.push(note);
      prev = '';
      continue;
    }
    rows.push(line(row, label === prev ? '' : label));
    labelled.push(line(row, label));
    prev = label;
  }
  return { heading, header: [[Style.dim, fmt(t.header)]], rows, labelled };
}

/**
 * `TuiOptions.composer` for the diff view: the primary session is trace A, `other` is trace B.
 */
export function diffComposer(api: ReplayApi, diffApi: DiffApi, other: ReplayerLike): (primary: Session) => DiffView {
  return (primary) => new DiffView(primary, new Session(api, other, { deferEffects: true }), diffApi);
}
