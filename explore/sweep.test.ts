/**
 * The sweep matrix: resumable on the local pool, and the same table through BullMQ over Redis with
 * two workers; a worker killed in the middle of a run has that run finished by another worker.
 * The Redis tests start their own redis-server (Debian package `redis-server`; `.ci/run` installs
 * it) on a free port in a temporary directory; without it they skip, except under CI=true.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILTIN_SCENARIOS, findBuiltin } from '../hw-model/index.js';
import { skipUnless } from '../test-support/skip.js';
import { LocalPool } from './pool.js';
import { QueueRunner, RUN_ATTEMPTS, RunFailedError } from './queue.js';
import { readResults, sweep, sweepCells, sweepCsv, sweepTable, type SweepProgress } from './sweep.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'dist/cli/main.js');

function run(args: string[], cwd: string): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', TMPDIR: cwd } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/**
 * A child process whose stderr and stdout are collected, and its end awaited. Its temporary files go
 * to `cwd` (the test's directory, removed after): a worker killed in a run leaves its trace there.
 */
function start(cmd: string, args: string[], cwd: string): { p: ChildProcess; out: () => string; err: () => string; done: Promise<number | null> } {
  const p = spawn(cmd, args, { cwd, env: { ...process.env, NO_COLOR: '1', TMPDIR: cwd } });
  let out = '';
  let err = '';
  p.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
  p.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
  const done = new Promise<number | null>((resolve) => p.on('close', (code) => resolve(code)));
  return { p, out: () => out, err: () => err, done };
}

async function until(what: string, cond: () => boolean, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const a = s.address(); s.close(() => resolve(typeof a === 'object' && a ? a.port : 0)); });
  });
}

const hasRedis = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;

