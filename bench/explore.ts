/**
 * Runs per second of fuzz and sweep runs (explore/): the local piscina pool with 1 and 2 threads
 * (scaling ratio; target ≥ 1.8× on two cores) and BullMQ over a local redis-server with two
 * `csftrace worker` processes of one thread each (overhead against the 2-thread pool; target
 * ≤ 10% for runs of ≥ 100 ms). The workload: drm-video-over-ui at 2 s virtual under the four
 * policies and several seeds (each run is record + check + metrics in-process, 0.1–0.2 s of CPU).
 * One warm-up matrix first on each runner (threads and workers load the model's modules once).
 * On a machine shared with other jobs these ratios move a lot between runs: read them with the
 * load average noted beside them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROTM_POLICIES, findBuiltin } from '../hw-model/index.js';
import { LocalPool, QueueRunner, runOrdered, sweepCells, type Runner, type RunSpec } from '../explore/index.js';
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

async function timeRuns(runner: Runner, list: RunSpec[]): Promise<number> {
  const t0 = process.hrtime.bigint();
  await runOrdered(runner, list[Symbol.iterator](), () => true);
  return Number(process.hrtime.bigint() - t0) / 1e9;
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
  const seeds = ctx.quick ? [1, 2] : [1, 2, 3, 4, 5, 6];
  // every thread's isolate compiles the model for itself: warm each one on a few runs, or the
  // 2-thread figure pays twice the JIT's start-up inside the measurement
  const warm = specs([100, 101, 102, 103]);
  const list = specs(seeds);
  const rate = { local1: NaN, local2: NaN, redis: NaN };
  for (const threads of [1, 2] as const) {
    const pool = new LocalPool(threads);
    try {
      await timeRuns(pool, warm);
      const s = await timeRuns(pool, list);
      rate[`local${threads}` as const] = list.length / s;
      ctx.report(`local pool, ${threads} thread${threads === 1 ? '' : 's'}: runs/s (${list.length} runs of ${RUN_NS / 1e9} s virtual)`, list.length / s, 'runs/s');
    } finally { await pool.close(); }
  }
  ctx.report('local pool scaling, 2 threads / 1 thread', rate.local2 / rate.local1, 'x', '≥ 1.8x');
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
      await timeRuns(q, warm);
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
