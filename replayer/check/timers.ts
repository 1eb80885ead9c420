/**
 * The check engine's deadlines: `fire()` once the first event later than `t` arrives, in (t, arming
 * order). Rules arm them at "now + a constant" (an ack within 100 ms, a reset within 1 s), so the
 * deadlines of one delay come in order: each delay gets a FIFO queue (O(1) to arm and to fire, where
 * one binary heap of the tens of thousands a stress trace keeps armed cost a log per deadline), and
 * the rare deadline out of order with its queue goes to a heap beside them. The order in which
 * deadlines fire is the heap's: by time, then by arming order.
 */

interface Timer { t: number; seq: number; fire: () => void }

function before(a: Timer, b: Timer): boolean { return a.t < b.t || (a.t === b.t && a.seq < b.seq); }

/** Delays that get a queue of their own. */
const MAX_QUEUES = 16;

/** A FIFO of timers in (t, seq) order; `head` is the next one. */
interface Fifo { items: Timer[]; head: number }

export class TimerQueue {
  private seq = 0;
  private readonly byDelay = new Map<number, Fifo>();
  private readonly fifos: Fifo[] = [];
  /** Timers that came out of order with their delay's queue, in a binary min-heap. */
  private readonly heap: Timer[] = [];
  /** Time of the earliest armed timer (Infinity when none). */
  private nextT = Infinity;

  /** Arms `fire` for the first event later than `t`; `now` is the time of the last event seen. */
  at(t: number, now: number, fire: () => void): void {
    const tm: Timer = { t, seq: this.seq++, fire };
    const delay = t - now;
    let q = this.byDelay.get(delay);
    if (q === undefined) {
      // a few delays get queues (the rules use a handful); any other goes to the heap
      if (this.fifos.length >= MAX_QUEUES) { pushHeap(this.heap, tm); if (t < this.nextT) this.nextT = t; return; }
      q = { items: [], head: 0 };
      this.byDelay.set(delay, q);
      this.fifos.push(q);
    }
    const items = q.items;
    if (items.length > q.head && items[items.length - 1]!.t > t) pushHeap(this.heap, tm);
    else items.push(tm);
    if (t < this.nextT) this.nextT = t;
  }

  /** Fires, in order, every timer earlier than `t` (an event at `t` arrives). */
  fireBefore(t: number): void {
    while (this.nextT < t) {
      // the earliest head among the queues and the heap
      let best: Timer | undefined;
      let from: Fifo | undefined;
      for (const q of this.fifos) {
        if (q.head < q.items.length) {
          const h = q.items[q.head]!;
          if (best === undefined || before(h, best)) { best = h; from = q; }
        }
      }
      const heap = this.heap;
      if (heap.length > 0 && (best === undefined || before(heap[0]!, best))) { best = popHeap(heap); from = undefined; }
      else if (from !== undefined) {
        from.head++;
        if (from.head === from.items.length) { from.items.length = 0; from.head = 0; }
        else if (from.head >= 1024 && from.head * 2 >= from.items.length) { from.items.splice(0, from.head); from.head = 0; }
      }
      this.nextT = this.earliest();
      best!.fire();
    }
  }

  private earliest(): number {
    let m = this.heap.length > 0 ? this.heap[0]!.t : Infinity;
    for (const q of this.fifos) if (q.head < q.items.length && q.items[q.head]!.t < m) m = q.items[q.head]!.t;
    return m;
  }
}

function pushHeap(h: Timer[], tm: Timer): void {
  let k = h.length;
  h.push(tm);
  while (k > 0) {
    const p = (k - 1) >> 1;
    if (!before(tm, h[p]!)) break;
    h[k] = h[p]!;
    k = p;
  }
  h[k] = tm;
}

function popHeap(h: Timer[]): Timer {
  const top = h[0]!; // popped only when not empty
  const last = h.pop()!;
  if (h.length === 0) return top;
  let k = 0;
  for (;;) {
    const l = 2 * k + 1;
    if (l >= h.length) break;
    const c = l + 1 < h.length && before(h[l + 1]!, h[l]!) ? l + 1 : l;
    if (!before(h[c]!, last)) break;
    h[k] = h[c]!;
    k = c;
  }
  h[k] = last;
  return top;
}

/**
 * A rule's moving deadline (the request it waits on now, replaced by the next): `due()` is called
 * at the first event later than `deadline()` (Infinity: none), exactly as if a timer were armed at
 * every change, and must move the deadline (report and clear). Call the returned `update()` after
 * each change. A timer is armed only when the deadline comes before every one already armed; one
 * that finds the deadline moved later re-arms for it. A rule that opens a request per protected
 * enter armed two timers a request before, most of them for requests long replaced.
 */
export function movingDeadline(at: (t: number, fire: () => void) => void, deadline: () => number, due: () => void): () => void {
  const armed: number[] = []; // times of the armed timers, earliest first
  const update = (): void => {
    const d = deadline();
    if (d !== Infinity && (armed.length === 0 || d < armed[0]!)) { armed.unshift(d); at(d, fire); }
  };
  const fire = (): void => {
    const t = armed.shift()!;
    // an event later than t arrives: a deadline at or before t has passed
    if (deadline() <= t) due();
    update();
  };
  return update;
}
