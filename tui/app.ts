/**
 * The interactive loop: one Session on a blessed Terminal.
 *
 *   key / click ──► Session (moves the cursor) ──► drawScreen (Canvas) ──► Terminal.paint ──► tty
 *   idle slices ──► Replayer.buildKeyframesStep + Session.sampleColumns (timeline) ──► status redraw
 *
 * The first screen is drawn before any keyframe exists; keyframes and timeline columns are built
 * in slices of a few milliseconds between keys, with the progress in the status bar.
 */
import { performance } from 'node:perf_hooks';
import type { Readable, Writable } from 'node:stream';
import type { Canvas, Glyphs, Hit } from './canvas.js';
import { inRect } from './canvas.js';
import type { ReplayApi, ReplayerLike } from './contract.js';
import { drawScreen, type TraceHits } from './frame.js';
import { Session, isPastEnd, type KeyResult } from './session.js';
import { Terminal, detectColors, localeIsUtf8, type MouseAction } from './term.js';

export interface TuiOptions {
  api: ReplayApi;
  replayer: ReplayerLike;
  /** Start position: an index or a time text ("12ms"), as `g` takes it. */
  at?: string | undefined;
  input?: Readable | undefined;
  output?: Writable | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  terminal?: string | undefined;
  /** Slice of background work between keys, in ms (default 5; one timeline sample may overrun it). */
  sliceMs?: number | undefined;
  /** Another screen composition (e.g. two traces side by side); default: one trace. */
  composer?: ((primary: Session) => ScreenComposer) | undefined;
  /**
   * Follow a recording still being written: read what it appends every `pollMs` (default 200),
   * run `check` again as it grows, and say in the status bar when it closes or stops.
   */
  follow?: FollowOptions | undefined;
}

export interface FollowOptions {
  pollMs?: number;
  /**
   * Whether the writer is gone without closing the file (killed): asked once the file has been
   * quiet for a second; undefined when it cannot be known.
   */
  writerGone?: () => boolean | undefined;
}

/**
 * How the screen is composed, for views beyond one trace (the diff view draws two sessions with
 * `drawTrace` and routes its own keys). The loop calls `draw` on every frame, offers each key to
 * `key` first, sends the rest to `active()`, and runs `background` in the idle slices.
 */
export interface ScreenComposer {
  draw(w: number, h: number, g: Glyphs): { canvas: Canvas; hits: TraceHits[] };
  /** A key this view handles itself (undefined: not handled, the active session gets it). */
  key?(name: string): KeyResult | undefined;
  /** The session keys go to (default: the primary). */
  active?(): Session;
  /** One slice of extra background work (e.g. the second trace's keyframes); true while some remains. */
  background?(): boolean;
  /** Gives the view a way to redraw and restart the background loop (work done in other threads). */
  attach?(wake: () => void): void;
  /** The UI is closing: stop what runs in other threads. */
  dispose?(): void;
}

/** A running UI; `done` settles when the user quits. */
export interface TuiHandle {
  readonly session: Session;
  readonly term: Terminal;
  readonly done: Promise<void>;
  /** Feeds one key name as if typed (benchmarks, tests). */
  key(name: string): void;
  quit(): void;
  /** True while a slow action (search, seek) runs. */
  readonly busy: boolean;
  /** True when no background work (keyframes, timeline columns, effect links) is pending. */
  readonly idle: boolean;
  /** Frames drawn as the result of a key or a click, and when the last one was drawn (benchmarks). */
  readonly keyFrames: number;
  readonly lastKeyFrameAt: number;
}

/**
 * Traces from this many events get their keyframes from a worker thread: below it the UI builds
 * them in its idle slices within a second, sooner than a worker starts and opens the file.
 */
export const KEYFRAME_WORKER_MIN_EVENTS = 100_000;

