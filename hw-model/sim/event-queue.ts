/**
 * The discrete-event queue: callbacks ordered by (time, sequence). Sequence numbers make ties
 * deterministic (FIFO among events scheduled for the same nanosecond).
 *
 * Entries live in one of three kinds of lane, merged so that the pop order is exactly
 * (time, sequence) whatever lane an entry is in:
 *  - a binary heap (times and sequences in Float64Arrays, callbacks and args in plain arrays);
 *  - fixed-delay lanes (pushFixed): one FIFO ring per delay. Entries pushed with the same delay
 *    come due in push order, so each lane is sorted by construction and costs O(1); FW latencies
 *    and timeouts (most of which are stale when they fire) use them, which keeps the heap small;
 *  - a FIFO for entries at the current time (the time of the last pop): their sequences are larger
 *    than those of any other entry of that time, so the other lanes' entries of the current time
 *    go first, then the FIFO, and only then does time advance.
 * Entries are (time, seq, fn, arg) so hot callers can pass a bound object instead of allocating a
 * closure per event.
 */
import type { Ns } from './time.js';

export type Callback = (arg: unknown) => void;

const INITIAL_CAPACITY = 256;
/** Fixed-delay lanes at most; pushes with further delays go to the heap. */
const MAX_LANES = 8;

// popOne results
const POPPED = 1;
const EMPTY = 0;
const CANCELLED = -1;

/** A FIFO ring of entries in non-decreasing (time, sequence) order. */
class Lane {
  times = new Float64Array(64);
  seqs = new Float64Array(64);
  fns: (Callback | undefined)[] = new Array<Callback | undefined>(64).fill(undefined);
  args: unknown[] = new Array<unknown>(64).fill(undefined);
  head = 0;
  count = 0;
  mask = 63;
  lastT = -Infinity;
  constructor(readonly delay: number) {}

  push(t: number, seq: number, fn: Callback, arg: unknown): void {
    if (this.count > this.mask) this.grow();
    const i = (this.head + this.count++) & this.mask;
    this.times[i] = t; this.seqs[i] = seq; this.fns[i] = fn; this.args[i] = arg;
    this.lastT = t;
  }

  shift(out: { t: number; fn: Callback; arg: unknown }): number {
    const i = this.head;
    out.t = this.times[i]!; out.fn = this.fns[i] as Callback; out.arg = this.args[i];
    this.fns[i] = undefined; this.args[i] = undefined;
    this.head = (i + 1) & this.mask;
    this.count--;
    return this.seqs[i]!;
  }

  private grow(): void {
    const cap = (this.mask + 1) * 2, n = this.count;
    const times = new Float64Array(cap), seqs = new Float64Array(cap);
    const fns = new Array<Callback | undefined>(cap).fill(undefined), args = new Array<unknown>(cap).fill(undefined);
    for (let k = 0; k < n; k++) {
      const i = (this.head + k) & this.mask;
      times[k] = this.times[i]!; seqs[k] = this.seqs[i]!; fns[k] = this.fns[i]; args[k] = this.args[i];
    }
    this.times = times; this.seqs = seqs; this.fns = fns; this.args = args;
    this.head = 0; this.mask = cap - 1;
  }
}

export class EventQueue {
  // heap lane
  private times = new Float64Array(INITIAL_CAPACITY);
  private seqs = new Float64Array(INITIAL_CAPACITY);
  private fns: (Callback | undefined)[] = [];
  private args: unknown[] = [];
  private n = 0;
  // fixed-delay lanes
  private readonly lanes: Lane[] = [];
  private readonly laneByDelay = new Map<number, Lane>();
  // FIFO lane (entries at time `now`): fFns[head..fLen)
  private fFns: (Callback | undefined)[] = [];
  private fArgs: unknown[] = [];
  private fSeqs: number[] = [];
  private head = 0;
  private fLen = 0;
  /** Time of the last popped entry. */
  private now = 0;
  private nextSeq = 0;
  private cancelled = new Set<number>();
  /** Where the entry chosen by pick() is: -1 heap, i ≥ 0 lane i. */
  private picked = -1;

  get size(): number {
    let s = this.n + this.fLen - this.head;
    for (const l of this.lanes) s += l.count;
    return s;
  }

  /** Schedules fn(arg) at time t; returns a token usable with cancel(). */
  push(t: Ns, fn: Callback, arg?: unknown): number {
    const seq = this.nextSeq++;
    if (t === this.now) this.pushNow(seq, fn, arg);
    else this.pushHeap(t, seq, fn, arg);
    return seq;
  }

  /**
   * Schedules fn(arg) at time t = now + delay, where `delay` is one of a few fixed delays (a
   * latency, a timeout): same position in the order as push(t, ...), cheaper. `now` is the
   * caller's clock (at least the time of the last pop).
   */
  pushFixed(now: Ns, delay: Ns, fn: Callback, arg?: unknown): number {
    const seq = this.nextSeq++;
    const t = now + delay;
    if (t === this.now) { this.pushNow(seq, fn, arg); return seq; }
    let lane = this.laneByDelay.get(delay);
    if (!lane && this.lanes.length < MAX_LANES) {
      lane = new Lane(delay);
      this.lanes.push(lane);
      this.laneByDelay.set(delay, lane);
    }
    if (lane && t >= lane.lastT) lane.push(t, seq, fn, arg);
    else this.pushHeap(t, seq, fn, arg);
    return seq;
  }

