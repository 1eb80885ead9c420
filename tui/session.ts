/**
 * The UI state of one trace on screen, and every action a key or a click can take on it.
 *
 * No terminal here: a key arrives as a name ('left', 'enter', 'g', ...), the session moves the
 * replayer's cursor, records the jump history, and keeps what the panes need (list scroll, focus,
 * tabs, prompt, message, timeline window and its sampled columns). Panes (panes/*.ts) read a
 * session and draw; the blessed driver (term.ts) only turns keys into names and cells into output.
 *
 * Facts about the trace come from the replayer through `ReplayApi` and are cached per cursor index.
 */
import type {
  CheckResult, CursorLike, EventLike, FilterLike, LaneSample, ReplayApi, ReplayerLike, StateLike, StateTable, TraceLike,
} from './contract.js';
import type { Style } from './canvas.js';
import { ZOOM_SPANS, fmtTime } from './time-format.js';

export type Pane = 'events' | 'detail' | 'state' | 'timeline';
export const PANES: readonly Pane[] = ['events', 'detail', 'state', 'timeline'];

export const STATE_TABS = ['slots & groups', 'FW interfaces', 'heaps & buffers', 'device'] as const;

export interface Prompt { kind: 'goto' | 'filter'; text: string }

/** What the driver does after a key: nothing, redraw, quit, or show `busy` and then run a slow action. */
export type KeyResult = 'ignore' | 'redraw' | 'quit' | { busy: string; run: () => void };

export interface Link { index: number; label: string; text: string }

export interface DetailModel {
  index: number;
  title: string;              // the one-line event text
  links: Link[];              // cause first (if any), then effects
  why: string[];              // decision explanation sentences
  notes: string[];            // notes attached to the event (csftrace note)
  fields: Array<[string, string]>;
  /** Effects not searched yet (they are found in the background, after the frame is drawn). */
  effectsPending: boolean;
}

export interface Message { text: string; warn: boolean }

/** A mark (`m` + letter): an event, and when it was set (the two newest give the delta readout). */
export interface Mark { letter: string; index: number; order: number }

/** A timeline lane: one CSG slot (slot ≥ 0), or a run of slots empty in the whole window (slot −1, from..to). */
/** A CSG slot's lane (slot ≥ 0), a run of empty slots (slot -1, from..to) or a display's lane (slot -2). */
export type LaneRow = { slot: number; to: number; from?: number; display?: string };

/** How many effect links the detail pane lists. */
const MAX_EFFECTS = 8;
/**
 * Events searched after the current one for its effects. Effects (acks, the mode switch after a
 * decision) follow within a few hundred events; a bounded window keeps every key cheap on huge traces.
 */
export const EFFECTS_WINDOW = 2048;

export class Session {
  readonly trace: TraceLike;
  readonly cursor: CursorLike;
  /** Events in the trace (grows while a recording is followed, see `grow`). */
  count: number;

  focus: Pane = 'events';
  /** First row of the events list; the list follows the cursor unless the wheel scrolled it. */
  listTop = 0;
  /** Rows of the events list at the last draw (PgUp/PgDn size). */
  listRows = 10;
  /** How the list should bring the cursor into view at the next draw. */
  reveal: 'near' | 'center' | undefined = 'center';
  stateTab = 0;
  stateScroll = 0;
  detailScroll = 0;
  /** Line of the detail pane under its line cursor (when it has focus). */
  detailLine = 0;
  /** The link index on each line of the detail pane at the last draw (undefined: not a link). */
  detailLinks: Array<number | undefined> = [];
  filter: FilterLike | undefined;
  /** Indices we jumped away from (Backspace returns). */
  readonly history: number[] = [];
  prompt: Prompt | undefined;
  message: Message | undefined;
  helpOpen = false;
  helpScroll = 0;
  /** The first key of a two-key command (`m` or `'`) waiting for its letter. */
  pendingKey: 'm' | "'" | undefined;
  /** Marks by letter (`m` + letter sets, `'` + letter jumps). */
  readonly marks = new Map<string, Mark>();
  private markSerial = 0;
  /** `check` findings (run in the background; again as a followed recording grows). */
  check: CheckResult | undefined;
  /** A followed recording's state for the status bar ("live", "recording closed", …). */
  live: string | undefined;

