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
  /** Condition polled after every FW output change; undefined = plain sleep. */
  until?: () => boolean;
  /** Timeout (for a wait) or duration (for a sleep), ns. */
  dt: Ns;
}

export type Work = Generator<WaitFor, void, boolean>;

export const sleep = (dt: Ns): WaitFor => ({ dt });
export const waitUntil = (until: () => boolean, timeout: Ns): WaitFor => ({ until, dt: timeout });

export class Worker {
  private readonly pending: Work[] = [];
  private current: Work | null = null;
  private cond: (() => boolean) | undefined;
  private token = -1;
  private readonly onTimeout = (): void => { this.token = -1; this.cond = undefined; this.step(false); };

  constructor(private readonly sim: Sim) {}

  get busy(): boolean { return this.current !== null; }

  queue(w: Work): void {
    this.pending.push(w);
    if (!this.current) this.next();
  }

  /** Drops every queued and running work item (reset). */
  flush(): void {
    if (this.token >= 0) this.sim.cancel(this.token);
    this.token = -1; this.cond = undefined;
    const cur = this.current;
    this.current = null;
    this.pending.length = 0;
    if (cur) cur.return();
  }

  /** Re-checks the running item's wait condition (called after FW outputs change). */
  poll(): void {
    if (this.cond && this.cond()) {
      this.sim.cancel(this.token);
      this.token = -1; this.cond = undefined;
      this.step(true);
    }
  }

  private next(): void {
    while (!this.current && this.pending.length) {
      this.current = this.pending.shift() as Work;
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
        if (wf.until()) { v = true; continue; }
        this.cond = wf.until;
        this.token = this.sim.after(wf.dt, this.onTimeout);
        return;
      }
      this.token = this.sim.after(wf.dt, this.onTimeout);
      this.cond = undefined;
      return;
    }
  }
}
