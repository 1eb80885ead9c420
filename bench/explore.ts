/**
 * Runs per second of fuzz and sweep runs (explore/): the local piscina pool with 1 and 2 threads
 * (scaling ratio; target ≥ 1.8× on two cores) and BullMQ over a local redis-server (overhead
 * against the 2-thread pool; target ≤ 10% for runs of ≥ 100 ms), with two `csftrace worker`
 * processes of one thread each and with one of two threads (the pool's own arrangement: what
 * Redis itself costs). The workload: drm-video-over-ui at 5 s virtual under the four policies and
 * several seeds (each run is record + check + metrics in-process, 0.1–0.2 s of CPU on a warm
 * thread).
 *
 * A fuzz or sweep makes hundreds to thousands of runs, so the figures are those of warm threads:
 * each thread first makes WARM_RUNS runs (V8 optimises the model's, the recorder's and the check's
 * functions over the first runs, on its helper threads, which compete with the second pool thread
 * for the cores; what it compiled stays valid from run to run since world.ts keeps the last run).
 * Then the set-ups alternate in eight rounds of 24 runs (the pools and the workers stay up and
 * warm; every other round in the reverse order) and each ratio is the median of the rounds'
 * ratios: a single measurement moves by 10–20 % on this machine, and short rounds keep the
 * set-ups compared within seconds of each other. Beside each pool rate: the cores the process used
 * (CPU seconds of all its threads per wall second), the figure that bounds the scaling.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROTM_POLICIES, findBuiltin } from '../hw-model/index.js';
import { LocalPool, QueueRunner, runOrdered, sweepCells, type Runner, type RunSpec } from '../explore/index.js';
import { median } from './format-pairs.js';
import type { Bench, BenchContext } from './registry.js';

/**
 * Virtual time of one run: 5 s of drm-video-over-ui is 0.1–0.2 s of CPU on a warm thread, the run
 * size the targets name (2 s was, on a cold one; warm, it is 50 ms, where Redis's round trips count).
 */
const RUN_NS = 5e9;

function specs(seeds: number[]): RunSpec[] {
  const name = 'drm-video-over-ui';
  return sweepCells({
    scenarios: [{ name, text: findBuiltin(name)!.text, source: `builtin:${name}` }],
    policies: [...PROTM_POLICIES], seeds, fw: [[]], durationNs: RUN_NS,
  }).map((c) => c.spec);
}

/**
 * A pool's runs per second, the cores its process used meanwhile, and its pace: runs per second
 * from the mean time a run took on its thread (threads / mean), which leaves out the end of the
 * batch, where the other thread is idle once the last run has started.
 */
type Rate = { rate: number; cores: number; pace: number };

/** Runs a thread makes before it is measured (the JIT settles after about 250 s of virtual time). */
const WARM_RUNS = 50;

async function timeRuns(runner: Runner, list: RunSpec[]): Promise<number> {
  const t0 = process.hrtime.bigint();
  await runOrdered(runner, list[Symbol.iterator](), () => true);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** Runs per second of `list` on `pool` (warmed), and the cores the process used meanwhile. */
async function poolRate(pool: LocalPool, list: RunSpec[]): Promise<Rate> {
  pool.takeMeanRunMs();
  const c0 = process.cpuUsage();
  const s = await timeRuns(pool, list);
  const c = process.cpuUsage(c0);
  return { rate: list.length / s, cores: (c.user + c.system) / 1e6 / s, pace: pool.size * 1000 / pool.takeMeanRunMs() };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const a = s.address(); s.close(() => resolve(typeof a === 'object' && a ? a.port : 0)); });
  });
}

async function waitFor(p: ChildProcess, re: RegExp, ms: number): Promise<void> {
  let text = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${re} within ${ms} ms`)), ms);
    const on = (b: Buffer): void => { text += b.toString(); if (re.test(text)) { clearTimeout(timer); resolve(); } };
    p.stdout?.on('data', on);
    p.stderr?.on('data', on);
  });
}

/** Redis on a free port (its URL and pid); undefined without redis-server. */
async function startRedis(ctx: BenchContext, procs: ChildProcess[], dir: string): Promise<{ url: string; pid: number } | undefined> {
  if (spawnSync('redis-server', ['--version']).status !== 0) { ctx.note('redis-server not installed: the BullMQ figures are left out'); return undefined; }
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]);
  procs.push(redis);
  await waitFor(redis, /Ready to accept connections/, 20_000);
  return { url: `redis://127.0.0.1:${port}`, pid: redis.pid ?? -1 };
}

