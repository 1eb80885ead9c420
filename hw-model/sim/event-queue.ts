/**
 * The discrete-event queue: callbacks ordered by (time, sequence). Sequence numbers make ties
 * deterministic (FIFO among events scheduled for the same nanosecond).
 *
 * A binary heap over parallel arrays; entries are (time, seq, fn, arg) so hot callers can pass a
 * bound object instead of allocating a closure per event.
 */
import type { Ns } from './time.js';

export type Callback = (arg: any) => void;

export class EventQueue {
  private times: number[] = [];
  private seqs: number[] = [];
  private fns: Callback[] = [];
  private args: unknown[] = [];
  private nextSeq = 0;
  private cancelled = new Set<number>();

  get size(): number { return this.times.length; }

  /** Schedules fn(arg) at time t; returns a token usable with cancel(). */
  push(t: Ns, fn: Callback, arg?: unknown): number {
    const seq = this.nextSeq++;
    let i = this.times.length;
    this.times.push(t); this.seqs.push(seq); this.fns.push(fn); this.args.push(arg);
    // sift up
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.less(i, p)) { this.swap(i, p); i = p; } else break;
    }
    return seq;
  }

  /** Cancels a scheduled callback (lazily: it is skipped when popped). */
  cancel(token: number): void { this.cancelled.add(token); }

  peekTime(): number { return this.times.length ? this.times[0] : Infinity; }

  /** Pops the earliest entry into `out`; returns false when empty. Skips cancelled entries. */
  pop(out: { t: number; fn: Callback; arg: unknown }): boolean {
    for (;;) {
      const n = this.times.length;
      if (n === 0) return false;
      const t = this.times[0], seq = this.seqs[0], fn = this.fns[0], arg = this.args[0];
      const last = n - 1;
      if (last > 0) {
        this.times[0] = this.times[last]; this.seqs[0] = this.seqs[last];
        this.fns[0] = this.fns[last]; this.args[0] = this.args[last];
      }
      this.times.pop(); this.seqs.pop(); this.fns.pop(); this.args.pop();
      this.siftDown(0);
      if (this.cancelled.size && this.cancelled.delete(seq)) continue;
      out.t = t; out.fn = fn; out.arg = arg;
      return true;
    }
  }

  private less(a: number, b: number): boolean {
    const ta = this.times[a], tb = this.times[b];
    return ta < tb || (ta === tb && this.seqs[a] < this.seqs[b]);
  }

  private swap(a: number, b: number): void {
    const t = this.times[a]; this.times[a] = this.times[b]; this.times[b] = t;
    const s = this.seqs[a]; this.seqs[a] = this.seqs[b]; this.seqs[b] = s;
    const f = this.fns[a]; this.fns[a] = this.fns[b]; this.fns[b] = f;
    const g = this.args[a]; this.args[a] = this.args[b]; this.args[b] = g;
  }

  private siftDown(i: number): void {
    const n = this.times.length;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < n && this.less(l, m)) m = l;
      if (r < n && this.less(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m); i = m;
    }
  }
}
