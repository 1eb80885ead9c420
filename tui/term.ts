/**
 * The blessed driver: the only module that touches the terminal. It owns a blessed screen, paints
 * a Canvas into the screen's cell buffer (blessed then writes only the cells that changed), and
 * turns blessed keypress and mouse events into plain key names and coordinates.
 *
 * Borders are always drawn as Unicode box characters (never the terminal's ACS alternate charset),
 * or as plain ASCII when the locale is not UTF-8, so a capture of the screen is readable text.
 */
import blessed from 'blessed';
import { spawnSync } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { ASCII_GLYPHS, Canvas, STYLE_COUNT, Style, UNICODE_GLYPHS, type Glyphs } from './canvas.js';

export interface TermOptions {
  input?: Readable | undefined;
  output?: Writable | undefined;
  /** NO_COLOR: attributes (bold, underline, inverse) only. */
  noColor: boolean;
  /** Plain ASCII borders and glyphs. */
  ascii: boolean;
  terminal?: string | undefined;
  mouse?: boolean | undefined;
  /** Colours the terminal shows (detectColors); default: detected from the environment. */
  colors?: number | undefined;
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

/**
 * Terminal families that show the 16 ANSI colours (SGR 90–97 included) whatever their terminfo
 * entry says: plain `xterm`'s entry claims 8, and blessed cannot read the newer `tmux-256color` and
 * `screen-256color` entries nor find `alacritty` or `xterm-kitty`, so it falls back to 8 colours and
 * draws dim text (colour 8, SGR 90) as black (SGR 30).
 */
const SIXTEEN_COLOUR_FAMILIES = /^(xterm|tmux|screen|rxvt|alacritty|kitty|xterm-kitty|foot|wezterm|vte|gnome|konsole|st|putty|iterm|contour|ghostty|linux)([-.+]|$)/;

/** Colours of the terminal named by TERM, from `tput colors` (undefined when tput does not know it). */
export function tputColors(term: string): number | undefined {
  if (!term) return undefined;
  try {
    const r = spawnSync('tput', ['colors'], { env: { ...process.env, TERM: term }, encoding: 'utf8', timeout: 1000 });
    const n = r.status === 0 ? Number(r.stdout.trim()) : Number.NaN;
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How many colours to draw with: 256 when COLORTERM says truecolor/24bit or TERM names 256 colours,
 * else the larger of `tput colors` and 16 for a known terminal family, else 8 (0 for `dumb`).
 */
export function detectColors(env: NodeJS.ProcessEnv, tput: (term: string) => number | undefined = tputColors): number {
  const term = env.TERM ?? '';
  if (term === 'dumb') return 0;
  const ct = (env.COLORTERM ?? '').toLowerCase();
  if (ct === 'truecolor' || ct === '24bit' || /256col/.test(term)) return 256;
  const fromTput = tput(term) ?? 0;
  const fromName = SIXTEEN_COLOUR_FAMILIES.test(term) ? 16 : 8;
  return Math.min(256, Math.max(fromTput, fromName));
}

/**
 * The terminfo name blessed is given: blessed parses the xterm entries well but not the newer
 * tmux/screen ones (it prints a compile error and falls back to 8-colour xterm), and it does not
 * know alacritty or kitty. These all take xterm's sequences.
 */
export function blessedTerminal(term: string | undefined, colors: number): string | undefined {
  if (term === undefined || term === '') return undefined;
  if (/^(tmux|screen|alacritty|xterm-kitty|kitty|foot|wezterm)([-.+]|$)/.test(term)) return colors >= 256 ? 'xterm-256color' : 'xterm';
  return term;
}

/** True when the locale says the terminal takes UTF-8. */
export function localeIsUtf8(env: NodeJS.ProcessEnv): boolean {
  const v = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  return /utf-?8/i.test(v);
}

/** The parts of blessed's screen that its type definitions leave out. */
interface BlessedInternals {
  tput: { colors?: number; brokenACS: boolean; strings: Record<string, string> };
  lines: Array<Array<[number, string]> & { dirty?: boolean }>;
}

export class Terminal {
  readonly screen: blessed.Widgets.Screen;
  readonly glyphs: Glyphs;
  private readonly attrs: Int32Array;
  private painter: ((w: number, h: number) => Canvas) | undefined;

  constructor(readonly opts: TermOptions) {
    this.glyphs = opts.ascii ? ASCII_GLYPHS : UNICODE_GLYPHS;
    this.attrs = styleAttrs(opts.noColor);
    const term = opts.terminal ?? process.env.TERM;
    const colors = opts.colors ?? detectColors({ ...process.env, TERM: term });
    this.screen = blessed.screen({
      input: opts.input as blessed.Widgets.IScreenOptions['input'],
      output: opts.output as blessed.Widgets.IScreenOptions['output'],
      terminal: blessedTerminal(term, colors),
      smartCSR: true,
      fullUnicode: false,
      forceUnicode: !opts.ascii,
      autoPadding: false,
      warnings: false,
      dockBorders: false,
      title: 'csftrace replay',
      resizeTimeout: 50,
    } as blessed.Widgets.IScreenOptions);
    // blessed reduces colours to its terminfo's count: give it the detected one (dim = SGR 90)
    const tput = (this.screen as unknown as BlessedInternals).tput;
    tput.colors = Math.max(colors, tput.colors ?? 0);
    // Never use the ACS alternate charset: box characters go out as UTF-8 (readable captures).
    tput.brokenACS = true;
    tput.strings.enter_alt_charset_mode = '';
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
    const lines = (this.screen as unknown as BlessedInternals).lines;
    const ascii = this.opts.ascii;
    // every index below is bounded by its loop or by inCanvas; attrs has an entry per Style
    for (let y = 0; y < h && y < lines.length; y++) {
      const line = lines[y]!;
      let dirty = false;
      for (let x = 0; x < w && x < line.length; x++) {
        const k = y * c.width + x;
        const inCanvas = x < c.width && y < c.height;
        let ch = inCanvas ? c.chars[k]! : ' ';
        if (ascii && ch > '~') ch = TO_ASCII[ch] ?? '?';
        const a = inCanvas ? this.attrs[c.styles[k]!]! : this.attrs[0]!;
        const cell = line[x]!;
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
