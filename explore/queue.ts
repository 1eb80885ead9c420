/**
 * Runs on BullMQ over Redis: `--queue redis://host:port` sends each run as a job; `csftrace worker
 * --queue …` processes jobs with a local pool (pool.ts) on any number of machines. Retries are
 * BullMQ's: a run whose worker failed is retried (`attempts`), and a run whose worker was lost
 * (killed, cut off) is found stalled once its lock expires and is handed to another worker. The
 * result is the RunResult of run.ts, computed by the same function as locally.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ConnectionOptions, Job, Queue, QueueEvents } from 'bullmq';
import { LocalPool, type Runner } from './pool.js';
import type { RunResult, RunSpec } from './run.js';

// bullmq is imported where a queue is opened: every csftrace command loads this module, few use it.

/** The BullMQ queue name unless --queue-name says otherwise. */
export const DEFAULT_QUEUE_NAME = 'csftrace-runs';
/** How many times a run is tried before its failure is reported (failed or lost workers). */
export const RUN_ATTEMPTS = 3;

export class QueueUrlError extends Error {}

/** A run that failed on every attempt: one line for the user (the CLI's error path), exit 2. */
export class RunFailedError extends Error {
  readonly userFacing = true;
}

/** `redis://[user:password@]host[:port]` → connection options (port 6379 by default). */
export function parseQueueUrl(text: string): ConnectionOptions & { host: string; port: number } {
  let u: URL;
  try { u = new URL(text); } catch { throw new QueueUrlError(`expected redis://host:port (got "${text}")`); }
  if (u.protocol !== 'redis:') throw new QueueUrlError(`expected a redis:// URL (got "${text}")`);
  if (!u.hostname) throw new QueueUrlError(`no host in "${text}"`);
  const port = u.port ? Number(u.port) : 6379;
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''), port,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    // BullMQ's workers block on Redis: no per-request retry limit (BullMQ's requirement)
    maxRetriesPerRequest: null,
  };
}

/** Resolves when Redis answers, else rejects after `ms` with a one-line reason. */
async function reachable(q: Queue, url: string, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new QueueUrlError(`${url}: no answer from Redis within ${ms / 1000} s`)), ms); });
  try {
    await Promise.race([(async () => { await q.waitUntilReady(); await q.count(); })(), timeout]);
  } finally { clearTimeout(timer); }
}

/** The submitting side: each run is a job; the result comes back through the queue's events. */
export class QueueRunner implements Runner {
  readonly size: number;
  readonly label: string;
  private readonly session = randomUUID();
  private seq = 0;
  private constructor(private readonly queue: Queue, private readonly events: QueueEvents, url: string, window: number) {
    this.size = window;
    this.label = `BullMQ queue ${queue.name} at ${url}`;
  }

  /** Connects (one-line error when Redis does not answer within 5 s). */
  static async open(url: string, name = DEFAULT_QUEUE_NAME, window = 64): Promise<QueueRunner> {
    const connection = parseQueueUrl(url);
    const { Queue, QueueEvents } = await import('bullmq');
    const queue = new Queue(name, { connection });
    queue.on('error', () => { /* reported by the calls that fail */ });
    try { await reachable(queue, url, 5000); } catch (e) { await queue.close().catch(() => undefined); throw e; }
    const events = new QueueEvents(name, { connection });
    events.on('error', () => { /* idem */ });
    // every run in flight waits on these two (job.waitUntilFinished): no listener limit
    queue.setMaxListeners(0);
    events.setMaxListeners(0);
    await events.waitUntilReady();
    return new QueueRunner(queue, events, url, window);
  }

  async run(spec: RunSpec): Promise<RunResult> {
    const job = await this.queue.add('run', spec, {
      jobId: `${this.session}-${this.seq++}`,
      attempts: RUN_ATTEMPTS, backoff: { type: 'fixed', delay: 200 },
      removeOnComplete: { age: 3600 }, removeOnFail: { age: 24 * 3600 },
    });
    let r: RunResult & { worker?: string };
    try { r = await job.waitUntilFinished(this.events) as RunResult & { worker?: string }; } catch (e) {
      throw new RunFailedError(`run ${spec.id} failed on the workers after ${RUN_ATTEMPTS} attempts: ${(e as Error).message.split('\n')[0]}`);
    }
    // which worker ran it is not part of the result (results are identical wherever they ran)
    delete r.worker;
    return r;
  }

  async close(): Promise<void> {
    await this.events.close();
    await this.queue.close();
  }
}

export interface WorkerOptions {
  url: string;
  name?: string | undefined;
  threads: number;
  /** How long a job's lock lasts; a lost worker's job is retried elsewhere this long after (BullMQ lockDuration). */
  lockMs: number;
  /** Called as jobs start and end (the worker command's log lines). */
  log?: ((line: string) => void) | undefined;
}

/** A worker process: pulls runs from the queue, runs them on a local pool. */
export async function startWorker(o: WorkerOptions): Promise<{ close(): Promise<void>; label: string }> {
  const connection = parseQueueUrl(o.url);
  const { Queue, Worker } = await import('bullmq');
  const name = o.name ?? DEFAULT_QUEUE_NAME;
  const probe = new Queue(name, { connection });
  probe.on('error', () => undefined);
  try { await reachable(probe, o.url, 5000); } finally { await probe.close().catch(() => undefined); }
  const pool = new LocalPool(o.threads);
  const me = `${hostname()}:${process.pid}`;
  const worker = new Worker(name, async (job: Job<RunSpec>) => {
    o.log?.(`start ${job.id} ${job.data.id} (attempt ${job.attemptsMade + 1}${job.stalledCounter ? `, stalled ${job.stalledCounter}×` : ''})`);
    let r: RunResult;
    try { r = await pool.run(job.data); } catch (e) {
      o.log?.(`failed ${job.id} ${job.data.id}: ${(e as Error).message.split('\n')[0]}`);
      throw e;
    }
    o.log?.(`done ${job.id} ${job.data.id} ${r.events} events`);
    return { ...r, worker: me };
  }, {
    connection, concurrency: o.threads,
    // the model runs in the pool's threads, so this thread renews locks while runs go on
    lockDuration: o.lockMs, stalledInterval: Math.max(500, Math.floor(o.lockMs / 2)), maxStalledCount: RUN_ATTEMPTS,
  });
  worker.on('error', (e) => o.log?.(`error: ${e.message.split('\n')[0]}`));
  await worker.waitUntilReady();
  return {
    label: `worker ${me} on ${name} at ${o.url}, ${o.threads} thread${o.threads === 1 ? '' : 's'}`,
    async close() { await worker.close(); await pool.close(); },
  };
}
