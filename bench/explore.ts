/**
 * Runs per second of fuzz and sweep runs (explore/): the local piscina pool with 1 and 2 threads
 * (scaling ratio; target ≥ 1.8× on two cores) and BullMQ over a local redis-server with two
 * `csftrace worker` processes of one thread each (overhead against the 2-thread pool; target
 * ≤ 10% for runs of ≥ 100 ms). The workload: drm-video-over-ui at 2 s virtual under the four
 * policies and several seeds (each run is record + check + metrics in-process, 0.1–0.2 s of CPU).
 *
 * A fuzz or sweep makes hundreds to thousands of runs, so the figures are those of warm threads:
 * each thread first makes WARM_RUNS runs (the JIT keeps optimising new functions for about a
 * hundred runs, on V8's helper threads, which compete with the second pool thread for the cores),
 * then the pool sizes alternate in pairs and the ratio is the median of the pairs' ratios (a
 * single measurement moves by 10–20 % on this machine). Beside each rate: the cores the process
 * used (CPU seconds of all its threads per wall second), the figure that bounds the scaling.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROTM_POLICIES, findBuiltin } from '../hw-model/index.js';
import { LocalPool, QueueRunner, runOrdered, sweepCells, type Runner, type RunSpec } from '../explore/index.js';
import { median } from './format-pairs.js';
import type { Bench, BenchContext } from './registry.js';

/** Virtual time of one run: 2 s of drm-video-over-ui is 0.1–0.2 s of CPU, the size the targets name. */
const RUN_NS = 2e9;

function specs(seeds: number[]): RunSpec[] {
  const name = 'drm-video-over-ui';
  return sweepCells({
    scenarios: [{ name, text: findBuiltin(name)!.text, source: `builtin:${name}` }],
    policies: [...PROTM_POLICIES], seeds, fw: [[]], durationNs: RUN_NS,
  }).map((c) => c.spec);
}

/** Runs a thread makes before it is measured (the JIT settles after about a hundred). */
const WARM_RUNS = 100;

async function timeRuns(runner: Runner, list: RunSpec[]): Promise<number> {
  const t0 = process.hrtime.bigint();
  await runOrdered(runner, list[Symbol.iterator](), () => true);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** Runs per second of `list` on a warmed pool of `threads`, and the cores the process used meanwhile. */
async function poolRate(threads: number, warm: RunSpec[], list: RunSpec[]): Promise<{ rate: number; cores: number }> {
  const pool = new LocalPool(threads);
  try {
    await timeRuns(pool, warm.slice(0, WARM_RUNS * threads));
    const c0 = process.cpuUsage();
    const s = await timeRuns(pool, list);
    const c = process.cpuUsage(c0);
    return { rate: list.length / s, cores: (c.user + c.system) / 1e6 / s };
  } finally { await pool.close(); }
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

async function run(ctx: BenchContext): Promise<void> {
  const seeds = ctx.quick ? [1, 2] : [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const warmSeeds = Array.from({ length: Math.ceil((ctx.quick ? 8 : 2 * WARM_RUNS) / PROTM_POLICIES.length) }, (_, k) => 100 + k);
  const warm = specs(warmSeeds).slice(0, ctx.quick ? 8 : 2 * WARM_RUNS);
  const list = specs(seeds);
  const pairs = ctx.quick ? 1 : 3;
  const one: { rate: number; cores: number }[] = [], two: { rate: number; cores: number }[] = [];
  for (let k = 0; k < pairs; k++) {
    one.push(await poolRate(1, warm, list));
    two.push(await poolRate(2, warm, list));
  }
  const show = (xs: { rate: number; cores: number }[]): string => xs.map((x) => `${x.rate.toFixed(1)} (${x.cores.toFixed(2)} cores)`).join(' / ');
  const rate = { local1: median(one.map((x) => x.rate)), local2: median(two.map((x) => x.rate)), redis: NaN };
  ctx.report(`local pool, 1 thread: runs/s (${list.length} runs of ${RUN_NS / 1e9} s virtual, warm), median of ${pairs}: ${show(one)}`, rate.local1, 'runs/s');
  ctx.report(`local pool, 2 threads: runs/s, median of ${pairs}: ${show(two)}`, rate.local2, 'runs/s');
  ctx.report(`local pool scaling, 2 threads / 1 thread, median of the ${pairs} pairs' ratios`, median(one.map((x, k) => two[k]!.rate / x.rate)), 'x', '≥ 1.8x');
  ctx.note(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} after the local runs`);

  if (spawnSync('redis-server', ['--version']).status !== 0) { ctx.note('redis-server not installed: the BullMQ figures are left out'); return; }
  const dir = mkdtempSync(join(tmpdir(), 'csftrace-bench-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const procs: ChildProcess[] = [];
  try {
    const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]);
    procs.push(redis);
    await waitFor(redis, /Ready to accept connections/, 20_000);
    const main = new URL('../cli/main.js', import.meta.url).pathname;
    for (let k = 0; k < 2; k++) {
      const w = spawn(process.execPath, [main, 'worker', '--queue', url, '--threads', '1', '--quiet']);
      procs.push(w);
      await waitFor(w, /ready/, 30_000);
    }
    const q = await QueueRunner.open(url);
    try {
      await timeRuns(q, warm.slice(0, 2 * WARM_RUNS));
      const s = await timeRuns(q, list);
      rate.redis = list.length / s;
      ctx.report(`BullMQ over Redis, 2 workers × 1 thread: runs/s (${list.length} runs)`, rate.redis, 'runs/s');
      ctx.report('BullMQ overhead against the 2-thread local pool', (rate.local2 / rate.redis - 1) * 100, '%', '≤ 10%');
    } finally { await q.close(); }
    ctx.note(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} after the BullMQ runs`);
  } finally {
    for (const p of procs.reverse()) p.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

export const exploreBench: Bench = { name: 'explore', run };
