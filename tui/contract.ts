/**
 * What the TUI needs from the replayer, as narrow structural types.
 *
 * The TUI holds no domain logic: every fact it shows comes through `ReplayApi` (filters, one-line
 * event text, named fields, decision explanations, state tables, causes/effects). `backend.ts` is
 * the only module that binds these to the real `replayer/index.ts`; tests bind them to stubs, so the
 * view logic is tested without a trace, a replayer or a terminal.
 */

/** An event as the TUI sees it: time, cause distance and the family case (the rest is opaque). */
export interface EventLike {
  readonly t: number;
  readonly cause: number;
  readonly body: { readonly case: string | undefined; readonly value?: unknown };
}

export interface HeaderLike {
  readonly scenarioName: string;
  readonly policy: string;
  readonly heapPolicy: string;
  readonly seed: number;
  readonly durationNs: number;
  readonly producer: string;
  readonly modelVersion: string;
}

export interface TraceLike {
  readonly path: string;
  readonly header: HeaderLike;
  readonly eventCount: number;
  readonly notices: readonly string[];
  readonly familyCounts: readonly number[];
  readonly chunks: readonly unknown[];
  /** Notes attached to events (csftrace note), shown in the detail pane and marked in the list. */
  readonly notes?: readonly { eventIndex: number; text: string }[];
  event(i: number): EventLike;
  timeOf(i: number): number;
  /** First event with t >= tNs (eventCount if none). */
  indexAtTime(tNs: number): number;
  /** A recording still being written: reads what was appended since (eventCount grows). */
  follow?(): { events: number; closed: boolean; broken?: string };
}

/** One `check` finding, as the status bar and the `!` key use it. */
export interface FindingLike {
  readonly rule: string;
  readonly name: string;
  readonly severity: string;
  readonly index: number;
  readonly message: string;
}

/** `check` over the trace's first `events` events. */
export interface CheckResult {
  readonly events: number;
  readonly findings: readonly FindingLike[];
  /** Findings in all (more than `findings` holds when a rule reported very many). */
  readonly total: number;
}

/** `check` run off the UI thread; `run` again after the trace grew (a run in progress is followed by one more). */
export interface BackgroundCheck {
  run(): void;
  stop(): void;
}

export interface FilterLike {
  readonly text: string;
  readonly needsState: boolean;
  matchEvent(ev: unknown, index: number, state?: unknown): boolean;
}

/** Opaque replayed state (only the backend looks inside). */
export type StateLike = unknown;

export interface ReplayerLike {
  readonly trace: TraceLike;
  readonly keyframesReady: boolean;
  /** Progressive keyframe build; true when complete. */
  buildKeyframesStep(budgetEvents: number): boolean;
  keyframeProgress(): number;
  /** State after event i (i = -1: initial). */
  stateAt(i: number): StateLike;
}

export interface CursorLike {
  index: number;
  step(n: number): number;
  seek(target: string | number): number;
  find(filter: FilterLike, dir: 1 | -1): number | undefined;
  breakpoints: FilterLike[];
  continue(dir: 1 | -1): number | undefined;
  causeOf(i: number): number | undefined;
  /** Events whose cause is i, searched in the `window` events after it. */
  effectsOf(i: number, window?: number): number[];
  /** The state after the event at the cursor (kept incrementally by the cursor when it has one). */
  state?(): StateLike;
}

export interface StateTable {
  title: string;
  header: string[];
  rows: string[][];
}

/** GPU mode names the timeline band knows; anything else is drawn as unknown. */
export type ModeName = 'NORMAL' | 'PROTECTED' | 'ENTERING' | 'EXITING' | 'RESET' | 'OFF' | 'UNKNOWN';

/** One CSG slot at one instant, for the timeline lanes. */
export interface SlotSample {
  group: number;          // 0 = empty
  priority: number;       // group priority LOW 0 .. REALTIME 3
  isProtected: boolean;   // group created with DRM_PANTHOR_GROUP_CREATE_PROTECTED
  csgPriority: number;
}

/** What the timeline draws for one instant: the GPU mode and every CSG slot. */
export interface LaneSample {
  mode: ModeName;
  /** The group running in protected mode (0 = none). */
  protectedGroup: number;
  slots: SlotSample[];
  /**
   * Running totals up to the sampled instant (virtual ns in protected mode, GPU resets): the
   * difference between two columns tells whether the GPU was protected or reset in between, even
   * when neither column's own instant shows it.
   */
  protectedNs?: number;
  resets?: number;
  /** Runtime PM state without its PM_STATE_ prefix (SUSPENDED, RESUMING, ACTIVE, SUSPENDING); '' if the trace has none. */
  pm?: string;
  /** Displays of a secure pipeline: running totals of flips and missed vblanks, the last miss's reason. */
  displays?: DisplaySample[];
}

