/**
 * The bounded fuzz run of `npm test`: a fixed seed, about 20 seconds of mutants through every reading
 * command (fuzz/campaign.ts). Any finding fails the test and is saved for `npm run fuzz -- --case N`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MUTATORS, Rng, mutate, parseFrames } from './mutate.js';
import { buildCorpus, loadScaled, runCampaign } from './campaign.js';

test('mutants are reproducible from their seed and case, and keep well-formed frames where meant to', () => {
  const corpus = buildCorpus();
  for (const m of MUTATORS) {
    const a = mutate(corpus[1]!, new Rng(7), m);
    const b = mutate(corpus[1]!, new Rng(7), m);
    assert.deepEqual(a.bytes, b.bytes, m);
    assert.notDeepEqual(a.bytes, corpus[1], `${m} changed something`);
  }
  // frame-level mutants recompute checksums: the frames still parse
  assert.ok(parseFrames(mutate(corpus[0]!, new Rng(3), 'chunk-content').bytes).frames.length > 3);
});

test('fuzz: 12 seeded mutants through every reading command find nothing', async () => {
  const out = mkdtempSync(join(tmpdir(), 'csft-fuzz-test-'));
  try {
    // A fixed number of mutants (the same ones every run), with a time cap far above what they need:
    // a loaded machine runs them slower, not fewer.
    const r = await runCampaign({ seed: 20261206, durationMs: 300_000, maxCases: 12, outDir: out });
    assert.equal(r.cases, 12);
    assert.deepEqual(r.findings.map((f) => `case ${f.case} (${f.mutator}: ${f.what}): ${f.problems.join(' | ').slice(0, 2000)}`), []);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('the hang bound stretches with the load per core, never below the idle bound', () => {
  assert.equal(loadScaled(30_000, 0.5, 2), 30_000);
  assert.equal(loadScaled(30_000, 4, 2), 60_000);
  assert.equal(loadScaled(30_000, 29, 2), 435_000);
  assert.equal(loadScaled(30_000, 3, 0), 90_000);
});
