/**
 * Replayer: state at any event of a trace, through keyframes.
 *
 *   trace ──iterate──► applyEvent (reducer.ts) ──every K events──► keyframe (JSON text)
 *   stateAt(i) = parse(keyframe ⌊(i+1)/K⌋) + apply events up to i   (≤ K applications)
 *
 * Keyframes are built progressively (`buildKeyframesStep`, so a UI shows its first screen at once)
 * and on demand (a `stateAt` beyond the built range extends the build). They are stored as
 * lz4-compressed JSON text: compact (consecutive field names compress ~10x), and restoring one is a
 * deep copy for free. When their total size passes the memory budget, every other keyframe is
 * dropped and K doubles, so memory stays bounded on huge traces.
 */
import type { EventIndex } from '../proto/index.js';
import { lz4Bound, lz4CompressLocal, lz4Decompress, type Event } from '../proto/index.js';
import { applyEvent, finalizeState, initialState } from './reducer.js';
import { decodeStateSnapshot } from './snapshot.js';
import type { ReplayState } from './state.js';
import type { TraceFile } from './trace-file.js';

export interface ReplayerOptions {
  /** Events between keyframes (default 1024; doubled while keyframes exceed the memory budget). */
  keyframeEvery?: number;
  /** Bytes of (compressed) keyframes kept in memory before K doubles (default 96 MiB). */
  keyframeBudgetBytes?: number;
}

const DEFAULT_K = 1024;
const DEFAULT_BUDGET = 96 << 20;

/** A keyframe: the state as lz4-compressed UTF-8 JSON (`raw` bytes once decompressed). */
export interface Keyframe { raw: number; data: Uint8Array }