/** One KMS display of a secure pipeline at one instant (hw-model/devices/display.ts). */
export interface DisplaySample {
  name: string;
  flips: number;
  misses: number;
  /** Reason of the last missed vblank without its MISS_ prefix ('' = none yet). */
  lastMiss: string;
}

/** The replayer's public functions the TUI calls, plus the facts it reads from a state. */
export interface ReplayApi {
  parseFilter(text: string): FilterLike;
  formatEvent(ev: EventLike, index: number): string;
  eventFields(ev: EventLike): Array<[string, string]>;
  /** Sentences explaining a scheduling decision (only called for decision events). */
  explainDecision(ev: EventLike): string[];
  renderState(s: StateLike): StateTable[];
  newCursor(r: ReplayerLike): CursorLike;
  /** Virtual ns of a time text ("12.5ms", "2s"); undefined when the text is not a time. */
  parseTime(text: string): number | undefined;
  /** Index of a position text ("1234", "#1234", "12.5ms"), clamped to the trace; throws on bad text. */
  resolvePosition(trace: TraceLike, target: string): number;
  /** Slots and GPU mode of a state, for the timeline and the status bar. */
  lanes(s: StateLike): LaneSample;
  /** Filter texts (the replayer's grammar) behind the `[ ]` and `{ }` keys. */
  readonly filters: { modeSwitch: string; decision: string; protectedEntry: string };
  /** Family name of a family number (index into TraceLike.familyCounts). */
  familyName(n: number): string;
  /** Family case of an event that is a scheduling decision (for "why" sentences). */
  readonly decisionCase: string;
  /**
   * Builds the replayer's keyframes in a worker thread; the replayer adopts each batch, then
   * `progress` is called (`done`: the worker has finished; the few events after the last keyframe
   * are left to the replayer's own build). Undefined when the replayer cannot take them.
   */
  backgroundKeyframes?(r: ReplayerLike, progress: (done: boolean) => void): { stop(): void } | undefined;
  /** Starts `check` over the trace file in a worker thread; each result goes to `done`. */
  backgroundCheck?(trace: TraceLike, done: (r: CheckResult) => void, failed: (message: string) => void): BackgroundCheck;
}

// ───────────────────────────── diff view (replay a --diff b) ─────────────────────────────

export type DiffSide = 'a' | 'b';

/** A difference (hunk) with the event where it starts on each side, for seeking both cursors. */
export interface HunkLike {
  readonly index: number;
  readonly aEvent: number;
  readonly bEvent: number;
}

/** Positions across the two traces of a diff (the replayer's DiffNavigator). */
export interface DiffNavLike {
  readonly hunkCount: number;
  /** The event of the other trace shown beside event e of `side`. */
  linkedEvent(side: DiffSide, e: number): number;
  /** Ordinal of the last decision at or before event e of `side` (−1: none yet). */
  decisionAt(side: DiffSide, e: number): number;
  nextDifference(side: DiffSide, e: number): HunkLike | undefined;
  prevDifference(side: DiffSide, e: number): HunkLike | undefined;
  /** The difference containing decision p of `side`, if that decision differs. */
  hunkOfDecision(side: DiffSide, p: number): HunkLike | undefined;
  /** True when event e of `side` is a decision that differs from the other trace. */
  isDifferent(side: DiffSide, e: number): boolean;
}

/** What the diff view shows about two traces, computed once by `DiffApi.diff`. */
export interface DiffModel {
  readonly nav: DiffNavLike;
  readonly decisions: { readonly a: number; readonly b: number };
  /** Decision k of a side as one line ("#307 200.030ms TRIGGER_… (RULE_…)"), groups named by identity. */
  decisionText(side: DiffSide, k: number): string;
  /** Heading lines of the consequences view: header differences, decision counts, first divergence. */
  readonly summary: readonly string[];
  /** Consequences per total, app and group: A, B and delta columns. */
  readonly consequences: StateTable;
  /** No difference in decisions, headers or consequences. */
  readonly same: boolean;
}

export interface DiffApi {
  diff(a: TraceLike, b: TraceLike): DiffModel;
  /**
   * The diff computed in a worker thread: `done` gets the model; `changed` is called when something
   * it shows arrived later (a decision line asked for). Undefined when it cannot be (traces in memory).
   */
  diffInBackground?(
    a: TraceLike, b: TraceLike, done: (m: DiffModel) => void, failed: (message: string) => void, changed: () => void,
  ): { stop(): void } | undefined;
}