  /** Timeline spans: the 1-2-5 ladder below the whole trace, then the whole trace. */
  spans: readonly number[];
  /** Timeline zoom: index into `spans`; the window start follows the cursor. */
  zoom: number;
  /** Most CSG slots seen so far (the lanes never shrink while the user moves). */
  private maxSlots = 0;
  /** Most lane rows drawn so far: the timeline's height, which never shrinks (timelineLaneRows). */
  private maxLaneRows = 1;
  private t0 = 0;
  private samples: Array<LaneSample | undefined> = [];
  /** The columns before the trace grew, drawn until their replacements are sampled (no blank flash). */
  private stale: Array<LaneSample | undefined> = [];
  private samplesKey = '';
  private nextSample = 0;
  /** Timeline columns sampled so far (the background loop sees whether a slice made progress). */
  sampled = 0;

  private stateIdx = Number.NaN;
  private stateVal: StateLike;
  private lanesVal: LaneSample | undefined;
  private tablesVal: StateTable[] | undefined;
  private detailVal: DetailModel | undefined;
  private readonly lineCache = new Map<number, string>();
  private firstT: number;
  private lastT: number;

  /** Find effect links in the background (the UI) rather than on every move (tests, summaries). */
  deferEffects = false;

  /**
   * Diff view: the style of event i's row when it is a decision that differs from the other trace
   * (undefined: not marked). Set by the diff view; the events list shows a marker and this style.
   */
  diffMark: ((i: number) => Style | undefined) | undefined;

  constructor(readonly api: ReplayApi, readonly replayer: ReplayerLike, opts: { at?: string | undefined; deferEffects?: boolean | undefined } = {}) {
    this.deferEffects = !!opts.deferEffects;
    this.trace = replayer.trace;
    this.count = this.trace.eventCount;
    this.cursor = api.newCursor(replayer);
    this.firstT = this.count ? this.trace.timeOf(0) : 0;
    this.lastT = this.count ? this.trace.timeOf(this.count - 1) : 0;
    this.spans = zoomSpans(this.lastT - this.firstT);
    this.zoom = this.spans.length - 1;
    if (this.count && this.cursor.index < 0) this.cursor.seek(0);
    if (opts.at !== undefined && opts.at !== '') this.cursor.seek(opts.at);
  }

  get index(): number { return this.cursor.index; }

  /** True while keys go to a prompt, the help or a two-key command rather than to the view. */
  get capturing(): boolean { return !!this.prompt || this.helpOpen || this.pendingKey !== undefined; }

  /**
   * The trace grew (a recording being followed): take the new events. The cursor stays where it is,
   * unless it was on the last event: then it moves to the new last one (as `tail -f`). The timeline
   * keeps showing the whole trace when it did. Returns the number of new events.
   */
  grow(): number {
    const before = this.count;
    const n = this.trace.eventCount;
    if (n <= before) return 0;
    const atEnd = before === 0 || this.index >= before - 1;
    const whole = this.zoom === this.spans.length - 1;
    const span = this.span;
    this.count = n;
    if (before === 0) this.firstT = this.trace.timeOf(0);
    this.lastT = this.trace.timeOf(n - 1);
    this.spans = zoomSpans(this.lastT - this.firstT);
    this.zoom = whole ? this.spans.length - 1 : Math.max(0, this.spans.indexOf(span));
    this.lineCache.clear();
    this.stale = this.samples;
    if (atEnd) {
      this.cursor.seek(n - 1);
      this.reveal = 'near';
      this.moved();
    }
    return n - before;
  }

  // ───────────────────────────── cached facts at the cursor ─────────────────────────────

  /** One-line text of event i (cached: the list redraws the same rows on every key). */
  line(i: number): string {
    let s = this.lineCache.get(i);
    if (s === undefined) {
      s = this.api.formatEvent(this.trace.event(i), i);
      if (this.lineCache.size > 4096) this.lineCache.clear();
      this.lineCache.set(i, s);
    }
    return s;
  }

  event(i: number): EventLike { return this.trace.event(i); }

  timeAt(i: number): number { return i < 0 ? this.firstT : this.trace.timeOf(i); }

  state(): StateLike {
    this.refreshState();
    return this.stateVal;
  }

