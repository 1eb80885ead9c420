/**
 * The simulation kernel: virtual clock, event queue, seeded RNG streams and the tracepoint bus.
 * Components schedule callbacks with at()/after(); run() advances virtual time by popping them in
 * (time, sequence) order. Nothing here reads the wall clock.
 */
import { EventQueue, type Callback } from './event-queue.js';
import { Rng } from './rng.js';
import type { Ns } from './time.js';
import { TracepointBus } from './tracepoints.js';

/** Callbacks between two onProgress calls of run(): about 1–3 ms of simulation. */
export const PROGRESS_EVERY = 4096;

export class Sim {
  now: Ns = 0;
  readonly queue = new EventQueue();
  readonly bus: TracepointBus;
  private rngs = new Map<string, Rng>();
  private stopped = false;
  private readonly popped = { t: 0, fn: undefined as unknown as Callback, arg: undefined as unknown };

  constructor(readonly seed: number) {
    this.bus = new TracepointBus(() => this.now);
  }

  /** The PRNG stream named `stream` (created on first use from the seed and the name). */
  rng(stream: string): Rng {
    let r = this.rngs.get(stream);
    if (!r) { r = new Rng(this.seed, stream); this.rngs.set(stream, r); }
    return r;
  }

  /** Schedules fn(arg) at absolute time t (clamped to now). Returns a cancel token. */
  at<A>(t: Ns, fn: (arg: A) => void, arg?: A): number {
    return this.queue.push(t < this.now ? this.now : t, fn as Callback, arg);
  }

  /** Schedules fn(arg) dt ns from now. Returns a cancel token. */
  after<A>(dt: Ns, fn: (arg: A) => void, arg?: A): number {
    return this.queue.push(this.now + (dt > 0 ? dt : 0), fn as Callback, arg);
  }

  /**
   * after(), for a delay that is one of a few fixed values (a FW latency, a timeout): the queue
   * keeps one FIFO per such delay instead of sorting the entries into its heap. Same order as
   * after(dt, fn, arg).
   */
  afterFixed<A>(dt: Ns, fn: (arg: A) => void, arg?: A): number {
    return this.queue.pushFixed(this.now, dt > 0 ? dt : 0, fn as Callback, arg);
  }

  cancel(token: number): void { this.queue.cancel(token); }

  /** Stops run() after the current callback. */
  stop(): void { this.stopped = true; }

  /**
   * Runs until virtual time `until` (inclusive), the queue empties, or stop(). `onProgress`, if
   * given, is called every `progressEvery` callbacks (for progress bars at the edges, and where a
   * recording notices a stop signal: a few milliseconds apart even on a loaded machine).
   */
  run(until: Ns, onProgress?: (now: Ns) => void, progressEvery = PROGRESS_EVERY): void {
    this.stopped = false;
    const q = this.queue, p = this.popped;
    let n = 0;
    while (!this.stopped && q.popUntil(until, p)) {
      this.now = p.t;
      p.fn(p.arg);
      if (onProgress && ++n % progressEvery === 0) onProgress(this.now);
    }
    if (!this.stopped && this.now < until) this.now = until;
  }
}
