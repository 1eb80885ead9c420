/**
 * The trace's vocabulary of scheduling decisions has no dead words: every tick trigger and every
 * decision rule csftrace.proto names is one the model's driver or policies emit (a value nothing
 * emits is a filter, a schema enum and an explanation nobody can ever see; removed ones are
 * `reserved` in the .proto).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SchedRuleNames, TickTriggerNames } from '../proto/index.js';
import { repo, sourceFiles } from '../test-support/sources.js';

test('every TickTrigger and SchedRule value is emitted by the model', () => {
  const model = sourceFiles({ tests: false }).filter((f) => f.startsWith('hw-model/')).map((f) => readFileSync(join(repo, f), 'utf8')).join('\n');
  const dead = [...Object.values(TickTriggerNames), ...Object.values(SchedRuleNames)]
    .filter((n) => n !== 'RULE_NONE' && !new RegExp(`\\b${n}\\b`).test(model));
  assert.deepEqual(dead, []);
  assert.ok(Object.keys(SchedRuleNames).length >= 15 && Object.keys(TickTriggerNames).length >= 10);
});
