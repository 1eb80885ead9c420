/**
 * The cursor: time travel over a replayed trace. It holds a position (the last applied event,
 * −1 before the first) and the state there; it steps by events, seeks to an index or a time, finds
 * the next/previous event matching a filter, runs to a breakpoint in either direction, and follows
 * cause links backwards (causeOf) and forwards (effectsOf).
 *
 * Forward moves apply events to the held state; backward moves and long jumps restore a keyframe
 * (Replayer.rawStateAt), so any move costs at most K applications plus the distance scanned.
 */
import { UserError } from '../proto/index.js';
import type { Event } from '../proto/index.js';
import type { Filter } from './filter.js';
import { applyEvent, finalizeState } from './reducer.js';
import type { Replayer } from './replayer.js';
import { cloneState, type ReplayState } from './state.js';
import { looksLikeTime, parseTimeText } from './time-text.js';
import type { TraceFile } from './trace-file.js';

export class SeekError extends UserError {
  readonly code = 'E_SEEK';
  constructor(message: string) { super(message); this.name = 'SeekError'; }
}

/** Events scanned after an event for its effects (events naming it as their cause). */
export const EFFECTS_WINDOW = 200_000;
/** Events scanned per backwards batch. */
const BACK_BATCH = 8192;

/**
 * Resolves a position: a number or "#1234"/"1234" is an event index; "12.5ms" (any of ns, us,
 * ms, s) is a time, resolved to the last event at or before it (−1 if none). With `clamp`, indexes
 * outside the trace are clamped; otherwise they are a SeekError.
 */
export function resolvePosition(trace: TraceFile, target: string | number, clamp = false): number {
  const n = trace.eventCount;
  let idx: number;
  if (typeof target === 'number') {
    if (!Number.isInteger(target)) throw new SeekError(`${target} is not an event index`);
    idx = target;
  } else {
    const text = target.trim();
    if (looksLikeTime(text)) {
      const t = parseTimeText(text)!;
      idx = trace.indexAtTime(t + 1) - 1;
      return Math.min(idx, n - 1);
    }
    const m = /^#?(-?\d+)$/.exec(text);
    if (!m) throw new SeekError(`'${target}' is neither an event index (1234 or #1234) nor a time (12.5ms, 3s)`);
    idx = Number(m[1]);
  }
  if (idx < -1 || idx >= n) {
    if (clamp) return Math.max(-1, Math.min(n - 1, idx));
    throw new SeekError(`event ${idx} is outside the trace (events 0..${n - 1})`);
  }
  return idx;
}

export class Cursor {
  readonly replayer: Replayer;
  readonly trace: TraceFile;
  /** Filters over events or state: `continue` stops at the first event matching any. */
  breakpoints: Filter[] = [];
  private pos = -1;
  private work: ReplayState;
  private cached: ReplayState | undefined;

  constructor(r: Replayer) {
    this.replayer = r;
    this.trace = r.trace;
    this.work = r.rawStateAt(-1);
  }

  /** Current event index (−1 before the first). Assigning seeks. */
  get index(): number { return this.pos; }
  set index(i: number) { this.seek(i); }

  get eventCount(): number { return this.trace.eventCount; }

  /** The event at the cursor (undefined before the first). */
  event(): Event | undefined { return this.pos >= 0 ? this.trace.event(this.pos) : undefined; }

  /** Moves by n events (negative = backwards), clamped to the trace. Returns the new index. */
  step(n: number): number {
    return this.moveTo(Math.max(-1, Math.min(this.trace.eventCount - 1, this.pos + Math.trunc(n))));
  }

  /** Seeks to an index or a time ("#1234", "1234", "12.5ms"), clamped. Returns the new index. */
  seek(target: string | number): number {
    return this.moveTo(resolvePosition(this.trace, target, true));
  }

  /** The state after the event at the cursor: a snapshot the caller may keep (not updated by moves). */
  state(): ReplayState {
    if (!this.cached) this.cached = finalizeState(cloneState(this.work));
    return this.cached;
  }