  lanes(): LaneSample {
    this.refreshState();
    if (!this.lanesVal) this.lanesVal = this.api.lanes(this.stateVal);
    return this.lanesVal;
  }

  tables(): StateTable[] {
    this.refreshState();
    if (!this.tablesVal) this.tablesVal = this.api.renderState(this.stateVal);
    return this.tablesVal;
  }

  /** The tables of the state pane's current tab. */
  tabTables(tab = this.stateTab): StateTable[] {
    return this.tables().filter((t) => stateTabOf(t.title) === tab);
  }

  detail(): DetailModel | undefined {
    const i = this.index;
    if (i < 0 || i >= this.count) return undefined;
    if (this.detailVal?.index === i) return this.detailVal;
    const ev = this.trace.event(i);
    const links: Link[] = [];
    const cause = this.cursor.causeOf(i);
    if (cause !== undefined && cause >= 0) links.push({ index: cause, label: 'cause', text: this.line(cause) });
    const why = ev.body.case === this.api.decisionCase ? this.api.explainDecision(ev) : [];
    this.detailVal = { index: i, title: this.line(i), links, why, notes: this.notesAt(i), fields: this.api.eventFields(ev), effectsPending: true };
    if (!this.deferEffects) this.resolveEffects();
    return this.detailVal;
  }

  private notesByIndex: Map<number, string[]> | undefined;

  /** The notes attached to event i (csftrace note), oldest first. */
  notesAt(i: number): string[] {
    if (!this.notesByIndex) {
      this.notesByIndex = new Map();
      for (const n of this.trace.notes ?? []) this.notesByIndex.set(n.eventIndex, [...(this.notesByIndex.get(n.eventIndex) ?? []), n.text]);
    }
    return this.notesByIndex.get(i) ?? [];
  }

  /** True when the detail of the current event still lacks its effect links (background work). */
  get effectsPending(): boolean { return !!this.detail()?.effectsPending; }

  /** Adds the effect links to the current event's detail. */
  resolveEffects(): void {
    const d = this.detail();
    if (!d || !d.effectsPending) return;
    d.effectsPending = false;
    const effects = this.effectsOf(d.index);
    for (const e of effects.slice(0, MAX_EFFECTS)) d.links.push({ index: e, label: 'effect', text: this.line(e) });
    if (effects.length > MAX_EFFECTS) d.links.push({ index: -1, label: 'effect', text: `… ${effects.length - MAX_EFFECTS} more` });
  }

  /**
   * Events naming i as their cause (Event.cause is the backwards distance), in the EFFECTS_WINDOW
   * events after it. Read through the trace's random access (its chunk cache) rather than
   * Cursor.effectsOf's sequential decode: on every key, a few thousand cached events cost far less
   * than decoding their chunks again.
   */
  effectsOf(i: number): number[] {
    const out: number[] = [];
    const end = Math.min(this.count, i + 1 + EFFECTS_WINDOW);
    for (let j = i + 1; j < end; j++) {
      const c = this.trace.event(j).cause;
      if (c !== 0 && j - c === i) out.push(j);
    }
    return out;
  }

  private refreshState(): void {
    if (this.stateIdx === this.index) return;
    this.stateIdx = this.index;
    this.stateVal = this.cursor.state ? this.cursor.state() : this.replayer.stateAt(this.index);
    this.lanesVal = undefined;
    this.tablesVal = undefined;
  }

  /** True when event i matches the active filter (events-only filters; state filters are not marked). */
  matches(i: number): boolean {
    const f = this.filter;
    if (!f || f.needsState) return false;
    return f.matchEvent(this.trace.event(i), i);
  }

  // ───────────────────────────── moving ─────────────────────────────

  private moved(): void {
    this.detailScroll = 0;
    this.detailLine = 0;
    this.reveal ??= 'near';
  }

  step(n: number): void {
    if (!this.count) return;
    const before = this.index;
    this.cursor.step(n);
    if (this.index < 0) this.cursor.seek(0);
    if (this.index !== before) this.moved();
  }

  /** A jump: remembered in the history so Backspace comes back. */
  jumpTo(i: number): void {
    if (!this.count || i < 0) return;
    const before = this.index;
    const target = Math.min(i, this.count - 1);
    // Decode the target's chunk once, into the trace's cache, before the cursor replays up to it.
    this.trace.event(target);
    this.cursor.seek(target);
    if (this.index !== before) {
      this.history.push(before);
      if (this.history.length > 1000) this.history.shift();
      this.reveal = 'center';
      this.moved();
    }
  }

