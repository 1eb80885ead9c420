/**
 * A run's trace is held in memory: the result is the one of a run that keeps its trace in a file
 * (same digest, the hash of the file's bytes), and a pool closed with a run in flight (a fuzz stops
 * at its first failure) has nothing to clean up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBuiltin } from '../hw-model/index.js';
import { LocalPool } from './pool.js';
import { runOne, type RunSpec } from './run.js';

test('a run in memory gives the result of the same run kept in a file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'csft-pool-'));
  const pool = new LocalPool(1);
  try {
    const spec: RunSpec = {
      id: 'r5', text: findBuiltin('drm-video-over-ui')!.text, source: 'builtin:drm-video-over-ui',
      policy: 'panthor-2026', seed: 3, durationNs: 1e9,
    };
    const onPool = await pool.run(spec);
    // the run's time on its thread (the bench's busy pace): one run, then none since the last call
    const ms = pool.takeMeanRunMs();
    assert.ok(ms > 0 && ms < 60_000, `${ms} ms`);
    assert.ok(Number.isNaN(pool.takeMeanRunMs()));
    const inThread = runOne(spec);
    const path = join(dir, 'kept.csft');
    const kept = runOne({ ...spec, tracePath: path });
    assert.ok(onPool.events > 1000, `${onPool.events} events`);
    assert.equal(onPool.digest, createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16));
    assert.deepEqual(inThread, onPool);
    assert.deepEqual(kept, onPool);
    assert.ok(onPool.findings.length > 0, 'the posted policy breaks a rule on this scenario');
  } finally {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a pool closed with a run in flight rejects the run', async () => {
  const pool = new LocalPool(1);
  const spec: RunSpec = { id: 'long', text: findBuiltin('stress')!.text, source: 'builtin:stress', durationNs: 60e9 };
  const running = pool.run(spec);
  running.catch(() => undefined); // rejected by the close
  await new Promise((r) => setTimeout(r, 300));
  await pool.close();
  await assert.rejects(running);
});