  /** Cancels a scheduled callback (lazily: it is skipped when popped). */
  cancel(token: number): void { this.cancelled.add(token); }

  peekTime(): number {
    const t = this.pick();
    if (t <= this.now) return t;
    if (this.head < this.fLen) return this.now;
    return t;
  }

  /** Pops the earliest entry into `out`; returns false when empty. Skips cancelled entries. */
  pop(out: { t: number; fn: Callback; arg: unknown }): boolean {
    for (;;) {
      const r = this.popOne(out, this.pick());
      if (r !== CANCELLED) return r === POPPED;
    }
  }

  /**
   * `peekTime() <= until && pop(out)` in one pass: false when the earliest live entry is after
   * `until` (a cancelled entry at or before `until` is skipped, and the next one is checked
   * against `until` again).
   */
  popUntil(until: number, out: { t: number; fn: Callback; arg: unknown }): boolean {
    for (;;) {
      const t = this.pick();
      const first = t <= this.now ? t : this.head < this.fLen ? this.now : t;
      if (first > until) return false;
      const r = this.popOne(out, t);
      if (r !== CANCELLED) return r === POPPED;
    }
  }

  /** Pops the earliest entry once pick() has run (it returned `t`): POPPED, EMPTY or CANCELLED. */
  private popOne(out: { t: number; fn: Callback; arg: unknown }, t: number): number {
    let seq: number;
    if (t <= this.now || (this.head === this.fLen && t !== Infinity)) {
      const src = this.picked;
      if (src < 0) {
        seq = this.seqs[0]!;
        out.t = t; out.fn = this.fns[0] as Callback; out.arg = this.args[0];
        this.removeTop();
      } else {
        seq = this.lanes[src]!.shift(out);
      }
      if (t > this.now) this.now = t;
    } else if (this.head < this.fLen) {
      const h = this.head++;
      seq = this.fSeqs[h]!;
      out.t = this.now; out.fn = this.fFns[h] as Callback; out.arg = this.fArgs[h];
      this.fFns[h] = undefined; this.fArgs[h] = undefined;
      if (this.head === this.fLen) { this.head = 0; this.fLen = 0; }
    } else {
      return EMPTY;
    }
    if (this.cancelled.size && this.cancelled.delete(seq)) return CANCELLED;
    return POPPED;
  }

  /** The earliest (time, sequence) of the heap and the fixed-delay lanes: its time (Infinity if
   *  none), its lane in `picked`. */
  private pick(): number {
    let bt = Infinity, bs = Infinity;
    this.picked = -1;
    if (this.n > 0) { bt = this.times[0]!; bs = this.seqs[0]!; }
    const lanes = this.lanes;
    for (let i = 0; i < lanes.length; i++) {
      const l = lanes[i]!;
      if (l.count === 0) continue;
      const t = l.times[l.head]!;
      if (t < bt || (t === bt && l.seqs[l.head]! < bs)) { bt = t; bs = l.seqs[l.head]!; this.picked = i; }
    }
    return bt;
  }

  private pushNow(seq: number, fn: Callback, arg: unknown): void {
    const i = this.fLen++;
    if (i < this.fFns.length) { this.fFns[i] = fn; this.fArgs[i] = arg; this.fSeqs[i] = seq; }
    else { this.fFns.push(fn); this.fArgs.push(arg); this.fSeqs.push(seq); }
  }

  private pushHeap(t: number, seq: number, fn: Callback, arg: unknown): void {
    if (this.n === this.times.length) this.grow();
    const times = this.times, seqs = this.seqs, fns = this.fns, args = this.args;
    // sift up (a hole moving towards the root)
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = times[p]!;
      if (t < pt || (t === pt && seq < seqs[p]!)) {
        times[i] = pt; seqs[i] = seqs[p]!; fns[i] = fns[p]; args[i] = args[p];
        i = p;
      } else break;
    }
    times[i] = t; seqs[i] = seq; fns[i] = fn; args[i] = arg;
  }

  /** Removes the heap's root: the last entry sifts down from the root (a moving hole). */
  private removeTop(): void {
    const times = this.times, seqs = this.seqs, fns = this.fns, args = this.args;
    const last = --this.n;
    if (last > 0) {
      const lt = times[last]!, ls = seqs[last]!, lf = fns[last], la = args[last];
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= last) break;
        let ct = times[c]!, cs = seqs[c]!;
        const r = c + 1;
        if (r < last) {
          const rt = times[r]!;
          if (rt < ct || (rt === ct && seqs[r]! < cs)) { c = r; ct = rt; cs = seqs[r]!; }
        }
        if (ct < lt || (ct === lt && cs < ls)) {
          times[i] = ct; seqs[i] = cs; fns[i] = fns[c]; args[i] = args[c];
          i = c;
        } else break;
      }
      times[i] = lt; seqs[i] = ls; fns[i] = lf; args[i] = la;
    }
    fns[last] = undefined; args[last] = undefined;
  }

  private grow(): void {
    const cap = this.times.length * 2;
    const t = new Float64Array(cap); t.set(this.times); this.times = t;
    const s = new Float64Array(cap); s.set(this.seqs); this.seqs = s;
  }
}