  /**
   * Moves to i without recording a jump: a cursor linked to another one (the diff view) follows it.
   * The list recentres when i is out of view.
   */
  follow(i: number): void {
    if (!this.count) return;
    const target = Math.max(0, Math.min(i, this.count - 1));
    if (target === this.index) return;
    this.cursor.seek(target);
    this.reveal = 'near';
    if (Math.abs(target - this.listTop) > this.listRows * 2) this.reveal = 'center';
    this.moved();
  }

  back(): void {
    const i = this.history.pop();
    if (i === undefined) { this.say('jump history is empty'); return; }
    this.cursor.seek(i);
    this.reveal = 'center';
    this.moved();
  }

  goto(text: string): void {
    const before = this.index;
    try {
      this.cursor.seek(text.trim());
    } catch (e) {
      this.warn(errorText(e));
      return;
    }
    if (this.index < 0 && this.count) this.cursor.seek(0);
    const after = this.index;
    if (after !== before) {
      this.cursor.seek(before);
      this.jumpTo(after);
    }
    this.say(`at #${this.index}`);
  }

  setFilter(text: string): void {
    const t = text.trim();
    if (!t) { this.filter = undefined; this.say('filter cleared'); return; }
    try {
      this.filter = this.api.parseFilter(t);
    } catch (e) {
      this.warn(errorText(e));
      return;
    }
    this.find(this.filter, 1, `filter ${t}`);
  }

  /** Next/previous event matching f; says so when there is none. */
  find(f: FilterLike, dir: 1 | -1, what: string): void {
    const before = this.index;
    const hit = this.cursor.find(f, dir);
    const after = this.index;
    if (hit === undefined) {
      if (after !== before) this.cursor.seek(before);
      this.say(`no ${dir > 0 ? 'later' : 'earlier'} match for ${what}`);
      return;
    }
    if (after !== before) this.cursor.seek(before);
    this.jumpTo(hit);
    this.say(`${what}: #${hit}`);
  }

  toggleBreakpoint(): void {
    const f = this.filter;
    if (!f) { this.warn('no filter: press / to set one, then B makes it a breakpoint'); return; }
    const bps = this.cursor.breakpoints;
    const k = bps.findIndex((b) => b.text === f.text);
    if (k >= 0) {
      bps.splice(k, 1);
      this.say(`breakpoint removed: ${f.text}`);
    } else {
      bps.push(f);
      this.say(`breakpoint set: ${f.text}  (c/C continue)`);
    }
  }

  continueTo(dir: 1 | -1): void {
    if (!this.cursor.breakpoints.length) { this.warn('no breakpoints: / sets a filter, B makes it one'); return; }
    const before = this.index;
    const hit = this.cursor.continue(dir);
    const after = this.index;
    if (after !== before) this.cursor.seek(before);
    if (hit === undefined) { this.say(`no breakpoint hit ${dir > 0 ? 'forwards' : 'backwards'}`); return; }
    this.jumpTo(hit);
    const bp = this.cursor.breakpoints.find((b) => b.matchEvent(this.trace.event(hit), hit, b.needsState ? this.replayer.stateAt(hit) : undefined));
    this.say(`breakpoint${bp ? ` ${bp.text}` : ''} at #${hit}`);
  }

  followCause(): void {
    const i = this.index;
    if (i < 0) return;
    const c = this.cursor.causeOf(i);
    if (c === undefined || c < 0) { this.say(`#${i} has no recorded cause`); return; }
    this.jumpTo(c);
    this.say(`cause of #${i}: #${c}  (Backspace returns)`);
  }

  followLink(k: number): void {
    const d = this.detail();
    const l = d?.links[k];
    if (!l || l.index < 0) return;
    const from = this.index;
    this.jumpTo(l.index);
    this.say(`${l.label} of #${from}: #${l.index}  (Backspace returns)`);
  }

  say(text: string): void { this.message = { text, warn: false }; }
  warn(text: string): void { this.message = { text, warn: true }; }

  // ───────────────────────────── timeline ─────────────────────────────