export function startTui(opts: TuiOptions): TuiHandle {
  const session = new Session(opts.api, opts.replayer, { deferEffects: true });
  const start = startPosition(opts, session);
  let pendingAt = start.pendingAt;
  const startIndex = session.index;
  const term = openTerminal(opts, opts.env ?? process.env);
  let hits: TraceHits[] = [];
  const composer: ScreenComposer = opts.composer?.(session) ?? { draw: (w, h, g) => drawScreen(session, w, h, g) };
  const active = () => composer.active?.() ?? session;
  term.setPainter((w, h) => {
    const f = composer.draw(w, h, term.glyphs);
    hits = f.hits;
    return f.canvas;
  });

  let resolveDone!: () => void;
  const done = new Promise<void>((res) => { resolveDone = res; });
  let finished = false;
  let busy = false;
  const queued: string[] = [];
  const sliceMs = opts.sliceMs ?? 5;

  let keyFrames = 0, lastKeyFrameAt = 0;
  /** Draws the frame that shows the result of a key. */
  const keyFrame = () => {
    lastKeyFrameAt = performance.now();
    keyFrames++;
    term.render();
  };

  const quit = () => {
    if (finished) return;
    finished = true;
    stopFollow();
    kfWorker?.stop();
    composer.dispose?.();
    term.destroy();
    resolveDone();
  };

  const apply = (r: KeyResult) => {
    if (r === 'quit') { quit(); return; }
    if (r === 'ignore') return;
    if (r === 'redraw') { keyFrame(); kick(); return; }
    // a slow action: show what is happening, then run it on the next turn
    busy = true;
    const target = active();
    target.say(r.busy);
    term.render();
    setImmediate(() => {
      try {
        r.run();
      } catch (e) {
        target.warn(e instanceof Error ? e.message : String(e));
      }
      busy = false;
      if (finished) return;
      keyFrame();
      kick();
      while (queued.length && !busy && !finished) onKey(queued.shift()!);
    });
  };

  const onKey = (name: string) => {
    if (finished) return;
    if (busy) { if (name === 'C-c') quit(); else queued.push(name); return; }
    const s = active();
    try {
      const own = s.capturing ? undefined : composer.key?.(name);
      apply(own ?? s.key(name));
    } catch (e) {
      s.warn(e instanceof Error ? e.message : String(e));
      keyFrame();
    }
  };

  term.onKey(onKey);
  term.onMouse((action, x, y) => {
    if (finished || busy || active().capturing) return;
    const h = hitAt(hits, x, y);
    if (!h) return;
    mouseOn(h.s, h.hit, action);
    keyFrame();
    kick();
  });

  // ── background work: keyframes, then timeline columns ──
  let scheduled = false;
  let lastStatus = 0;
  let kfBudget = 2_000;
  const work = () => {
    scheduled = false;
    if (finished || busy) return;
    const t0 = performance.now();
    let more = false;
    const r = opts.replayer;
    if (pendingAt !== undefined && (pendingAt = arriveAt(session, r, pendingAt, startIndex, start.note)) === undefined) term.render();
    if (session.effectsPending) {
      session.resolveEffects();
      term.render();
    }
    // keyframes: a worker thread builds them when it can (its batches kick this loop), else slices here
    const workerBuilds = kfWorker !== undefined && !kfWorkerDone;
    if (!r.keyframesReady && !workerBuilds) {
      kfBudget = keyframeSlice(r, kfBudget, sliceMs);
      more = !r.keyframesReady;
    }
    // a pending --at waits for the keyframes: come back until it is applied
    if (pendingAt !== undefined && !workerBuilds) more = true;
    if (composer.background?.()) more = true;
    const { left, stuck } = sampleSlice(session, t0, sliceMs, r.keyframesReady || workerBuilds);
    if (left && !(stuck && workerBuilds)) more = true;
    const now = performance.now();
    if (now - lastStatus > 100 || !more) {
      lastStatus = now;
      term.render();
    }
    if (more) kick();
  };
  function kick(): void {
    if (scheduled || finished) return;
    scheduled = true;
    setImmediate(work);
  }

  // keyframes in a worker thread on large traces (a followed recording grows: its keyframes are built here)
  let kfWorkerDone = false;
  const kfWorker = !opts.follow && !opts.replayer.keyframesReady && session.count >= KEYFRAME_WORKER_MIN_EVENTS
    ? opts.api.backgroundKeyframes?.(opts.replayer, (done) => { if (done) kfWorkerDone = true; kick(); })
    : undefined;

  // ── following a recording being written ──
  let stopFollow = () => undefined as void;
  if (opts.follow && session.trace.follow) {
    stopFollow = followRecording({ api: opts.api, session, active, render: () => term.render(), kick, finished: () => finished }, opts.follow);
  }

  composer.attach?.(() => { if (!finished) { term.render(); kick(); } });
  term.onResize(() => { term.render(); kick(); });
  term.render();
  kick();

  return {
    session, term, done, key: onKey, quit,
    get busy() { return busy; },
    get idle() { return !scheduled && !busy; },
    get keyFrames() { return keyFrames; },
    get lastKeyFrameAt() { return lastKeyFrameAt; },
  };
}

