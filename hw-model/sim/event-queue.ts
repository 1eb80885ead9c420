/**
 * The discrete-event queue: callbacks ordered by (time, sequence). Sequence numbers make ties
 * deterministic (FIFO among events scheduled for the same nanosecond).
 *
 * Two lanes, merged so that the pop order is exactly (time, sequence):
 *  - a binary heap (times and sequences in Float64Arrays, callbacks and args in plain arrays) for
 *    entries in the future;
 *  - a FIFO for entries scheduled at the current time (the time of the last pop): they all have
 *    larger sequences than any heap entry of that time, so the heap's entries of the current time
 *    go first, then the FIFO, and only then does time advance.
 * Entries are (time, seq, fn, arg) so hot callers can pass a bound object instead of allocating a
 * closure per event.
 */
import type { Ns } from './time.js';

export type Callback = (arg: any) => void;

const INITIAL_CAPACITY = 256;

export class EventQueue {
  // heap lane
  private times = new Float64Array(INITIAL_CAPACITY);
  private seqs = new Float64Array(INITIAL_CAPACITY);
  private fns: (Callback | undefined)[] = [];
  private args: unknown[] = [];
  private n = 0;
  // FIFO lane (entries at time `now`), consumed from `head`
  private fFns: Callback[] = [];
  private fArgs: unknown[] = [];
  private fSeqs: number[] = [];
  private head = 0;
  /** Time of the last popped entry. */
  private now = 0;
  private nextSeq = 0;
  private cancelled = new Set<number>();

  get size(): number { return this.n + this.fFns.length - this.head; }

  /** Schedules fn(arg) at time t; returns a token usable with cancel(). */
  push(t: Ns, fn: Callback, arg?: unknown): number {
    const seq = this.nextSeq++;
    if (t === this.now) {
      this.fFns.push(fn); this.fArgs.push(arg); this.fSeqs.push(seq);
      return seq;
    }
    if (this.n === this.times.length) this.grow();
    const times = this.times, seqs = this.seqs, fns = this.fns, args = this.args;
    // sift up (a hole moving towards the root)
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = times[p];
      if (t < pt || (t === pt && seq < seqs[p])) {
        times[i] = pt; seqs[i] = seqs[p]; fns[i] = fns[p]; args[i] = args[p];
        i = p;
      } else break;
    }
    times[i] = t; seqs[i] = seq; fns[i] = fn; args[i] = arg;
    return seq;
  }

  /** Cancels a scheduled callback (lazily: it is skipped when popped). */
  cancel(token: number): void { this.cancelled.add(token); }

  peekTime(): number {
    if (this.n > 0 && this.times[0] <= this.now) return this.times[0];
    if (this.head < this.fFns.length) return this.now;
    return this.n > 0 ? this.times[0] : Infinity;
  }

  /** Pops the earliest entry into `out`; returns false when empty. Skips cancelled entries. */
  pop(out: { t: number; fn: Callback; arg: unknown }): boolean {
    for (;;) {
      let seq: number;
      if ((this.n > 0 && this.times[0] <= this.now) || (this.head === this.fFns.length && this.n > 0)) {
        seq = this.seqs[0];
        out.t = this.times[0]; out.fn = this.fns[0] as Callback; out.arg = this.args[0];
        this.removeTop();
        if (out.t > this.now) this.now = out.t;
      } else if (this.head < this.fFns.length) {
        const h = this.head++;
        seq = this.fSeqs[h];
        out.t = this.now; out.fn = this.fFns[h]; out.arg = this.fArgs[h];
        if (this.head === this.fFns.length) {
          this.head = 0; this.fFns.length = 0; this.fArgs.length = 0; this.fSeqs.length = 0;
        } else {
          this.fArgs[h] = undefined;
        }
      } else {
        return false;
      }
      if (this.cancelled.size && this.cancelled.delete(seq)) continue;
      return true;
    }
  }

  /** Removes the heap's root: the last entry sifts down from the root (a moving hole). */
  private removeTop(): void {
    const times = this.times, seqs = this.seqs, fns = this.fns, args = this.args;
    const last = --this.n;
    if (last > 0) {
      const lt = times[last], ls = seqs[last], lf = fns[last], la = args[last];
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= last) break;
        let ct = times[c], cs = seqs[c];
        const r = c + 1;
        if (r < last) {
          const rt = times[r];
          if (rt < ct || (rt === ct && seqs[r] < cs)) { c = r; ct = rt; cs = seqs[r]; }
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