  get span(): number { return this.spans[this.zoom]!; } // zoom is kept within spans (never empty: the whole trace is last)

  zoomBy(d: number): void {
    this.zoom = Math.max(0, Math.min(this.spans.length - 1, this.zoom + d));
    this.t0 = Number.NaN; // recentre on the cursor
  }

  /**
   * The timeline's lane rows for `cols` columns: one per CSG slot that holds a group somewhere in
   * the window (or at the cursor), and one row per run of slots that stay empty.
   */
  laneRows(cols: number): LaneRow[] {
    const samples = this.columns(cols);
    const cur = this.lanes().slots;
    let n = Math.max(this.maxSlots, cur.length);
    for (const x of samples) if (x && x.slots.length > n) n = x.slots.length;
    this.maxSlots = n;
    const used = new Array<boolean>(n).fill(false);
    cur.forEach((sl, k) => { if (sl.group) used[k] = true; });
    for (const x of samples) x?.slots.forEach((sl, k) => { if (sl.group) used[k] = true; });
    const rows: LaneRow[] = [];
    for (let k = 0; k < n; k++) {
      if (used[k]) { rows.push({ slot: k, to: k }); continue; }
      const last = rows[rows.length - 1];
      if (last && last.slot < 0 && last.to === k - 1) last.to = k;
      else rows.push({ slot: -1, from: k, to: k });
    }
    const displays = new Set<string>();
    for (const d of this.lanes().displays ?? []) displays.add(d.name);
    for (const x of samples) for (const d of x?.displays ?? []) displays.add(d.name);
    for (const name of [...displays].sort()) rows.push({ slot: -2, to: -2, display: name });
    return rows;
  }

  /**
   * How many lane rows the timeline keeps room for: the most `laneRows` has given so far. The panes
   * below it keep their size while the cursor moves to a window with fewer groups or zooms in, so a
   * page key moves by the same rows each time; it grows once, when the first window's lanes arrive.
   */
  timelineLaneRows(cols: number): number {
    this.maxLaneRows = Math.max(this.maxLaneRows, this.laneRows(cols).length);
    return this.maxLaneRows;
  }

  /** The timeline window [t0, t0 + span), moved only when the cursor leaves it. */
  window(): { t0: number; span: number } {
    const span = this.span;
    const cur = this.timeAt(this.index);
    if (span >= this.lastT - this.firstT) {
      this.t0 = this.firstT;
    } else if (!(cur >= this.t0 && cur < this.t0 + span)) {
      // Snap to a tenth of the span so small moves reuse the sampled columns.
      const grid = span / 10;
      const t = Math.floor((cur - span / 2) / grid) * grid;
      this.t0 = Math.max(this.firstT, Math.min(t, this.lastT - span + 1));
    }
    return { t0: this.t0, span };
  }

  /**
   * Lanes for `cols` columns of the current window, as drawn (undefined = not sampled yet). While a
   * followed recording's new window is being sampled, the columns from before it grew stand in.
   */
  columns(cols: number): Array<LaneSample | undefined> {
    const { t0, span } = this.window();
    const key = `${t0}|${span}|${cols}`;
    if (key !== this.samplesKey) {
      this.samplesKey = key;
      this.samples = new Array<LaneSample | undefined>(cols).fill(undefined);
      this.nextSample = 0;
      if (this.stale.length !== cols) this.stale = [];
    }
    if (!this.stale.length) return this.samples;
    if (this.nextSample >= cols) { this.stale = []; return this.samples; }
    return this.samples.map((x, k) => x ?? this.stale[k]);
  }

  /** Event index whose state column c shows: the last event before the column's end. */
  columnIndex(c: number, cols: number): number {
    const { t0, span } = this.window();
    const tEnd = t0 + ((c + 1) * span) / cols;
    return Math.min(this.count, this.trace.indexAtTime(Math.ceil(tEnd))) - 1;
  }

  /** Cursor column in the timeline, or -1 when the cursor is outside the window. */
  cursorColumn(cols: number): number {
    const { t0, span } = this.window();
    const c = Math.floor(((this.timeAt(this.index) - t0) / span) * cols);
    return c >= 0 && c < cols ? c : -1;
  }