/** `csftrace worker` processes of `threads` threads each on queue `name`, and a runner that submits to them, warmed. */
async function startWorkers(url: string, name: string, threads: number[], warm: RunSpec[], procs: ChildProcess[]): Promise<{ q: QueueRunner; pids: number[] }> {
  const main = new URL('../cli/main.js', import.meta.url).pathname;
  const pids: number[] = [];
  for (const t of threads) {
    const w = spawn(process.execPath, [main, 'worker', '--queue', url, '--queue-name', name, '--threads', String(t), '--quiet']);
    procs.push(w);
    if (w.pid !== undefined) pids.push(w.pid);
    await waitFor(w, /ready/, 30_000);
  }
  const q = await QueueRunner.open(url, name);
  await timeRuns(q, warm);
  return { q, pids };
}

/** CPU seconds of a process (all its threads) or of one thread (`/proc/<pid>/task/<tid>`), from /proc; NaN elsewhere. */
function procCpuS(path: string): number {
  try {
    const raw = readFileSync(`${path}/stat`, 'utf8');
    const f = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
  } catch { return NaN; }
}
/** The kernel's USER_HZ, 100 on Linux (what /proc/<pid>/stat counts in). */
const CLOCK_TICKS = 100;

/**
 * Where the CPU of a round through Redis went: the queue's own work (redis-server, the submitting
 * process, each worker's main thread, which speaks to Redis and hands runs to its pool) against
 * the rest of the workers (the pool threads making the runs, and V8's helpers for them).
 */
function queueCpu(redisPid: number, workerPids: number[]): () => { queue: number; runs: number } {
  const read = (): { queue: number; runs: number } => {
    const self = process.cpuUsage();
    let queue = procCpuS(`/proc/${redisPid}`) + (self.user + self.system) / 1e6, runs = 0;
    for (const pid of workerPids) {
      const main = procCpuS(`/proc/${pid}/task/${pid}`);
      queue += main;
      runs += procCpuS(`/proc/${pid}`) - main;
    }
    return { queue, runs };
  };
  const a = read();
  return () => { const b = read(); return { queue: b.queue - a.queue, runs: b.runs - a.runs }; };
}

