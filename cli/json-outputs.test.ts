/**
 * Every `--json` output has a versioned schema in schemas/ and its `schema` key names it: state,
 * diff, verify, simulate, scenarios (and --assumptions), record, rerun, trim and bugreport, each run
 * for real (other traces and positions than the ones the schemas were written from) and validated;
 * a changed output fails here. Non-event JSON keys are camelCase (README "JSON output"): checked on
 * every property name of every schema but the event's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validate } from './json-schema.testutil.js';
import { JSON_SCHEMAS } from './output.js';
import { buildProgram } from './program.js';
import { findBuiltin, loadBuiltin } from '../hw-model/index.js';
import { recordScenario, traceHeaderFor } from '../recorder/index.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(repo, 'dist/cli/main.js');
const v1 = join(repo, 'traces/v1');

type Schema = Record<string, unknown>;
function schemaFile(id: string): Schema {
  const m = /^csftrace\.([a-z-]+)\/(\d+)$/.exec(id);
  assert.ok(m, id);
  const s = JSON.parse(readFileSync(join(repo, 'schemas', `${m[1]}.v${m[2]}.json`), 'utf8')) as Schema;
  assert.equal(s.$id, id);
  return s;
}

function json(args: string[], codes = [0]): Record<string, unknown> {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: repo, maxBuffer: 256 << 20 });
  assert.ok(codes.includes(r.status ?? -1), `${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  // record and rerun print JSON on stderr when the trace goes to standard output; here it is a file
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

function valid(id: string, doc: Record<string, unknown>, what: string): void {
  assert.equal(doc.schema, id, what);
  assert.deepEqual(validate(schemaFile(id), doc), [], what);
}

test('every command with --json has a schema file, and every schema file a command', async () => {
  const withJson = (await buildProgram()).commands.filter((c) => c.options.some((o) => o.long === '--json')).map((c) => c.name()).sort();
  assert.deepEqual(withJson, ['bugreport', 'check', 'diff', 'events', 'fuzz', 'index', 'info', 'record', 'rerun', 'scenarios', 'shrink', 'simulate', 'state', 'trim', 'verify']);
  // events --json prints event objects, one a line: schemas/event.v1.json (cli/json-schemas.test.ts)
  for (const name of withJson.filter((n) => n !== 'events')) assert.ok((JSON_SCHEMAS as Record<string, string>)[name], name);
  const files = readdirSync(join(repo, 'schemas')).filter((f) => f.endsWith('.json')).sort();
  const named = [...Object.values(JSON_SCHEMAS).map((id) => id.replace(/^csftrace\.([a-z-]+)\/(\d+)$/, '$1.v$2.json')), 'event.v1.json'].sort();
  assert.deepEqual(files, named);
  for (const id of Object.values(JSON_SCHEMAS)) schemaFile(id);
});

test('non-event JSON keys are camelCase in every schema (map keys and event objects aside)', () => {
  const bad: string[] = [];
  const walk = (s: unknown, path: string): void => {
    if (Array.isArray(s)) { s.forEach((x, i) => walk(x, `${path}[${i}]`)); return; }
    if (s === null || typeof s !== 'object') return;
    const o = s as Schema;
    if (o.properties && typeof o.properties === 'object') {
      for (const k of Object.keys(o.properties)) if (!/^[a-z][A-Za-z0-9]*$/.test(k)) bad.push(`${path}.${k}`);
    }
    for (const [k, v] of Object.entries(o)) if (k !== 'properties') walk(v, path); else for (const [pk, pv] of Object.entries(v as Schema)) walk(pv, `${path}.${pk}`);
  };
  for (const id of Object.values(JSON_SCHEMAS)) walk(schemaFile(id), id);
  assert.deepEqual(bad, []);
});

test('state, diff and verify --json validate on other traces and positions', () => {
  for (const f of ['drm-video-over-ui-reviewed.csft', 'heap-missing-defer.csft', 'watchdog-ping-in-protm.csft', 'stress.csft']) {
    const n = (json(['info', join(v1, f), '--json']) as { events: number }).events;
    for (const at of [Math.floor(n / 4), Math.floor((3 * n) / 4) + 1]) valid(JSON_SCHEMAS.state, json(['state', join(v1, f), '--at', String(at), '--json']), `${f} --at ${at}`);
  }
  const pairs: Array<[string, string, number]> = [
    ['priority-inversion.csft', 'drm-video-over-ui-kbase.csft', 1], ['tiny.csft', 'tiny.csft', 0], ['watchdog-ping-in-protm.csft', 'heap-missing-defer.csft', 1],
  ];
  for (const [a, b, code] of pairs) {
    for (const extra of [[], ['--reasons', '--max-hunks', '2', '--context', '1']]) {
      const doc = json(['diff', join(v1, a), join(v1, b), '--json', ...extra], [code]);
      valid(JSON_SCHEMAS.diff, doc, `diff ${a} ${b} ${extra.join(' ')}`);
      assert.equal(doc.same, code === 0);
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'csft-json-'));
  try {
    valid(JSON_SCHEMAS.verify, json(['verify', join(v1, 'watchdog-ping-in-protm.csft'), '--json']), 'verify identical');
    // a header that does not say how the trace was made: its seed is not the one simulated
    const cfg = { ...loadBuiltin('priority-inversion'), duration: 300_000_000 };
    const header = traceHeaderFor({ config: cfg, text: findBuiltin('priority-inversion')!.text, source: 'builtin:priority-inversion' });
    const tampered = join(dir, 'tampered.csft');
    recordScenario(tampered, { ...header, seed: 11 }, cfg);
    const d = json(['verify', tampered, '--json'], [1]) as { identical: boolean; firstDifference: { recorded: unknown } };
    valid(JSON_SCHEMAS.verify, d, 'verify different');
    assert.equal(d.identical, false);
    assert.notEqual(d.firstDifference, null);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('simulate, scenarios, record, rerun, trim and bugreport --json validate', () => {
  for (const sc of ['priority-inversion', 'watchdog-ping-in-protm', 'userspace-dmabuf']) {
    const doc = json(['simulate', '--scenario', sc, '--duration', '200ms', '--json']) as { summary: { families: Array<{ family: string }> } };
    valid(JSON_SCHEMAS.simulate, doc, sc);
    assert.ok(doc.summary.families.some((f) => f.family === 'fw_req')); // the .proto's name, as in info and event JSON
  }
  valid(JSON_SCHEMAS.scenarios, json(['scenarios', '--json']), 'scenarios');
  valid(JSON_SCHEMAS.assumptions, json(['scenarios', '--assumptions', '--json']), 'assumptions');
  const dir = mkdtempSync(join(tmpdir(), 'csft-json-'));
  try {
    const rec = join(dir, 'r.csft');
    valid(JSON_SCHEMAS.record, json(['record', '--scenario', 'protm-fault', '--duration', '600ms', '-o', rec, '--json']), 'record');
    valid(JSON_SCHEMAS.rerun, json(['rerun', rec, '--policy', 'panthor-2026-reviewed', '-o', join(dir, 'k.csft'), '--json']), 'rerun');
    valid(JSON_SCHEMAS.trim, json(['trim', rec, '--from', '100', '--to', '900', '-o', join(dir, 't.csft'), '--json']), 'trim');
    const br = json(['bugreport', rec, '--baseline', join(dir, 'k.csft'), '--max-size', '5000', '-o', join(dir, 'report'), '--json']) as { trimmed: unknown; files: string[] };
    valid(JSON_SCHEMAS.bugreport, br, 'bugreport');
    assert.notEqual(br.trimmed, null);
    assert.deepEqual(readdirSync(join(dir, 'report')).sort(), [...br.files].sort());
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