test('sweep: matrix order, table and CSV; a rerun with the results file skips finished cells (a cut last line is dropped)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'csftrace-sweep-'));
  const pool = new LocalPool(2);
  try {
    const scenarios = ['drm-video-over-ui', 'priority-inversion'].map((n) => ({ name: n, text: findBuiltin(n)!.text, source: `builtin:${n}` }));
    const cells = sweepCells({ scenarios, policies: ['panthor-2026', 'kbase'], seeds: [1, 2], fw: [[], ['protm_enter_without_pending=hang']], durationNs: 100e6 });
    assert.equal(cells.length, 16);
    assert.equal(cells[0]!.key, 'drm-video-over-ui|panthor-2026|seed=1|defaults|duration=100000000');
    assert.equal(cells[1]!.key, 'drm-video-over-ui|panthor-2026|seed=1|protm_enter_without_pending=hang|duration=100000000');
    const file = join(dir, 'r.jsonl');
    const all = await sweep(pool, cells, new Map(), file);
    assert.deepEqual(all.map((r) => r.id), cells.map((c) => c.key));
    assert.ok(all.every((r) => !r.error && r.events > 0));
    // the posted series grants protected mode to weston: R20 in every panthor-2026 cell of the default scenario
    assert.ok((all[0]!.rules.R20?.violations ?? 0) > 0);
    assert.equal(all.find((r) => r.policy === 'kbase' && r.scenario === 'drm-video-over-ui')!.violations, 0);
    assert.equal(all[1]!.assumptions, 'protm_enter_without_pending=hang');
    const table = sweepTable(all);
    assert.match(table.split('\n')[0]!, /^scenario\s+policy\s+seed\s+firmware\s+events\s+violations/);
    assert.equal(table.trim().split('\n').length, 17);
    const csv = sweepCsv(all).trim().split('\n');
    assert.equal(csv.length, 17);
    assert.equal(csv[1]!.split(',').slice(0, 4).join(','), 'drm-video-over-ui,panthor-2026,1,defaults');

    // keep 5 complete lines and half of the 6th (a sweep killed while writing)
    const lines = readFileSync(file, 'utf8').split('\n');
    writeFileSync(file, lines.slice(0, 5).join('\n') + '\n' + lines[5]!.slice(0, 40));
    const done = readResults(file);
    assert.equal(done.size, 5);
    let last: SweepProgress | undefined;
    const again = await sweep(pool, cells, done, file, (p) => { last = p; });
    assert.deepEqual(last, { done: 16, total: 16, ran: 11, skipped: 5 });
    assert.equal(sweepTable(again), table);
    assert.equal(readResults(file).size, 16);
    assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 16);
  } finally {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sweep CLI: bad input is one line and exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csftrace-sweep-'));
  try {
    assert.equal(run(['sweep', '--fw', 'nope=1'], dir).err.split('\n')[0]!.startsWith('csftrace: --fw: '), true);
    assert.equal(run(['sweep', '--format', 'xml'], dir).err, 'csftrace: --format: expected one of table, csv, jsonl (got "xml")\n');
    writeFileSync(join(dir, 'bad.jsonl'), 'not json\n');
    const r = run(['sweep', '--results', 'bad.jsonl', '--scenarios', 'priority-inversion', '--seeds', '1'], dir);
    assert.equal(r.code, 2);
    assert.equal(r.err, 'csftrace: bad.jsonl: line 1 is not JSON: not a sweep results file\n');
    const q = run(['sweep', '--queue', 'http://x', '--seeds', '1'], dir);
    assert.equal(q.err, 'csftrace: --queue: expected a redis:// URL (got "http://x")\n');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('sweep through BullMQ with two workers gives the local table; a failed run is retried; a killed worker\'s run finishes on the other', { skip: skipUnless(hasRedis, 'redis-server not installed (apt-get install redis-server)') }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'csftrace-redis-'));
  const port = await freePort();
  const redis = start('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], dir);
  const children: ChildProcess[] = [redis.p];
  const url = `redis://127.0.0.1:${port}`;
  const worker = (queue: string) => {
    const w = start(process.execPath, [MAIN, 'worker', '--queue', url, '--queue-name', queue, '--threads', '1', '--lock-duration', '2s'], dir);
    children.push(w.p);
    return w;
  };
  try {
    await until('redis-server', () => /Ready to accept connections/.test(redis.out() + redis.err()), 20_000);

    // built-ins × 4 policies × 3 seeds, short runs: the same table locally and through Redis
    const matrix = ['sweep', '--policies', 'all', '--seeds', '1,2,3', '--duration', '100ms'];
    const local = run([...matrix, '--threads', '2'], dir);
    assert.equal(local.code, 0, local.err);
    assert.equal(local.out.trim().split('\n').length, 1 + BUILTIN_SCENARIOS.length * 4 * 3);
    const w1 = worker('same-table');
    const w2 = worker('same-table');
    await until('two workers', () => /ready/.test(w1.err()) && /ready/.test(w2.err()));
    const viaQueue = start(process.execPath, [MAIN, ...matrix, '--queue', url, '--queue-name', 'same-table'], dir);
    assert.equal(await viaQueue.done, 0, viaQueue.err());
    assert.equal(viaQueue.out(), local.out);
    const ran = (w: { err: () => string }) => (w.err().match(/^worker: done /gm) ?? []).length;
    assert.equal(ran(w1) + ran(w2), BUILTIN_SCENARIOS.length * 4 * 3);
    assert.ok(ran(w1) > 0 && ran(w2) > 0, `both workers ran runs (${ran(w1)} and ${ran(w2)})`);
    // a run that fails on its worker is retried, then reported as one error
    const q = await QueueRunner.open(url, 'same-table');
    try {
      const text = findBuiltin('priority-inversion')!.text;
      await assert.rejects(q.run({ id: 'unwritable', text, source: 'builtin:priority-inversion', durationNs: 10e6, tracePath: join(dir, 'no-such-dir', 'x.csft') }),
        (e: Error) => e instanceof RunFailedError && /^run unwritable failed on the workers after 3 attempts: /.test(e.message));
      const starts = (w1.err() + w2.err()).match(/^worker: start \S+ unwritable \(attempt \d/gm) ?? [];
      assert.equal(starts.length, RUN_ATTEMPTS);
    } finally { await q.close(); }
    w1.p.kill('SIGTERM');
    w2.p.kill('SIGTERM');
    await Promise.all([w1.done, w2.done]);

    // worker A is killed (SIGKILL) in the middle of a run; B, started after, finishes it
    const kill = ['sweep', '--scenarios', 'drm-video-over-ui', '--policies', 'all', '--seeds', '1', '--duration', '1s'];
    const localKill = run([...kill, '--threads', '2'], dir);
    assert.equal(localKill.code, 0, localKill.err);
    const a = worker('killed');
    await until('worker A', () => /ready/.test(a.err()));
    const sub = start(process.execPath, [MAIN, ...kill, '--queue', url, '--queue-name', 'killed'], dir);
    await until('a run on worker A', () => /^worker: start /m.test(a.err()));
    const jobId = /^worker: start (\S+)/m.exec(a.err())![1];
    a.p.kill('SIGKILL');
    await a.done;
    assert.doesNotMatch(a.err(), new RegExp(`^worker: done ${jobId} `, 'm'));
    const b = worker('killed');
    assert.equal(await sub.done, 0, sub.err());
    assert.equal(sub.out(), localKill.out);
    assert.match(b.err(), new RegExp(`^worker: done ${jobId} `, 'm'));
    b.p.kill('SIGTERM');
    await b.done;
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
