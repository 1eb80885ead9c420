/**
 * Memory stays bounded whatever the trace's size: `check`, `state --at`, `index` and `diff` run as
 * child processes on two synthetic traces of about 1.3M events each, with V8's old generation capped
 * at 200 MB, and each process's peak RSS (read at its exit) must stay under a bound that a structure
 * growing with the trace (an object, or even 100 bytes, per event) would break. No time is asserted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syntheticStream, writeSyntheticTrace } from '../../replayer/testing.js';
import { runMeasured } from '../../test-support/rusage.js';

const cli = fileURLToPath(new URL('../main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'csft-mem-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const TICKS = 300_000; // about 4.3 events a tick
const RSS_BOUND_MB = 200;


test('check, state, index and diff of traces of a million events and more: peak RSS bounded', (t) => {
  const a = join(dir, 'a.csft'), b = join(dir, 'b.csft');
  const n = writeSyntheticTrace(a, 'shared', syntheticStream({ ticks: TICKS }));
  writeSyntheticTrace(b, 'sole', syntheticStream({ ticks: TICKS, policy: 'sole', handleBase: 5 }));
  assert.ok(n > 1_000_000, `${n} events`);
  const limit = ['--max-old-space-size=200'];
  const runs: [string, string[], number][] = [
    ['check', ['check', a], RSS_BOUND_MB],
    ['state', ['state', a, '--at', String(Math.floor(n * 0.9))], RSS_BOUND_MB],
    ['index', ['index', a], RSS_BOUND_MB],
    ['state (indexed)', ['state', a, '--at', String(Math.floor(n * 0.9))], RSS_BOUND_MB],
    ['diff', ['diff', a, b], 300],
  ];
  for (const [name, args, bound] of runs) {
    const r = runMeasured(cli, args, { nodeArgs: limit });
    assert.ok(r.code === 0 || r.code === 1, `${name}: exit ${r.code}: ${r.err}`);
    t.diagnostic(`${name}: peak RSS ${r.maxRssMb.toFixed(0)} MB`);
    assert.ok(r.maxRssMb > 0 && r.maxRssMb <= bound, `${name}: peak RSS ${r.maxRssMb.toFixed(0)} MB (bound ${bound} MB)`);
  }
});