async function run(ctx: BenchContext): Promise<void> {
  const seeds = ctx.quick ? [1, 2] : [1, 2, 3, 4, 5, 6];
  const warmSeeds = Array.from({ length: Math.ceil((ctx.quick ? 8 : 2 * WARM_RUNS) / PROTM_POLICIES.length) }, (_, k) => 100 + k);
  const warm = specs(warmSeeds).slice(0, ctx.quick ? 8 : 2 * WARM_RUNS);
  const list = specs(seeds);
  const rounds = ctx.quick ? 1 : 8;
  const dir = mkdtempSync(join(tmpdir(), 'csftrace-bench-redis-'));
  const procs: ChildProcess[] = [];
  const queues: QueueRunner[] = [];
  const pools: LocalPool[] = [];
  try {
    // the pools and the workers stay up (and warm) across the rounds. Two
    // arrangements through Redis: what the issue names (two worker processes of one thread) and
    // the local pool's own (one process of two threads), which isolates what Redis costs
    const redis = await startRedis(ctx, procs, dir);
    const workerPids: number[][] = [];
    if (redis) {
      for (const [name, threads] of [['bench-2x1', [1, 1]], ['bench-1x2', [2]]] as const) {
        const { q, pids } = await startWorkers(redis.url, name, [...threads], warm, procs);
        queues.push(q);
        workerPids.push(pids);
      }
    }
    for (const threads of [1, 2]) {
      const pool = new LocalPool(threads);
      pools.push(pool);
      await timeRuns(pool, warm.slice(0, WARM_RUNS * threads));
    }
    const [pool1, pool2] = pools as [LocalPool, LocalPool];
    const one: Rate[] = [], two: Rate[] = [], viaQueue: number[][] = queues.map(() => []);
    const split: { queue: number; runs: number; wall: number }[][] = queues.map(() => []);
    for (let k = 0; k < rounds; k++) {
      // every other round in the reverse order: a machine that slows down under sustained load
      // (a VM's CPU credits) does not always penalise the same set-up
      const steps = [async () => { one.push(await poolRate(pool1, list)); }, async () => { two.push(await poolRate(pool2, list)); },
        ...queues.map((q, j) => async () => {
          const cpu = queueCpu(redis!.pid, workerPids[j]!);
          const wall = await timeRuns(q, list);
          viaQueue[j]!.push(list.length / wall);
          split[j]!.push({ ...cpu(), wall });
        })];
      for (const step of k % 2 ? steps.reverse() : steps) await step();
    }
    const show = (xs: Rate[]): string => xs.map((x) => `${x.rate.toFixed(1)} (${x.cores.toFixed(2)} cores)`).join(' / ');
    ctx.report(`local pool, 1 thread: runs/s (${list.length} runs of ${RUN_NS / 1e9} s virtual, warm), median of ${rounds}: ${show(one)}`, median(one.map((x) => x.rate)), 'runs/s');
    ctx.report(`local pool, 2 threads: runs/s, median of ${rounds}: ${show(two)}`, median(two.map((x) => x.rate)), 'runs/s');
    ctx.report(`local pool scaling, 2 threads / 1 thread, median of the ${rounds} rounds' ratios`, median(one.map((x, k) => two[k]!.rate / x.rate)), 'x', '≥ 1.8x');
    // what a sweep of thousands of runs gets: the batch's end, where one thread waits for the
    // other's last run, comes once per command instead of once per round
    ctx.report(`local pool scaling at a busy pace (threads / mean time of a run on its thread), median of the ${rounds} rounds' ratios (per round: ${one.map((x, k) => (two[k]!.pace / x.pace).toFixed(2)).join(' / ')})`,
      median(one.map((x, k) => two[k]!.pace / x.pace)), 'x', '≥ 1.8x');
    const labels = ['2 workers × 1 thread', '1 worker × 2 threads'];
    queues.forEach((_, j) => {
      const r = viaQueue[j]!;
      ctx.report(`BullMQ over Redis, ${labels[j]!}: runs/s, median of ${rounds}: ${r.map((x) => x.toFixed(1)).join(' / ')}`, median(r), 'runs/s');
      ctx.report(`BullMQ, ${labels[j]!}: overhead against the 2-thread local pool (median of the ${rounds} rounds)`, median(r.map((x, k) => two[k]!.rate / x - 1)) * 100, '%', '≤ 10%');
      const c = split[j]!;
      const share = c.map((x) => x.queue / x.runs * 100);
      if (share.every(Number.isFinite)) {
        ctx.report(`BullMQ, ${labels[j]!}: CPU of Redis, the submitter and the workers' main threads, against the runs' (per round: ${share.map((x) => x.toFixed(1)).join(' / ')} %; ${(median(c.map((x) => x.queue)) / list.length * 1000).toFixed(1)} ms a run)`, median(share), '%');
        // beside the pool's: the cores the runs' threads kept busy, and their CPU per run
        ctx.note(`BullMQ, ${labels[j]!}, per round: the runs' threads ${c.map((x) => (x.runs / x.wall).toFixed(2)).join(' / ')} cores, ${c.map((x) => (x.runs / list.length * 1000).toFixed(0)).join(' / ')} ms CPU a run; the 2-thread pool: ${two.map((x) => (x.cores / x.rate * 1000).toFixed(0)).join(' / ')} ms CPU a run`);
      }
    });
    ctx.note(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} after the runs`);
  } finally {
    for (const p of pools) await p.close().catch(() => undefined);
    for (const q of queues) await q.close().catch(() => undefined);
    for (const p of procs.reverse()) p.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

export const exploreBench: Bench = { name: 'explore', run };
