/** Properties, case-file expectations and shrink candidates, on hand-made values (no model runs). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScenario } from '../hw-model/index.js';
import { docText, type ScenarioDoc } from './generate.js';
import { differentialFailure, expectationLine, expectationOf, reproduces, runFailure, type Expectation } from './property.js';
import type { AppFigures, RunResult } from './run.js';
import { candidates } from './shrink.js';

const app = (x: Partial<AppFigures>): AppFigures => ({
  framesDone: 0, framesExpected: 0, lateFrames: 0, jobsDone: 0, jobsFailed: 0, blockedProtmNs: 0, longestStarvationNs: 0, protectedNs: 0, ...x,
});
const result = (policy: string, apps: Record<string, AppFigures>, findings: RunResult['findings'] = []): RunResult => ({
  id: policy, scenario: 's', policy, seed: 1, durationNs: 1e9, assumptions: 'defaults', events: 10, digest: '0', violations: 0, anomalies: 0,
  rules: {}, findings, protectedNs: 0, protmEnters: 0, apps,
});

test('runFailure: violations by default, anomalies when asked or when rules are named; frames beyond the bound', () => {
  const anomaly = { rule: 'R5', severity: 'anomaly' as const, index: 3, t: 5, message: 'timeout', root: 2, rootKind: 'PROTM_GRANTED/RULE_PENDING_REQUIRED' };
  const violation = { rule: 'R20', severity: 'violation' as const, index: 9, t: 7, message: 'grant', root: 9, rootKind: 'PROTM_GRANTED/RULE_FIRST_OF_HIGHEST_LIST' };
  const r = result('panthor-2026', { video: app({ framesDone: 10, framesExpected: 30 }) }, [anomaly, violation]);
  assert.equal(runFailure(r, {})!.rule, 'R20');
  assert.equal(runFailure(r, { anomalies: true })!.rule, 'R5');
  assert.equal(runFailure(r, { rules: ['r5'] })!.rule, 'R5');
  assert.equal(runFailure(r, { rules: ['R21'] }), undefined);
  const f = runFailure(r, { rules: ['frames'], missedFrames: 0.5 })!;
  assert.equal(f.rule, 'frames');
  assert.equal(f.message, 'video completed 10 of 30 expected frames (more than 50% missed)');
  assert.equal(runFailure(r, { rules: ['frames'], missedFrames: 0.7 }), undefined);
});

test('differentialFailure: B worse than A beyond the tolerance, per app', () => {
  const a = result('kbase', { video: app({ framesDone: 100, longestStarvationNs: 20e6 }) });
  const b = result('rfc-2025', { video: app({ framesDone: 80, longestStarvationNs: 25e6 }) });
  const d = { a: 'kbase', b: 'rfc-2025', metric: 'frames' as const, tolerance: 0.1 };
  assert.equal(differentialFailure(a, b, d)!.message, 'video completed 80 frames under rfc-2025, 100 under kbase (B must not be worse than A by more than 10%)');
  assert.equal(differentialFailure(a, b, { ...d, tolerance: 0.25 }), undefined);
  // 25 ms against 20 ms: within 10% + 10 ms
  assert.equal(differentialFailure(a, b, { ...d, metric: 'starvation' }), undefined);
  const e: Expectation = { rule: 'differential', rootKind: 'frames', differential: d };
  assert.ok(reproduces(e, [a, b]));
  assert.equal(reproduces(e, [b, a]), undefined);
});

test('the expectation line of a case file round-trips; a malformed one is named', () => {
  const e: Expectation = { rule: 'R21', rootKind: 'PROTM_DENIED/RULE_NOT_TOP', policy: 'rfc-2025' };
  assert.deepEqual(expectationOf(`# origin\n${expectationLine(e)}\nname: x\n`), e);
  assert.equal(expectationOf('name: x\n'), undefined);
  assert.equal(expectationOf('# csftrace-expect: {oops\n'), 'the csftrace-expect line is not JSON');
  assert.equal(expectationOf('# csftrace-expect: {"rule":"R1"}\n'), 'the csftrace-expect line needs a rule and a rootKind');
});

test('shrink candidates: each one step simpler; dropping an app drops its faults; the policy stays', () => {
  const doc: ScenarioDoc = {
    name: 'c', duration: '3s', seed: 50, driver: { protm_policy: 'rfc-2025', tick_period: '5ms' }, firmware: { protm_done: 'stay' },
    apps: [{ name: 'ui', kind: 'compositor', start: '100ms' }, { name: 'video', kind: 'video-player', jitter: 0.3 }],
    faults: [{ at: '1s', kind: 'cs-fatal', app: 'video' }],
  };
  const cs = candidates(doc, 200e6, false);
  const by = (what: string): ScenarioDoc => cs.find((c) => c.what === what)!.doc;
  assert.deepEqual(by('drop app video').apps, [{ name: 'ui', kind: 'compositor', start: '100ms' }]);
  assert.equal(by('drop app video').faults, undefined);
  assert.equal(by('drop app ui').faults!.length, 1);
  assert.equal(by('duration 400ms').duration, '400ms');
  assert.equal(by('duration 1s').duration, '1s');
  assert.equal(by('driver.tick_period to its default').driver && (by('driver.tick_period to its default').driver as Record<string, unknown>).tick_period, undefined);
  assert.equal(by('firmware.protm_done to its default').firmware, undefined);
  assert.ok(!cs.some((c) => c.what.startsWith('driver.protm_policy')));
  assert.ok(!cs.some((c) => c.what.startsWith('seed ')));
  assert.equal(candidates(doc, 0, true).filter((c) => c.what.startsWith('seed ')).length, 10);
  for (const c of cs) assert.doesNotThrow(() => parseScenario(docText(c.doc), c.what));
  assert.equal(doc.apps!.length, 2, 'the input is not modified');
});