  /**
   * Samples up to `max` more timeline columns (background work). Columns past the keyframes built
   * so far wait, so sampling never replays long stretches. Returns true while work remains.
   */
  sampleColumns(max: number): boolean {
    if (!this.samplesKey) return false;
    const cols = this.samples.length;
    const { t0, span } = this.window();
    const ready = this.replayer.keyframesReady;
    // Columns are in time order: stop at the first one past the keyframes built so far, without
    // looking up any later column (each lookup may decode a chunk).
    let frontierT = Infinity;
    if (!ready) {
      const f = Math.floor(this.replayer.keyframeProgress() * this.count) - 1;
      frontierT = f >= 0 ? this.trace.timeOf(f) : -Infinity;
    }
    let done = 0;
    for (let c = this.nextSample; c < cols && done < max; c++) {
      if (this.samples[c]) continue;
      if (t0 + ((c + 1) * span) / cols > frontierT) return true;
      this.samples[c] = this.api.lanes(this.replayer.stateAt(this.columnIndex(c, cols)));
      done++;
      this.sampled++;
    }
    while (this.nextSample < cols && this.samples[this.nextSample]) this.nextSample++;
    if (this.nextSample >= cols) this.stale = [];
    return this.nextSample < cols;
  }

  /** Jump to the event at the time of timeline column c. */
  clickColumn(c: number, cols: number): void {
    const i = Math.max(0, this.columnIndex(c, cols));
    this.jumpTo(i);
  }

  // ───────────────────────────── keys ─────────────────────────────

  /** One key (a name from term.ts: 'left', 'enter', 'S-tab', 'C-c' or the character typed). */
  key(k: string): KeyResult {
    if (k === 'C-c') return 'quit';
    if (this.prompt) return this.promptKey(k);
    if (this.helpOpen) return this.helpKey(k);
    if (this.pendingKey) return this.markKey(k);
    this.message = undefined;
    const page = Math.max(1, this.listRows - 1);
    const half = Math.max(1, Math.floor(this.listRows / 2));
    switch (k) {
      case 'q': return 'quit';
      case '?': case 'h': this.helpOpen = true; this.helpScroll = 0; return 'redraw';
      case 'left': this.step(-1); return 'redraw';
      case 'right': this.step(1); return 'redraw';
      case 'up': case 'k': return this.paneScroll(-1);
      case 'down': case 'j': return this.paneScroll(1);
      case 'pageup': case 'b': return this.paneScroll(-page);
      case 'pagedown': case 'space': return this.paneScroll(page);
      case 'C-u': return this.paneScroll(-half);
      case 'C-d': return this.paneScroll(half);
      case 'home': this.jumpTo(0); return 'redraw';
      case 'end': case 'G': this.jumpTo(this.count - 1); return 'redraw';
      case 'g': case ':': this.prompt = { kind: 'goto', text: '' }; return 'redraw';
      // a new filter, not the old one to edit: Enter on the empty prompt clears it
      case '/': this.prompt = { kind: 'filter', text: '' }; return 'redraw';
      case 'm': case "'": this.pendingKey = k; return 'redraw';
      case '!': this.nextFinding(); return 'redraw';
      case 'n': case 'N': {
        const f = this.filter;
        if (!f) { this.warn('no filter: press / to set one'); return 'redraw'; }
        const dir = k === 'n' ? 1 : -1;
        return { busy: `searching ${f.text} …`, run: () => this.find(f, dir, f.text) };
      }
      case ']': case '[': return this.findBuiltin(this.api.filters.modeSwitch, k === ']' ? 1 : -1, 'mode switch');
      case '}': case '{': return this.findBuiltin(this.api.filters.decision, k === '}' ? 1 : -1, 'scheduling decision');
      case 'p': return this.findBuiltin(this.api.filters.protectedEntry, 1, 'protected-mode entry');
      case 'B': this.toggleBreakpoint(); return 'redraw';
      case 'c': case 'C': {
        const dir = k === 'c' ? 1 : -1;
        return { busy: `running ${dir > 0 ? 'forwards' : 'backwards'} to a breakpoint …`, run: () => this.continueTo(dir) };
      }
      case 'enter':
        if (this.focus === 'detail' && this.detailLinks[this.detailLine] !== undefined) this.followLink(this.detailLinks[this.detailLine]!);
        else this.followCause();
        return 'redraw';
      case 'backspace': this.back(); return 'redraw';
      case 'tab': this.cycleFocus(1); return 'redraw';
      case 'S-tab': this.cycleFocus(-1); return 'redraw';
      case '1': case '2': case '3': case '4': this.stateTab = Number(k) - 1; this.stateScroll = 0; return 'redraw';
      case 't': this.stateTab = (this.stateTab + 1) % STATE_TABS.length; this.stateScroll = 0; return 'redraw';
      case '+': case '=': this.zoomBy(-1); return 'redraw';
      case '-': case '_': this.zoomBy(1); return 'redraw';
      case 'escape': return 'redraw';
      default: return 'ignore';
    }
  }

