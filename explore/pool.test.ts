/**
 * The local pool's temporary traces: a pool closed with a run in flight (a fuzz stops at its first
 * failure) leaves nothing behind, though the thread stopped mid-run never deleted its trace.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { findBuiltin } from '../hw-model/index.js';
import { LocalPool } from './pool.js';
import type { RunSpec } from './run.js';

test('a pool closed with a run in flight removes the run\'s temporary trace with its directory', async () => {
  const pool = new LocalPool(1);
  const dir = pool.tmpDir;
  const spec: RunSpec = { id: 'long', text: findBuiltin('stress')!.text, source: 'builtin:stress', durationNs: 60e9 };
  const running = pool.run(spec);
  running.catch(() => undefined); // rejected by the close
  // the run has started once its trace exists
  const t0 = Date.now();
  while (readdirSync(dir).length === 0) {
    assert.ok(Date.now() - t0 < 60_000, 'the run never created its trace');
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.match(readdirSync(dir)[0]!, /^csftrace-run-\d+-\d+-\d+\.csft$/);
  await pool.close();
  assert.equal(existsSync(dir), false);
  await assert.rejects(running);
});
