/**
 * The blessed driver: the only module that touches the terminal. It owns a blessed screen, paints
 * a Canvas into the screen's cell buffer (blessed then writes only the cells that changed), and
 * turns blessed keypress and mouse events into plain key names and coordinates.
 *
 * Borders are always drawn as Unicode box characters (never the terminal's ACS alternate charset),
 * or as plain ASCII when the locale is not UTF-8, so a capture of the screen is readable text.
 */
import blessed from 'blessed';
import type { Readable, Writable } from 'node:stream';
import { ASCII_GLYPHS, Canvas, STYLE_COUNT, Style, UNICODE_GLYPHS, type Glyphs } from './canvas.js';

export interface TermOptions {
  input?: Readable;
  output?: Writable;
  /** NO_COLOR: attributes (bold, underline, inverse) only. */
  noColor: boolean;
  /** Plain ASCII borders and glyphs. */
  ascii: boolean;
  terminal?: string;
  mouse?: boolean;
}

export type MouseAction = 'click' | 'wheelup' | 'wheeldown';

const DEF = 0x1ff;
const BOLD = 1, UNDERLINE = 2, INVERSE = 8;

function attr(flags: number, fg = DEF, bg = DEF): number {
  return (flags << 18) | (fg << 9) | bg;
}

/** Style → blessed cell attribute, in colour or (NO_COLOR) with attributes only. */
export function styleAttrs(noColor: boolean): Int32Array {
  const a = new Int32Array(STYLE_COUNT).fill(attr(0));
  const set = (s: Style, flags: number, fg = DEF, bg = DEF) => { a[s] = noColor ? attr(flags) : attr(flags, fg, bg); };
  set(Style.dim, 0, 8);
  set(Style.border, 0, 8);
  set(Style.title, BOLD);
  set(Style.titleFocused, BOLD | (noColor ? INVERSE : 0), 0, 6);
  set(Style.current, INVERSE);
  set(Style.match, BOLD, 3);
  set(Style.link, UNDERLINE, 6);
  set(Style.linkSelected, UNDERLINE | INVERSE, 6);
  set(Style.key, BOLD, 6);
  set(Style.prio0, 0, 4); set(Style.prio1, 0, 2); set(Style.prio2, 0, 3); set(Style.prio3, BOLD, 1);
  // protected groups: shaded cells (the glyph shades them without colour too)
  set(Style.prot0, 0, 4, 5); set(Style.prot1, 0, 2, 5); set(Style.prot2, 0, 3, 5); set(Style.prot3, BOLD, 1, 5);
  set(Style.modeNormal, 0, 8);
  set(Style.modeProtected, BOLD, 5);
  set(Style.modeTransition, 0, 13);
  set(Style.modeReset, BOLD, 1);
  set(Style.cursorCol, INVERSE);
  set(Style.status, INVERSE);
  set(Style.warn, BOLD, 1);
  set(Style.heading, BOLD);
  set(Style.tabActive, BOLD | INVERSE);
  set(Style.prompt, BOLD, 3);
  set(Style.breakpoint, BOLD, 1);
  set(Style.diffA, BOLD, 1);
  set(Style.diffB, BOLD, 2);
  return a;
}

/** ASCII stand-ins for the few non-ASCII characters the panes use (one cell each). */
const TO_ASCII: Record<string, string> = {
  '←': '<', '→': '>', '↑': '^', '↓': 'v', '…': '~', '▶': '>', '•': '*', '–': '-', '─': '-', '│': '|',
  '▲': '^', '█': '@', '▌': '%', '▒': '#', '·': '.', '━': '=', '⌫': '<',
};

/** True when the locale says the terminal takes UTF-8. */
export function localeIsUtf8(env: NodeJS.ProcessEnv): boolean {
  const v = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  return /utf-?8/i.test(v);
}

export class Terminal {
  readonly screen: blessed.Widgets.Screen;
  readonly glyphs: Glyphs;
  private readonly attrs: Int32Array;
  private painter: ((w: number, h: number) => Canvas) | undefined;