  private findBuiltin(text: string, dir: 1 | -1, what: string): KeyResult {
    let f: FilterLike;
    try {
      f = this.api.parseFilter(text);
    } catch (e) {
      this.warn(errorText(e));
      return 'redraw';
    }
    return { busy: `searching ${what} …`, run: () => this.find(f, dir, what) };
  }

  cycleFocus(d: number): void {
    const k = PANES.indexOf(this.focus);
    this.focus = PANES[(k + d + PANES.length) % PANES.length]!;
  }

  /** ↑/↓/PgUp/PgDn: move in the focused pane (the events list moves the cursor). */
  private paneScroll(n: number): KeyResult {
    switch (this.focus) {
      case 'events':
      case 'timeline':
        this.step(n);
        return 'redraw';
      case 'detail':
        // a line cursor: Enter on a cause/effect line follows it (the pane clamps and scrolls)
        this.detailLine = Math.max(0, this.detailLine + n);
        return 'redraw';
      case 'state':
        this.stateScroll = Math.max(0, this.stateScroll + n);
        return 'redraw';
    }
  }

  /** Mouse wheel over the events list: scrolls the list without moving the cursor. */
  wheel(pane: Pane, n: number): void {
    switch (pane) {
      case 'events': this.listTop = Math.max(0, Math.min(Math.max(0, this.count - 1), this.listTop + n)); this.reveal = undefined; break;
      case 'detail': this.detailScroll = Math.max(0, this.detailScroll + n); break;
      case 'state': this.stateScroll = Math.max(0, this.stateScroll + n); break;
      case 'timeline': this.zoomBy(n > 0 ? 1 : -1); break;
    }
  }

  /** Click on a row of the events list: that event becomes the current one. */
  clickRow(i: number): void {
    if (i < 0 || i >= this.count) return;
    this.focus = 'events';
    const before = this.index;
    this.cursor.seek(i);
    if (this.index !== before) this.moved();
    this.reveal = 'near';
  }

  private promptKey(k: string): KeyResult {
    const p = this.prompt!;
    switch (k) {
      case 'escape': this.prompt = undefined; return 'redraw';
      case 'enter': {
        this.prompt = undefined;
        if (p.kind === 'goto') {
          if (!p.text.trim()) return 'redraw';
          return { busy: `going to ${p.text} …`, run: () => this.goto(p.text) };
        }
        return { busy: `searching ${p.text} …`, run: () => this.setFilter(p.text) };
      }
      case 'backspace': p.text = p.text.slice(0, -1); return 'redraw';
      case 'g':
        // `gg` (vi, less): the first event; `g` later in the text is just a character
        if (p.kind === 'goto' && p.text === '') { this.prompt = undefined; this.jumpTo(0); return 'redraw'; }
        p.text += k;
        return 'redraw';
      default:
        if (k === 'space') k = ' ';
        if (Array.from(k).length === 1 && k >= ' ') { p.text += k; return 'redraw'; }
        return 'ignore';
    }
  }

  /** The letter after `m` (set a mark) or `'` (jump to it; `''` returns to before the last jump). */
  private markKey(k: string): KeyResult {
    const first = this.pendingKey;
    this.pendingKey = undefined;
    if (k === 'escape') return 'redraw';
    if (first === "'" && k === "'") { this.back(); return 'redraw'; }
    if (!/^[a-zA-Z]$/.test(k)) { this.warn(`${first} takes a letter (a-z, A-Z)`); return 'redraw'; }
    if (first === 'm') {
      if (!this.count) return 'redraw';
      this.marks.set(k, { letter: k, index: this.index, order: this.markSerial++ });
      this.say(`mark ${k} at #${this.index}${this.markDelta() ? `  (${this.markDelta()!.text})` : ''}`);
      return 'redraw';
    }
    const m = this.marks.get(k);
    if (!m) { this.warn(`no mark ${k}: m${k} sets it`); return 'redraw'; }
    this.jumpTo(Math.min(m.index, this.count - 1));
    this.say(`mark ${k}: #${m.index}  (Backspace returns)`);
    return 'redraw';
  }