  /**
   * Moves to the next (dir 1) or previous (dir −1) event matching `filter`, strictly after/before
   * the cursor. Returns its index, or undefined (the cursor does not move) when there is none.
   */
  find(filter: Filter, dir: 1 | -1): number | undefined {
    const hit = dir === 1 ? this.scanForward([filter]) : this.scanBackward([filter]);
    if (hit !== undefined) this.moveTo(hit);
    return hit;
  }

  /**
   * Runs forwards or backwards to the next event matching any breakpoint and stops there
   * (returns its index). Without a hit the cursor ends at the last (or before the first) event
   * and the result is undefined.
   */
  continue(dir: 1 | -1): number | undefined {
    const bps = this.breakpoints;
    const hit = bps.length ? (dir === 1 ? this.scanForward(bps) : this.scanBackward(bps)) : undefined;
    this.moveTo(hit ?? (dir === 1 ? this.trace.eventCount - 1 : -1));
    return hit;
  }

  /** Index of the event that caused event i (its `cause` link), or undefined. */
  causeOf(i: number): number | undefined {
    const ev = this.trace.event(i);
    return ev.cause ? i - ev.cause : undefined;
  }

  /** Events whose cause is i, searched in the EFFECTS_WINDOW events after it. */
  effectsOf(i: number, window = EFFECTS_WINDOW): number[] {
    const out: number[] = [];
    const end = Math.min(this.trace.eventCount, i + 1 + window);
    let j = i + 1;
    for (const ev of this.trace.iterate(i + 1, end)) {
      if (ev.cause !== 0 && j - ev.cause === i) out.push(j);
      j++;
    }
    return out;
  }

  // ───────────────────────────── internals ─────────────────────────────

  private moveTo(target: number): number {
    if (target === this.pos) return this.pos;
    const k = this.replayer.keyframeEvery;
    if (target > this.pos && target - this.pos <= k) {
      this.replayer.applyRange(this.work, this.pos + 1, target + 1, true);
    } else {
      // Near moves (stepping back) keep their chunks cached; long jumps do not.
      this.work = this.replayer.rawStateAt(target, Math.abs(target - this.pos) <= 2 * k);
    }
    this.pos = target;
    this.cached = undefined;
    return this.pos;
  }

  private scanForward(filters: readonly Filter[]): number | undefined {
    const n = this.trace.eventCount;
    const from = this.pos + 1;
    if (from >= n) return undefined;
    const needsState = filters.some((f) => f.needsState);
    if (!needsState) {
      let i = from;
      for (const ev of this.trace.iterate(from, n)) {
        for (const f of filters) if (f.matchEvent(ev, i)) return i;
        i++;
      }
      return undefined;
    }
    // State filters see the state after each event: replay forwards on a copy.
    const s = cloneState(this.work);
    let i = from;
    for (const ev of this.trace.iterate(from, n)) {
      applyEvent(s, ev, i);
      for (const f of filters) if (f.matchEvent(ev, i, s)) return i;
      i++;
    }
    return undefined;
  }

  private scanBackward(filters: readonly Filter[]): number | undefined {
    const needsState = filters.some((f) => f.needsState);
    let hi = this.pos - 1; // last candidate
    const k = Math.max(1, needsState ? this.replayer.keyframeEvery : BACK_BATCH);
    while (hi >= 0) {
      // State scans start on a keyframe boundary, so the state before `start` is a keyframe.
      const start = needsState ? Math.floor(hi / k) * k : Math.max(0, hi - k + 1);
      let found: number | undefined;
      if (needsState) {
        const s = this.replayer.rawStateAt(start - 1);
        let i = start;
        for (const ev of this.trace.iterate(start, hi + 1)) {
          applyEvent(s, ev, i);
          for (const f of filters) if (f.matchEvent(ev, i, s)) { found = i; break; }
          i++;
        }
      } else {
        let i = start;
        for (const ev of this.trace.iterate(start, hi + 1)) {
          for (const f of filters) if (f.matchEvent(ev, i)) { found = i; break; }
          i++;
        }
      }
      if (found !== undefined) return found;
      hi = start - 1;
    }
    return undefined;
  }
}
