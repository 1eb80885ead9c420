/**
 * A rule's words have one home (rule-text.ts): the check's rules, the explanation of a decision and
 * the JSON schemas say what the table says, and no source file spells a sentence of it again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SchedRule, SchedRuleNames, TickTrigger } from '../proto/index.js';
import { repo, sourceFiles } from '../test-support/sources.js';
import { CHECK_RULES } from './check/rules.js';
import { explainSchedDecision, ruleSentence } from './explain.js';
import { CHECK_RULE_TEXT, SCHED_RULE_SENTENCES, TICK_TRIGGER_SENTENCES } from './rule-text.js';

const schema = (name: string): Record<string, unknown> => JSON.parse(readFileSync(`${repo}schemas/${name}`, 'utf8')) as Record<string, unknown>;

test('every check rule takes its name and invariant from the table, and every entry is a rule', () => {
  assert.deepEqual(CHECK_RULES.map((r) => r.id), Object.keys(CHECK_RULE_TEXT));
  for (const r of CHECK_RULES) {
    const t = CHECK_RULE_TEXT[r.id as keyof typeof CHECK_RULE_TEXT];
    assert.equal(r.name, t.name, r.id);
    assert.equal(r.title, t.title, r.id);
  }
  assert.equal(CHECK_RULE_TEXT.R20.name, 'protm-grant-needs-pending');
});

test("check.v1.json's RuleId lists every rule with the table's name and invariant", () => {
  const defs = schema('check.v1.json').$defs as Record<string, { anyOf: { const: string; title: string; description: string }[] }>;
  assert.deepEqual(defs.RuleId?.anyOf, Object.entries(CHECK_RULE_TEXT).map(([id, r]) => ({ const: id, title: r.name, description: r.title })),
    'stale: run npm run schemas');
});

test('a decision is explained with the sentences of the table', () => {
  assert.equal(ruleSentence(SchedRule.RULE_PENDING_REQUIRED), SCHED_RULE_SENTENCES.RULE_PENDING_REQUIRED);
  for (const [name, v] of Object.entries(SchedRule)) assert.equal(ruleSentence(v), SCHED_RULE_SENTENCES[name as keyof typeof SchedRule], name);
  assert.equal(ruleSentence(999), 'rule 999');
  assert.equal(SchedRuleNames[SchedRule.RULE_NO_HEAP], 'RULE_NO_HEAP');
  const lines = explainSchedDecision({
    tick: 7, trigger: TickTrigger.TRIGGER_PROTM_PENDING, fullTick: true, inputs: [], slots: [], evicted: [], protm: 0,
    protmRule: SchedRule.RULE_NO_HEAP, protmGroup: 0, reasons: [], freeAs: 0, timeslice: false, nextTickNs: 0, mode: 0,
  });
  const text = lines.join('\n');
  assert.ok(text.includes(TICK_TRIGGER_SENTENCES.TRIGGER_PROTM_PENDING), text);
  assert.ok(text.includes(SCHED_RULE_SENTENCES.RULE_NO_HEAP), text);
});

test("event.v1.json describes each SchedRule and TickTrigger value with the table's sentence", () => {
  const found: Record<string, string> = {};
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) { x.forEach(walk); return; }
    if (x === null || typeof x !== 'object') return;
    const o = x as Record<string, unknown>;
    if (typeof o.const === 'string' && typeof o.description === 'string') found[o.const] = o.description;
    Object.values(o).forEach(walk);
  };
  walk(schema('event.v1.json'));
  for (const [k, v] of Object.entries({ ...SCHED_RULE_SENTENCES, ...TICK_TRIGGER_SENTENCES })) assert.equal(found[k], v, `${k} (stale: run npm run schemas)`);
});

test('no source file but rule-text.ts spells a rule sentence or invariant', () => {
  const sentences = [...Object.values(SCHED_RULE_SENTENCES), ...Object.values(TICK_TRIGGER_SENTENCES), ...Object.values(CHECK_RULE_TEXT).map((r) => r.title)]
    .filter((s) => s.length >= 30);
  const offenders: string[] = [];
  for (const f of sourceFiles({ tests: false }).filter((p) => p !== 'replayer/rule-text.ts')) {
    const src = readFileSync(`${repo}${f}`, 'utf8');
    for (const s of sentences) if (src.includes(s) || src.includes(s.replace(/'/g, "\\'"))) offenders.push(`${f}: ${s}`);
  }
  assert.deepEqual(offenders, []);
});
