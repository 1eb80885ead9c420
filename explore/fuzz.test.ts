/**
 * The schedule fuzzer and the shrinker, as a user runs them: fuzz finds the panthor-2026 protected
 * enter failure (R20: a grant to a group with nothing pending) and the rfc-2025 starvation (R21)
 * from seed 1 within a bounded number of runs; shrink reduces each to at most two apps and one
 * second that still fail the same way; fuzz --replay re-checks the shrunk case.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseDuration } from '../hw-model/index.js';
import { LocalPool } from './pool.js';
import { fuzz } from './fuzz.js';
import { expectationOf } from './property.js';
import { generateScenario, docText } from './generate.js';
import { parseScenario } from '../hw-model/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'dist/cli/main.js');

function run(args: string[], cwd: string): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('generated scenarios are valid and the same for the same (seed, run)', () => {
  for (let run = 0; run < 40; run++) {
    const a = docText(generateScenario(7, run));
    assert.equal(a, docText(generateScenario(7, run)));
    const cfg = parseScenario(a, `fuzz-7-${run}`);
    assert.ok(cfg.apps.length >= 1 && cfg.apps.length <= 5);
  }
  assert.notEqual(docText(generateScenario(7, 0)), docText(generateScenario(8, 0)));
});

for (const c of [
  // passesUnder: a policy under which the shrunk case no longer fails (the reviewed series checks
  // for a pending queue; panthor-2026 as posted grants protected mode without any priority test)
  { policy: 'panthor-2026', rule: 'R20', passesUnder: 'panthor-2026-reviewed', root: 'PROTM_GRANTED/RULE_FIRST_OF_HIGHEST_LIST', msg: /protected mode GRANTED to group \d+ \(\S+\), which has no pending protected queue/ },
  { policy: 'rfc-2025', rule: 'R21', passesUnder: 'panthor-2026', root: 'PROTM_DENIED/RULE_NOT_TOP', msg: /protected work of group \d+ \(\S+\) waited 100\.000ms for protected mode and did not get it/ },
]) {
  test(`fuzz finds the ${c.policy} failure (${c.rule}) from seed 1; shrink reduces it to ≤2 apps and ≤1 s; fuzz --replay re-checks it`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'csftrace-fuzz-'));
    try {
      const f = run(['fuzz', '--seed', '1', '--runs', '20', '--policy', c.policy, '--rule', c.rule, '--threads', '2', '-o', 'case.yaml'], dir);
      assert.equal(f.code, 1, f.err);
      assert.match(f.out, new RegExp(`^fuzz seed 1: failure at run \\d+ `));
      assert.match(f.out, new RegExp(`^  ${c.rule} under ${c.policy} at #\\d+ \\(.*\\), root ${c.root.replace('/', '\\/')}$`, 'm'));
      assert.match(f.out, c.msg);
      const caseText = readFileSync(join(dir, 'case.yaml'), 'utf8');
      const e = expectationOf(caseText);
      assert.ok(e && typeof e === 'object');
      assert.equal(e.rule, c.rule);
      assert.equal(e.rootKind, c.root);
      assert.equal((parse(caseText) as { driver: { protm_policy: string } }).driver.protm_policy, c.policy);

      const s = run(['shrink', 'case.yaml', '-o', 'shrunk', '--threads', '2', '--json'], dir);
      assert.equal(s.code, 0, s.err);
      const j = JSON.parse(s.out);
      assert.equal(j.failure.rule, c.rule);
      assert.equal(j.failure.rootKind, c.root);
      assert.ok(j.after.apps <= 2, `${j.after.apps} apps`);
      assert.ok(j.after.durationNs <= 1e9, `${j.after.durationNs} ns`);
      assert.ok(j.after.events <= j.before.events);
      assert.equal(j.ratio, j.before.events / j.after.events);
      const shrunk = readFileSync(join(dir, 'shrunk', 'scenario.yaml'), 'utf8');
      const doc = parse(shrunk) as { apps: unknown[]; duration: string };
      assert.ok(doc.apps.length <= 2);
      assert.ok(parseDuration(doc.duration)! <= 1e9);
      for (const x of ['trace.csft', 'report/report.md', 'report/trace.csft', 'report/scenario.yaml']) assert.ok(existsSync(join(dir, 'shrunk', x)), x);
      // the trace is the shrunk case's: check finds the same rule in it
      const chk = run(['check', join('shrunk', 'trace.csft'), '--rule', c.rule, '--json'], dir);
      assert.equal(chk.code, 1);
      assert.ok(JSON.parse(chk.out).findings.some((x: { rule: string }) => x.rule === c.rule));
      assert.equal(JSON.parse(run(['info', join('shrunk', 'trace.csft'), '--json'], dir).out).events, j.after.events);

      const r = run(['fuzz', '--replay', join('shrunk', 'scenario.yaml'), '--threads', '1'], dir);
      assert.equal(r.code, 1, r.err);
      assert.match(r.out, new RegExp(`still fails: ${c.rule} \\(root ${c.root.replace('/', '\\/')}\\)`));
      // under another policy the same case no longer fails: the replay passes (exit 0)
      writeFileSync(join(dir, 'fixed.yaml'), shrunk.replace(`protm_policy: ${c.policy}`, `protm_policy: ${c.passesUnder}`));
      const ok = run(['fuzz', '--replay', 'fixed.yaml', '--threads', '1'], dir);
      assert.equal(ok.code, 0, ok.out + ok.err);
      assert.match(ok.out, new RegExp(`^fixed\\.yaml: passes: ${c.rule} \\(root .*\\) no longer reproduces`));
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
}

test('the same fuzz seed finds the same failure with one thread or two', async () => {
  const results = [];
  for (const threads of [1, 2]) {
    const pool = new LocalPool(threads);
    try {
      results.push(await fuzz(pool, { seed: 3, runs: 12, policies: ['rfc-2025', 'kbase'], property: { rules: ['R21'] } }));
    } finally { await pool.close(); }
  }
  const [a, b] = results;
  assert.ok(a && b);
  assert.ok(a.found, 'seed 3 finds an R21 starvation within 12 scenarios');
  assert.equal(a.found.run, b.found!.run);
  assert.equal(a.found.caseText, b.found!.caseText);
  assert.deepEqual(a.found.results.map((r) => r.digest), b.found!.results.map((r) => r.digest));
  assert.equal(a.scenarios, a.found.run + 1);
});

test('fuzz: bad input is one line and exit 2; no failure within the budget is exit 0', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csftrace-fuzz-'));
  try {
    const bad = run(['fuzz', '--policy', 'panthor-2027'], dir);
    assert.equal(bad.code, 2);
    assert.equal(bad.err, 'csftrace: --policy: unknown policy "panthor-2027" (did you mean "panthor-2026"?) (expected one of rfc-2025, panthor-2026, panthor-2026-reviewed, kbase)\n');
    assert.equal(run(['fuzz', '--rule', 'R99'], dir).code, 2);
    assert.equal(run(['fuzz', '--replay', 'missing.yaml'], dir).err, 'csftrace: missing.yaml: no such file\n');
    const none = run(['fuzz', '--seed', '2', '--runs', '2', '--policy', 'kbase', '--rule', 'R20', '--threads', '1'], dir);
    assert.equal(none.code, 0, none.err);
    assert.match(none.out, /^fuzz seed 2: no failure in 2 scenarios \(2 runs, .* stopped by the --runs budget\)$/m);
    writeFileSync(join(dir, 'x.yaml'), 'apps: [{ kind: compositor }]\n');
    const noExpect = run(['shrink', 'x.yaml', '-o', 'out'], dir);
    assert.equal(noExpect.code, 2);
    assert.match(noExpect.err, /^csftrace: x\.yaml: no "# csftrace-expect:" line/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
