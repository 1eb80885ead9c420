/**
 * Kernel work items as generators: a work item yields what it waits for (a condition with a
 * timeout, or a sleep) and is resumed with true (condition met) or false (timed out). One ordered
 * worker runs them one at a time, like the scheduler's workqueue under sched->lock.
 *
 *   queue(work) ──► run until yield ──► wait(until, timeout) ──► poll() after FW output changes
 *                                                           └──► timeout token fires → resume(false)
 */
import type { Ns, Sim } from '../sim/index.js';

export interface WaitFor {
  /** Condition polled after every FW output change, called with `arg`; undefined = plain sleep. */
  until: ((arg: unknown) => boolean) | undefined;
  /**
   * What `until` is called with. The model's waits pass a module-level predicate and its argument,
   * not a closure made at each wait: V8 keeps the optimized code of a function whose closures all
   * died only until the next full collection (world.ts lastRun), and a closure per wait recompiled
   * every few runs of a pool thread.
   */
  arg: unknown;
  /** Timeout (for a wait) or duration (for a sleep), ns. */
  dt: Ns;
}

export type Work = Generator<WaitFor, void, boolean>;
/** A work item: a generator, or a function that does its work at once and may return one. */
export type WorkItem = Work | (() => Work | undefined);

export const sleep = (dt: Ns): WaitFor => ({ until: undefined, arg: undefined, dt });
/** Waits until `until(arg)` holds, at most `timeout` (resumed with false then). */
export function waitUntil<A>(until: (arg: A) => boolean, timeout: Ns, arg: A): WaitFor {
  return { until: until as (arg: unknown) => boolean, arg, dt: timeout };
}

export class Worker {
  private readonly pending: WorkItem[] = [];
  private current: Work | null = null;
  private cond: ((arg: unknown) => boolean) | undefined;
  private condArg: unknown;
  /** Generation of the current wait: timeouts of older waits are ignored (no cancellation). */
  private gen = 0;
  private readonly onTimeout = (gen: number): void => {
    if (gen !== this.gen) return;
    this.gen++;
    this.cond = undefined; this.condArg = undefined;
    this.step(false);
  };
  private kickArmed = false;
  private readonly kick = (): void => { this.kickArmed = false; if (!this.current) this.next(); };
  /**
   * Other kernel threads (ioctl contexts, the heap_alloc_wq) whose waits are re-checked with this
   * worker's: each runs its own items, in its own order, so their steps interleave with this one's.
   */
  readonly peers: Worker[] = [];

  constructor(private readonly sim: Sim, readonly name = 'sched') {}

  get busy(): boolean { return this.current !== null; }

  /** Queues a work item; it starts after the current callback (work never runs inside its caller). */
  queue(w: WorkItem): void {
    this.pending.push(w);
    if (!this.current && !this.kickArmed) { this.kickArmed = true; this.sim.after(0, this.kick); }
  }

  /** Drops every queued and running work item (reset). */
  flush(): void {
    this.gen++; this.cond = undefined; this.condArg = undefined;
    const cur = this.current;
    this.current = null;
    this.pending.length = 0;
    if (cur) cur.return();
  }

  /** Re-checks the running item's wait condition (called after FW outputs change). */
  poll(): void {
    if (this.cond && this.cond(this.condArg)) {
      this.gen++; this.cond = undefined; this.condArg = undefined;
      this.step(true);
    }
    const p = this.peers;
    for (let i = 0; i < p.length; i++) p[i]!.poll();
  }

  private next(): void {
    while (!this.current && this.pending.length) {
      const it = this.pending.shift() as WorkItem;
      const w = typeof it === 'function' ? it() : it;
      if (!w) continue;
      this.current = w;
      this.step(true);
    }
  }

  private step(v: boolean): void {
    const w = this.current;
    if (!w) return;
    for (;;) {
      const r = w.next(v);
      if (this.current !== w) return;          // flushed from inside
      if (r.done) { this.current = null; this.next(); return; }
      const wf = r.value;
      if (wf.until) {
        if (wf.until(wf.arg)) { v = true; continue; }
        this.cond = wf.until;
        this.condArg = wf.arg;
        this.sim.afterFixed(wf.dt, this.onTimeout, ++this.gen);
        return;
      }
      this.cond = undefined; this.condArg = undefined;
      this.sim.afterFixed(wf.dt, this.onTimeout, ++this.gen);
      return;
    }
  }
}
