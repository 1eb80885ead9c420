/**
 * Where runs run. The local pool is piscina (worker threads, one per core by default); the Redis
 * queue is BullMQ (queue.ts). Both take a RunSpec and give back the RunResult of run.ts, computed
 * by the same function, so that a sweep gives the same table either way.
 *
 * `runOrdered` keeps a window of runs in flight and hands results back in submission order, so
 * that what a command prints and decides does not depend on which run finished first.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import type { Piscina } from 'piscina';
import type { RunResult, RunSpec } from './run.js';

export interface Runner {
  /** Runs in parallel (threads, or a window for a queue). */
  readonly size: number;
  run(spec: RunSpec): Promise<RunResult>;
  close(): Promise<void>;
  /** What it is, for the command's report: `local pool, 2 threads`. */
  readonly label: string;
}

/** Default number of threads of the local pool: one per core. */
export function defaultThreads(): number { return Math.max(1, availableParallelism()); }

/**
 * A piscina pool of `threads` worker threads, each running run.ts in-process (a run's trace is held
 * in memory: a fuzz that stops at its first failure closes the pool with runs in flight, and leaves
 * nothing behind).
 */
export class LocalPool implements Runner {
  private readonly pool: Piscina<RunSpec, RunResult>;
  readonly size: number;
  readonly label: string;
  constructor(threads = defaultThreads()) {
    this.size = threads;
    this.label = `local pool, ${threads} thread${threads === 1 ? '' : 's'}`;
    // loaded on first use: every csftrace command imports this module, few make a pool
    const { Piscina: Pool } = createRequire(import.meta.url)('piscina') as typeof import('piscina');
    this.pool = new Pool({
      filename: new URL('./pool-worker.js', import.meta.url).href,
      minThreads: threads, maxThreads: threads,
      // one run at a time per thread: a run is CPU-bound from start to end
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
    });
  }
  run(spec: RunSpec): Promise<RunResult> { return this.pool.run(spec); }
  /**
   * The mean time its runs took on their threads (ms, from a run's hand-over to its result) since
   * the last call: the pool's pace while its threads are busy, which a batch's last run (the other
   * threads idle meanwhile) does not slow (npm run bench -- explore). NaN when no run ended since.
   */
  takeMeanRunMs(): number {
    const h = this.pool.histogram;
    const ms = h.runTime.average;
    h.resetRunTime();
    return ms;
  }
  async close(): Promise<void> { await this.pool.destroy(); }
}

/**
 * Runs `specs` (pulled lazily, in order) on `runner` with at most `window` in flight; `onResult`
 * gets each result in the order of the specs; returning false ends the call at once (runs still
 * in flight are left to finish or to be dropped when the runner closes).
 */
export async function runOrdered(
  runner: Runner, specs: Iterator<RunSpec>, onResult: (r: RunResult, index: number) => boolean | void, window = runner.size * 2,
): Promise<void> {
  const inflight = new Map<number, Promise<RunResult>>();
  let next = 0;     // index of the next spec to pull
  let handed = 0;   // index of the next result to hand over
  let more = true;
  const fill = (): void => {
    while (more && inflight.size < window) {
      const it = specs.next();
      if (it.done) { more = false; break; }
      const p = runner.run(it.value);
      p.catch(() => undefined); // observed below, in order
      inflight.set(next++, p);
    }
  };
  fill();
  while (handed < next) {
    const r = await inflight.get(handed)!;
    inflight.delete(handed);
    if (onResult(r, handed) === false) return;
    handed++;
    fill();
  }
}