/**
 * A start position waiting for the keyframes: goes there once they reach it (returns undefined), or
 * drops it when the user moved first; else returns it, still pending.
 */
function arriveAt(session: Session, r: ReplayerLike, at: number, startIndex: number, note: (i: number) => string): number | undefined {
  if (session.index !== startIndex) return undefined;
  if (!r.keyframesReady && r.keyframeProgress() * session.count <= at) return at;
  session.cursor.seek(at);
  session.reveal = 'center';
  session.say(note(at));
  return undefined;
}

/** The terminal for the options and environment: colours detected, NO_COLOR, ASCII without a UTF-8 locale. */
function openTerminal(opts: TuiOptions, env: NodeJS.ProcessEnv): Terminal {
  return new Terminal({
    input: opts.input, output: opts.output, terminal: opts.terminal ?? env.TERM,
    colors: detectColors({ ...env, TERM: opts.terminal ?? env.TERM }),
    noColor: env.NO_COLOR !== undefined && env.NO_COLOR !== '',
    ascii: env.CSFTRACE_ASCII === '1' || !localeIsUtf8(env),
  });
}

/**
 * Where the UI starts. `--at` is applied once the keyframes reach it, so the first screen never
 * waits for a long replay; a start past the end (index or time) is the last event, and the status
 * bar says so. Following a recording starts at its newest event, as `tail -f`.
 */
function startPosition(opts: TuiOptions, session: Session): { pendingAt?: number | undefined; note(i: number): string } {
  const pendingAt = opts.at !== undefined && opts.at !== '' ? opts.api.resolvePosition(session.trace, opts.at) : undefined;
  const pastEnd = pendingAt !== undefined && opts.at !== undefined && isPastEnd(opts.at, session);
  if (pendingAt !== undefined) session.say(`going to #${pendingAt} once keyframes reach it …`);
  else if (opts.follow && session.count) session.cursor.seek(session.count - 1);
  return { pendingAt, note: (i) => (pastEnd ? `--at ${opts.at} is past the end of the trace: at the last event, #${i}` : `at #${i}`) };
}

/**
 * Samples timeline columns until `sliceMs` after `t0`: at least one per slice, even when the
 * keyframes took the whole slice, so the loop never ends with columns left to sample. Columns past
 * the keyframes built so far wait for them (unless `keyframesCover`: ready, or a worker's next batch). `stuck`: no progress.
 */
function sampleSlice(session: Session, t0: number, sliceMs: number, keyframesCover: boolean): { left: boolean; stuck: boolean } {
  let stuck = false;
  let left = true;
  do {
    const k = session.sampled;
    left = session.sampleColumns(1);
    stuck = left && session.sampled === k;
  } while (left && !stuck && keyframesCover && performance.now() - t0 < sliceMs);
  return { left, stuck };
}

/** What following a recording needs of the running UI. */
interface FollowUi {
  api: ReplayApi;
  session: Session;
  active(): Session;
  render(): void;
  kick(): void;
  finished(): boolean;
}