/** Keyframes handed from one Replayer to another over the same trace (another thread). */
export interface KeyframeBatch {
  /** Events between keyframes where they were built. */
  every: number;
  /** Index of the first keyframe of `frames` (0: every keyframe, e.g. after K doubled). */
  from: number;
  frames: Keyframe[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
let packBuf = new Uint8Array(1 << 16);
let unpackBuf = new Uint8Array(1 << 16);

/** A state's JSON text as a keyframe (also what keyframe-index.ts writes to disk). */
export function pack(json: string): Keyframe {
  const bytes = encoder.encode(json);
  const bound = lz4Bound(bytes.length);
  if (packBuf.length < bound) packBuf = new Uint8Array(bound * 2);
  const n = lz4CompressLocal(bytes, packBuf);
  return { raw: bytes.length, data: packBuf.slice(0, n) };
}

/** The state a keyframe holds (a fresh object). */
export function unpack(k: Keyframe): ReplayState {
  if (unpackBuf.length < k.raw) unpackBuf = new Uint8Array(k.raw * 2);
  const n = lz4Decompress(k.data, unpackBuf);
  if (n !== k.raw) throw new Error(`keyframe decompression gave ${n} bytes, expected ${k.raw}`);
  return JSON.parse(decoder.decode(unpackBuf.subarray(0, n))) as ReplayState;
}

export class Replayer {
  readonly trace: TraceFile;
  private k: number;
  private readonly budget: number;
  /** keyframes[j] = state after events [0, j·K), i.e. at index j·K − 1. */
  private keyframes: Keyframe[] = [];
  private keyframeBytes = 0;
  private readonly initialJson: string;
  /** The state the build has reached (undefined: restore it from the last keyframe when needed). */
  private build: ReplayState | undefined;
  private built = 0;                    // events applied to `build`
  private buildIter: Iterator<Event> | undefined;
  /** Where `buildIter` stops (the trace's event count when it was made: a followed trace grows). */
  private buildTo = 0;

  private constructor(trace: TraceFile, opts: ReplayerOptions) {
    this.trace = trace;
    this.k = Math.max(1, Math.floor(opts.keyframeEvery ?? DEFAULT_K));
    this.budget = opts.keyframeBudgetBytes ?? DEFAULT_BUDGET;
    const snap = trace.snapshot;
    const init = snap ? decodeStateSnapshot(snap, trace.path || 'trace') : initialState();
    this.initialJson = JSON.stringify(init);
    this.build = init;
    this.pushKeyframe(this.initialJson);
  }

  static open(trace: TraceFile, opts: ReplayerOptions = {}): Replayer {
    return new Replayer(trace, opts);
  }

  /** Events between keyframes (may grow while building, see the memory budget). */
  get keyframeEvery(): number { return this.k; }
  get keyframesReady(): boolean { return this.built >= this.trace.eventCount; }
  /** Keyframes held, their compressed and raw sizes (for benchmarks and `info`). */
  get keyframeStats(): { count: number; bytes: number; rawBytes: number; every: number } {
    let raw = 0;
    for (const k of this.keyframes) raw += k.raw;
    return { count: this.keyframes.length, bytes: this.keyframeBytes, rawBytes: raw, every: this.k };
  }

  keyframeProgress(): number {
    const n = this.trace.eventCount;
    return n === 0 ? 1 : this.built / n;
  }

  /** Applies up to `budgetEvents` more events to the keyframe build; true once complete. */
  buildKeyframesStep(budgetEvents: number): boolean {
    const n = this.trace.eventCount;
    if (this.built >= n) return true;
    const stop = Math.min(n, this.built + Math.max(1, budgetEvents));
    if (!this.buildIter || this.buildTo !== n) { this.buildIter = this.trace.iterate(this.built, n); this.buildTo = n; }
    const it = this.buildIter;
    const s = this.build ??= unpack(this.keyframe(this.keyframes.length - 1));
    let i = this.built;
    while (i < stop) {
      const r = it.next();
      if (r.done) throw new Error(`trace iterator ended at event ${i} of ${n}`);
      applyEvent(s, r.value, i);
      i++;
      if (i % this.k === 0) {
        this.built = i;
        this.pushKeyframe(JSON.stringify(s));
      }
    }
    this.built = i;
    if (i >= n) this.buildIter = undefined;
    return i >= n;
  }

  /** The state after applying event `i` (−1 = the initial state). A fresh object the caller owns. */
  stateAt(i: EventIndex): ReplayState {
    const s = this.rawStateAt(i);
    return finalizeState(s);
  }

  /**
   * Like stateAt, without the read-time fields: for callers that keep applying events to it.
   * `cacheChunks` keeps the chunks read in the trace's chunk cache (for a cursor stepping back and
   * forth near one place); random seeks leave it alone so their decoded events die young.
   */
  rawStateAt(i: number, cacheChunks = false): ReplayState {
    const n = this.trace.eventCount;
    if (!Number.isInteger(i) || i < -1 || i >= n) throw new RangeError(`event index ${i} outside [-1, ${n - 1}]`);
    // Extend the build just far enough (a first screen near the start costs a few events).
    if (this.built <= i) this.buildKeyframesStep(i + 1 - this.built);
    const want = i + 1; // events to apply
    const j = Math.min(Math.floor(want / this.k), this.keyframes.length - 1);
    const s = unpack(this.keyframe(j));
    this.applyRange(s, j * this.k, want, cacheChunks);
    return s;
  }

  /** Applies events [from, to) to `s` in place. */
  applyRange(s: ReplayState, from: number, to: number, cacheChunks = false): void {
    if (to <= from) return;
    if (cacheChunks) {
      // Pull the chunks into the trace's chunk cache (iterate reads cached chunks), so stepping
      // back and forth near one place decodes each chunk once.
      this.trace.event(from);
      this.trace.event(to - 1);
    }
    let i = from;
    for (const ev of this.trace.iterate(from, to)) applyEvent(s, ev, i++);
  }

  /**
   * Keyframes from index `from` on, copied, for a Replayer over the same trace in another thread
   * (`adoptKeyframes`). The keyframes before `from` must be unchanged since they were taken: when K
   * has doubled since (`every` differs), take them all again from 0.
   */
  keyframesSince(from: number): KeyframeBatch {
    return { every: this.k, from, frames: this.keyframes.slice(from).map((k) => ({ raw: k.raw, data: k.data.slice() })) };
  }

  /**
   * Takes keyframes built by another Replayer over the same trace (a worker thread builds them, so
   * that the UI thread never does). Keyframes are deterministic, so those already held are equal;
   * a batch behind this one's own build (a smaller K) is ignored.
   */
  adoptKeyframes(b: KeyframeBatch): void {
    if (b.every < this.k || b.from > this.keyframes.length) return;
    if (b.every > this.k) {
      if (b.from !== 0) return;
      this.k = b.every;
      this.keyframes = [];
      this.built = 0;
      this.build = undefined;
    }
    for (const [j, f] of b.frames.entries()) this.keyframes[b.from + j] = f;
    this.keyframeBytes = this.keyframes.reduce((n, k) => n + k.data.length, 0);
    const covered = (this.keyframes.length - 1) * this.k;
    if (covered > this.built) {
      this.built = covered;
      this.build = undefined;
      this.buildIter = undefined;
    }
  }

  /** The state before event 0 (initial, or the trimmed trace's snapshot). */
  initialState(): ReplayState { return JSON.parse(this.initialJson) as ReplayState; }

  /** Keyframe j (there is always one at 0, the initial state). */
  private keyframe(j: number): Keyframe {
    const kf = this.keyframes[j];
    if (kf === undefined) throw new Error(`keyframe ${j} of ${this.keyframes.length}: invariant broken`);
    return kf;
  }

  private pushKeyframe(json: string): void {
    const kf = pack(json);
    this.keyframes.push(kf);
    this.keyframeBytes += kf.data.length;
    while (this.keyframeBytes > this.budget && this.keyframes.length > 2) {
      // Keep keyframes at multiples of 2K: every seek still costs at most 2K applications.
      this.keyframes = this.keyframes.filter((_, j) => j % 2 === 0);
      this.keyframeBytes = this.keyframes.reduce((n, k) => n + k.data.length, 0);
      this.k *= 2;
    }
  }
}