  /** `!`: the next `check` finding after the cursor (from the first one after the last). */
  nextFinding(): void {
    const c = this.check;
    if (!c) {
      this.say(this.live ? 'check is still running …' : '! jumps between check findings while following a recording (replay --follow); csftrace check lists them');
      return;
    }
    const f = c.findings.find((x) => x.index > this.index && x.index < this.count) ?? c.findings[0];
    if (f === undefined) { this.say(`check: no finding in ${c.events} events`); return; }
    this.jumpTo(f.index);
    const k = c.findings.indexOf(f) + 1;
    this.say(`check ${k}/${c.total}: ${f.rule} ${f.name} #${f.index}: ${f.severity === 'anomaly' ? 'anomaly: ' : ''}${f.message}`);
  }

  /** Marks in the order they were set. */
  markList(): Mark[] {
    return [...this.marks.values()].sort((x, y) => x.order - y.order);
  }

  /**
   * The delta between the two marks set last, earlier one first: "a→b +1.234ms, 412 events"
   * (undefined with fewer than two marks).
   */
  markDelta(): { from: Mark; to: Mark; ns: number; events: number; text: string } | undefined {
    let [x, y] = this.markList().slice(-2);
    if (x === undefined || y === undefined) return undefined;
    if (y.index < x.index) [x, y] = [y, x];
    const ns = this.timeAt(y.index) - this.timeAt(x.index);
    const events = y.index - x.index;
    return { from: x, to: y, ns, events, text: `${x.letter}→${y.letter} +${fmtTime(ns)}, ${events} event${events === 1 ? '' : 's'}` };
  }

  private helpKey(k: string): KeyResult {
    switch (k) {
      case 'q': case '?': case 'h': case 'escape': case 'enter': this.helpOpen = false; return 'redraw';
      case 'up': case 'k': this.helpScroll = Math.max(0, this.helpScroll - 1); return 'redraw';
      case 'down': case 'j': this.helpScroll++; return 'redraw';
      case 'pageup': case 'b': case 'C-u': this.helpScroll = Math.max(0, this.helpScroll - 10); return 'redraw';
      case 'pagedown': case 'space': case 'C-d': this.helpScroll += 10; return 'redraw';
      case 'home': case 'g': this.helpScroll = 0; return 'redraw';
      case 'end': case 'G': this.helpScroll = Number.MAX_SAFE_INTEGER; return 'redraw';
      default: return 'ignore';
    }
  }
}

/** True when a start position (an index, "#1234", or a time) lies after the trace's last event. */
export function isPastEnd(at: string, s: Session): boolean {
  const m = /^\s*#?(\d+)\s*$/.exec(at);
  if (m) return Number(m[1]) > s.count - 1;
  const t = s.api.parseTime(at);
  return t !== undefined && s.count > 0 && t > s.timeAt(s.count - 1);
}

/**
 * The zoom ladder for a trace lasting `lengthNs`: 1-2-5 spans at most two thirds of it (so the
 * first `+` always narrows the window visibly), then the whole trace.
 */
export function zoomSpans(lengthNs: number): number[] {
  const full = Math.max(1, lengthNs + 1);
  return [...ZOOM_SPANS.filter((x) => x <= (full * 2) / 3), full];
}

/** The state tab a table belongs to, from its title (renderState's tables carry no tab of their own). */
export function stateTabOf(title: string): number {
  const t = title.toLowerCase();
  if (/\b(fw|firmware|interface|interfaces|glb|req|irq|doorbell|watchdog)\b/.test(t)) return 1;
  if (/(heap|buffer|dma|\bbos?\b|\bvms?\b|memory|alloc)/.test(t)) return 2;
  if (/(slot|csg|group|queue|run.?queue)/.test(t)) return 0;
  return 3;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