/**
 * Follows a recording being written: reads what it appends every `pollMs`, runs `check` again as it
 * grows, and says in the status bar when it closes, stops or its writer is gone. Returns the stop.
 */
function followRecording(ui: FollowUi, f: FollowOptions): () => void {
  const { session, active, kick } = ui;
  const trace = session.trace;
  const check = ui.api.backgroundCheck?.(trace, (r) => {
    const before = session.check?.total ?? 0;
    session.check = r;
    const last = r.findings.at(-1);
    if (r.total > before && !active().capturing && last !== undefined) {
      session.say(`check: ${last.rule} ${last.name} at #${last.index} (${r.total} so far; ! jumps to each)`);
    }
    ui.render();
  }, (message) => { session.warn(`check: ${message}`); ui.render(); });
  check?.run();
  session.live = 'live';
  let quietSince = performance.now();
  let lastAsked = 0;
  const end = (text: string, warn = false) => {
    session.live = text;
    clearInterval(timer);
    if (warn) session.warn(`${text}: ${session.count} events`); else session.say(`${text}: ${session.count} events`);
  };
  const poll = () => {
    if (ui.finished()) { clearInterval(timer); return; }
    let r: { events: number; closed: boolean; broken?: string };
    try { r = trace.follow!(); } catch (e) { end(`recording unreadable (${e instanceof Error ? e.message : String(e)})`, true); ui.render(); return; }
    const now = performance.now();
    if (r.events) {
      quietSince = now;
      session.grow();
      check?.run();
      kick();
    }
    if (r.closed) end('recording closed');
    else if (r.broken) end(`recording stopped: ${r.broken}`, true);
    else if (!r.events && now - quietSince > 1000 && now - lastAsked > 1000) {
      lastAsked = now;
      if (f.writerGone?.()) end('recording stopped without closing the file (killed?)', true);
    }
    if (r.events || session.live !== 'live') {
      if (r.closed || session.live !== 'live') check?.run();
      ui.render();
    }
  };
  const timer = setInterval(poll, f.pollMs ?? 200);
  return () => { clearInterval(timer); check?.stop(); };
}

/** The hit under (x, y): the most specific wins (rows, links, tabs and columns come after their pane). */
function hitAt(hits: readonly TraceHits[], x: number, y: number): { s: Session; hit: Hit } | undefined {
  for (const th of hits) {
    for (let k = th.hits.length - 1; k >= 0; k--) {
      const hit = th.hits[k]!;
      if (inRect(hit.rect, x, y)) return { s: th.session, hit };
    }
  }
  return undefined;
}

/** A click focuses and acts on what it hits; the wheel scrolls the pane under it. */
function mouseOn(s: Session, hit: Hit, action: MouseAction): void {
  if (action === 'click') {
    s.message = undefined;
    switch (hit.kind) {
      case 'row': s.clickRow(hit.index); break;
      case 'link': s.focus = 'detail'; s.followLink(hit.link); break;
      case 'tab': s.focus = 'state'; s.stateTab = hit.tab; s.stateScroll = 0; break;
      case 'column': s.focus = 'timeline'; s.clickColumn(hit.column, hit.columns); break;
      case 'pane': s.focus = hit.pane; break;
    }
    return;
  }
  const pane = hit.kind === 'pane' ? hit.pane : hit.kind === 'row' ? 'events' : hit.kind === 'link' ? 'detail' : hit.kind === 'tab' ? 'state' : 'timeline';
  s.wheel(pane, action === 'wheelup' ? -3 : 3);
}

/** Builds keyframes for about `sliceMs`; returns the event budget for the next slice (aimed at sliceMs). */
function keyframeSlice(r: ReplayerLike, budget: number, sliceMs: number): number {
  const s0 = performance.now();
  r.buildKeyframesStep(budget);
  const spent = performance.now() - s0;
  return Math.max(500, Math.min(budget * 2, 1_000_000, Math.round(budget * (sliceMs / Math.max(0.25, spent)))));
}

/** Runs the UI until the user quits. */
export async function runTui(opts: TuiOptions): Promise<void> {
  await startTui(opts).done;
}
