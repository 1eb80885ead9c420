/**
 * A character grid with one semantic style per cell: what every pane draws into. The terminal
 * driver (term.ts) maps styles to blessed attributes; tests read the grid as plain text, which is
 * exactly what a terminal capture of the screen shows.
 */

/** Semantic cell styles (mapped to colours/attributes by the driver, to attributes only under NO_COLOR). */
export const Style = {
  normal: 0,
  dim: 1,
  border: 2,
  title: 3,
  titleFocused: 4,
  current: 5,        // the current event row
  match: 6,          // an event matching the active filter
  link: 7,
  linkSelected: 8,
  key: 9,            // key names in hints and help
  prio0: 10,         // group priority LOW
  prio1: 11,         // MEDIUM
  prio2: 12,         // HIGH
  prio3: 13,         // REALTIME
  prot0: 14,         // the same on a protected group (shaded)
  prot1: 15,
  prot2: 16,
  prot3: 17,
  modeNormal: 18,
  modeProtected: 19,
  modeTransition: 20,
  modeReset: 21,
  cursorCol: 22,     // the cursor's column in the timeline
  status: 23,
  warn: 24,
  heading: 25,
  tabActive: 26,
  prompt: 27,
  breakpoint: 28,
  diffA: 29,         // a decision of trace A that differs from B (diff view; red like `csftrace diff`'s -)
  diffB: 30,         // the same in trace B (green, +)
} as const;
export type Style = (typeof Style)[keyof typeof Style];
export const STYLE_COUNT = 31;

/** Border and shading glyphs: Unicode box drawing, or plain ASCII for terminals without UTF-8. */
export interface Glyphs {
  h: string; v: string;
  tl: string; tr: string; bl: string; br: string;
  teeDown: string; teeUp: string; teeRight: string; teeLeft: string; cross: string;
  shade: string;      // protected group cell
  full: string;       // protected mode band
  half: string;       // entering/exiting band
  laneEmpty: string;
  laneRun: string;    // a normal group's run after its label
  cursor: string;     // cursor marker on the time axis
  ellipsis: string;
  link: string;
  current: string;    // marker of the current event row
  match: string;      // marker of a row matching the filter
  bullet: string;
  diff: string;       // marker of a decision that differs from the other trace (diff view)
}

export const UNICODE_GLYPHS: Glyphs = {
  h: '─', v: '│', tl: '┌', tr: '┐', bl: '└', br: '┘',
  teeDown: '┬', teeUp: '┴', teeRight: '├', teeLeft: '┤', cross: '┼',
  shade: '▒', full: '█', half: '▌', laneEmpty: '·', laneRun: '━', cursor: '▲', ellipsis: '…', link: '→',
  current: '▶', match: '•', bullet: '•', diff: '≠',
};

export const ASCII_GLYPHS: Glyphs = {
  h: '-', v: '|', tl: '+', tr: '+', bl: '+', br: '+',
  teeDown: '+', teeUp: '+', teeRight: '+', teeLeft: '+', cross: '+',
  shade: '#', full: '@', half: '%', laneEmpty: '.', laneRun: '=', cursor: '^', ellipsis: '~', link: '>',
  current: '>', match: '*', bullet: '-', diff: '!',
};

export interface Rect { x: number; y: number; w: number; h: number }

export function inRect(r: Rect, x: number, y: number): boolean {
  return x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h;
}

/** A segment of styled text. */
export type Seg = [style: Style, text: string];

const CONTROL = /^[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]$/;

export class Canvas {
  readonly chars: string[];
  readonly styles: Uint8Array;

  constructor(readonly width: number, readonly height: number) {
    this.chars = new Array<string>(width * height).fill(' ');
    this.styles = new Uint8Array(width * height);
  }

  /** Writes text at (x, y), clipped to `maxW` cells and to the canvas; returns the cells written. */
  put(x: number, y: number, text: string, style: Style = Style.normal, maxW = Infinity): number {
    if (y < 0 || y >= this.height) return 0;
    const limit = Math.min(this.width - x, maxW);
    let n = 0;
    for (const ch of text) {
      if (n >= limit) break;
      if (x + n >= 0) {
        const k = y * this.width + x + n;
        // a control character from a trace (ESC, BEL, C1, a bidi override) is never sent to the terminal
        this.chars[k] = CONTROL.test(ch) ? '?' : ch;
        this.styles[k] = style;
      }
      n++;
    }
    return n;
  }

  /** Writes segments left to right within width w; returns the cells written. */
  putSegs(x: number, y: number, segs: readonly Seg[], w: number): number {
    let n = 0;
    for (const [style, text] of segs) {
      if (n >= w) break;
      n += this.put(x + n, y, text, style, w - n);
    }
    return n;
  }

  fill(r: Rect, ch: string, style: Style = Style.normal): void {
    for (let y = r.y; y < r.y + r.h; y++) {
      for (let x = r.x; x < r.x + r.w; x++) this.set(x, y, ch, style);
    }
  }

  /** Restyles cells without changing their characters (e.g. the current row). */
  restyle(x: number, y: number, w: number, style: Style): void {
    if (y < 0 || y >= this.height) return;
    for (let i = Math.max(0, x); i < Math.min(this.width, x + w); i++) this.styles[y * this.width + i] = style;
  }

  set(x: number, y: number, ch: string, style: Style = Style.normal): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const k = y * this.width + x;
    this.chars[k] = ch;
    this.styles[k] = style;
  }

  /** The character at (x, y); past the canvas, a blank (as set() leaves it). */
  charAt(x: number, y: number): string { return this.chars[y * this.width + x] ?? ' '; }
  styleAt(x: number, y: number): Style { return this.styles[y * this.width + x] as Style; }

  /** The grid as text lines (trailing spaces trimmed), as `tmux capture-pane -p` would show it. */
  toText(): string {
    const out: string[] = [];
    for (let y = 0; y < this.height; y++) out.push(this.line(y).replace(/\s+$/, ''));
    return out.join('\n');
  }

  line(y: number): string {
    return this.chars.slice(y * this.width, (y + 1) * this.width).join('');
  }
}

/** Pads or cuts text to exactly w cells (cut text ends with an ellipsis). */
export function fit(text: string, w: number, ellipsis = '…'): string {
  if (w <= 0) return '';
  const chars = Array.from(text);
  if (chars.length > w) return chars.slice(0, Math.max(0, w - 1)).join('') + ellipsis;
  return text + ' '.repeat(w - chars.length);
}

/** Cuts text to at most w cells (with an ellipsis), no padding. */
export function clip(text: string, w: number, ellipsis = '…'): string {
  if (w <= 0) return '';
  const chars = Array.from(text);
  return chars.length > w ? chars.slice(0, Math.max(0, w - 1)).join('') + ellipsis : text;
}

/** A clickable area of the screen and what a click there does. */
export type Hit =
  | { kind: 'row'; rect: Rect; index: number }
  | { kind: 'link'; rect: Rect; link: number }
  | { kind: 'tab'; rect: Rect; tab: number }
  | { kind: 'column'; rect: Rect; column: number; columns: number }
  | { kind: 'pane'; rect: Rect; pane: 'events' | 'detail' | 'state' | 'timeline' };