  constructor(readonly opts: TermOptions) {
    this.glyphs = opts.ascii ? ASCII_GLYPHS : UNICODE_GLYPHS;
    this.attrs = styleAttrs(opts.noColor);
    this.screen = blessed.screen({
      input: opts.input as any,
      output: opts.output as any,
      terminal: opts.terminal,
      smartCSR: true,
      fullUnicode: false,
      forceUnicode: !opts.ascii,
      autoPadding: false,
      warnings: false,
      dockBorders: false,
      title: 'csftrace replay',
      resizeTimeout: 50,
    } as blessed.Widgets.IScreenOptions);
    // Never use the ACS alternate charset: box characters go out as UTF-8 (readable captures).
    (this.screen as any).tput.brokenACS = true;
    (this.screen as any).tput.strings.enter_alt_charset_mode = '';
    this.screen.on('prerender', () => this.paint());
    if (opts.mouse !== false) this.screen.enableMouse();
    this.screen.program.hideCursor();
  }

  get width(): number { return this.screen.width as number; }
  get height(): number { return this.screen.height as number; }

  /** The painter composes a canvas for the current size on every render. */
  setPainter(p: (w: number, h: number) => Canvas): void { this.painter = p; }

  render(): void { this.screen.render(); }

  onKey(cb: (name: string) => void): void {
    this.screen.on('keypress', (ch: string | undefined, key: { full?: string; name?: string } | undefined) => {
      const name = keyName(ch, key);
      if (name) cb(name);
    });
  }

  onMouse(cb: (action: MouseAction, x: number, y: number) => void): void {
    this.screen.on('mouse', (d: { action: string; x: number; y: number }) => {
      if (d.action === 'mousedown') cb('click', d.x, d.y);
      else if (d.action === 'wheelup' || d.action === 'wheeldown') cb(d.action, d.x, d.y);
    });
  }

  onResize(cb: () => void): void { this.screen.on('resize', cb); }

  destroy(): void {
    this.screen.program.showCursor();
    this.screen.destroy();
  }

  /** Copies the canvas into blessed's cell buffer, marking changed lines dirty. */
  private paint(): void {
    if (!this.painter) return;
    const w = this.width, h = this.height;
    const c = this.painter(w, h);
    const lines = (this.screen as any).lines as Array<Array<[number, string]> & { dirty?: boolean }>;
    const ascii = this.opts.ascii;
    for (let y = 0; y < h && y < lines.length; y++) {
      const line = lines[y];
      let dirty = false;
      for (let x = 0; x < w && x < line.length; x++) {
        const k = y * c.width + x;
        const inCanvas = x < c.width && y < c.height;
        let ch = inCanvas ? c.chars[k] : ' ';
        if (ascii && ch > '~') ch = TO_ASCII[ch] ?? '?';
        const a = inCanvas ? this.attrs[c.styles[k]] : this.attrs[0];
        const cell = line[x];
        if (cell[0] !== a || cell[1] !== ch) {
          cell[0] = a;
          cell[1] = ch;
          dirty = true;
        }
      }
      if (dirty) line.dirty = true;
    }
  }
}

const NAMED = new Set([
  'left', 'right', 'up', 'down', 'pageup', 'pagedown', 'home', 'end', 'enter', 'backspace',
  'tab', 'S-tab', 'escape', 'C-c', 'space', 'delete',
]);

/**
 * A blessed keypress as one name: 'left', 'enter', 'S-tab', 'C-c', or the character typed.
 * blessed reports a carriage return twice ('enter', then 'return'): only 'enter' counts.
 */
export function keyName(ch: string | undefined, key: { full?: string; name?: string } | undefined): string | undefined {
  const full = key?.full;
  if (full && NAMED.has(full)) {
    if (full === 'delete') return 'backspace';
    return full;
  }
  if (ch && ch.length === 1 && ch >= ' ' && ch !== '\x7f') return ch === ' ' ? 'space' : ch;
  if (ch === '\x7f' || ch === '\b') return 'backspace';
  return full === 'return' ? undefined : full;
}
