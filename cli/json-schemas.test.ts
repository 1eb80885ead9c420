/**
 * The JSON outputs against their schemas in schemas/: the checked-in event schema is what the
 * generator makes from csftrace.proto today; every event of every golden trace, `events --json`,
 * `export --format jsonl` and the event in `state --json` validate against it; the validator
 * rejects what the schema rules out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EVENT_JSON_SCHEMA, eventToJson, openTrace } from '../replayer/index.js';
import { validate } from './json-schema.testutil.js';
import { JSON_SCHEMAS } from './output.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(repo, 'dist/cli/main.js');
const schema = JSON.parse(readFileSync(join(repo, 'schemas/event.v1.json'), 'utf8')) as Record<string, unknown>;
const golden = join(repo, 'traces/v1/priority-inversion.csft');

function run(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: repo, maxBuffer: 256 << 20 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('schemas/event.v1.json is what proto/codegen/json-schema.mjs makes from csftrace.proto', async () => {
  const gen = await import(pathToFileURL(join(repo, 'proto/codegen/json-schema.mjs')).href) as { eventJsonSchema(): Promise<unknown> };
  assert.deepEqual(JSON.parse(JSON.stringify(await gen.eventJsonSchema())), schema, 'stale: run npm run schemas');
  assert.equal(schema.$id, EVENT_JSON_SCHEMA);
});

test('every event of every golden trace validates against the event schema', () => {
  const dir = join(repo, 'traces', 'v1');
  const families = new Set<string>();
  let n = 0;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.csft'))) {
    const tr = openTrace(join(dir, f));
    try {
      tr.forEach((ev, i) => {
        const j = eventToJson(ev, i) as { type: string };
        const errors = validate(schema, j);
        assert.deepEqual(errors, [], `${f} #${i}: ${JSON.stringify(j)}`);
        families.add(j.type);
        n++;
      });
    } finally { tr.close(); }
  }
  assert.ok(n > 100_000, String(n));
  assert.ok(families.size >= 15, [...families].join());
});

test('events --json, export --format jsonl and state --json carry schema-valid events', () => {
  const ev = run('events', golden, '--from', '1000', '--limit', '400', '--json');
  assert.equal(ev.code, 0, ev.err);
  const lines = ev.out.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, 400);
  for (const l of lines) assert.deepEqual(validate(schema, l), [], JSON.stringify(l));
  const ioctls = run('events', golden, '--type', 'ioctl', '--json').out.trimEnd().split('\n').map((l) => JSON.parse(l) as { ioctl: { ret: number; errno: string | null } });
  assert.ok(ioctls.length > 0);
  for (const l of ioctls) {
    assert.equal(typeof l.ioctl.ret, 'number');
    assert.equal(l.ioctl.errno === null, l.ioctl.ret >= 0);
  }
  const ex = run('export', golden, '--format', 'jsonl', '--from', '1000', '--to', '1399', '-o', '-');
  assert.equal(ex.code, 0, ex.err);
  const exLines = ex.out.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(exLines, lines); // the same function, the same JSON
  const st = JSON.parse(run('state', golden, '--at', '1234', '--json').out) as { schema: string; event: unknown };
  assert.equal(st.schema, 'csftrace.state/1');
  assert.deepEqual(validate(schema, st.event), []);
  assert.equal((JSON.parse(run('info', golden, '--json').out) as { eventSchema: string }).eventSchema, EVENT_JSON_SCHEMA);
});

test('the validator rejects what the event schema rules out', () => {
  const tr = openTrace(golden);
  let io: Record<string, unknown> | undefined;
  try {
    tr.forEach((ev, i) => { if (ev.body.case === 'ioctl') { io = eventToJson(ev, i) as Record<string, unknown>; return false; } return true; });
  } finally { tr.close(); }
  assert.ok(io);
  assert.deepEqual(validate(schema, io), []);
  const payload = io.ioctl as Record<string, unknown>;
  const bad = (o: Record<string, unknown>): string[] => validate(schema, o);
  assert.match(bad({ ...io, ioctl: { ...payload, ret: '-EINVAL' } }).join('\n'), /\$\.ioctl\.ret: string, expected integer/);
  const { fd: _fd, ...noFd } = payload;
  assert.match(bad({ ...io, ioctl: noFd }).join('\n'), /\$\.ioctl: no fd/);
  assert.match(bad({ ...io, type: 'heap' }).join('\n'), /matches none/); // type and payload key disagree
  assert.match(bad({ ...io, fwReq: {} }).join('\n'), /unexpected key fwReq/);
  assert.match(bad({ ...io, ioctl: { ...payload, cmd: 'NOT_AN_IOCTL' } }).join('\n'), /\$\.ioctl\.cmd: matches none/);
  assert.match(bad({ ...io, t: -1 }).join('\n'), /\$\.t: -1 < 0/);
});

test('check --json validates against schemas/check.v1.json, clean or not', () => {
  const check = JSON.parse(readFileSync(join(repo, 'schemas/check.v1.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(check.$id, JSON_SCHEMAS.check);
  let findings = 0;
  for (const f of ['priority-inversion.csft', 'drm-video-over-ui-kbase.csft', 'protm-fault.csft']) {
    const r = run('check', join(repo, 'traces/v1', f), '--json');
    assert.ok(r.code === 0 || r.code === 1, r.err);
    const doc = JSON.parse(r.out) as { schema: string; clean: boolean; findings: unknown[] };
    assert.deepEqual(validate(check, doc), [], f);
    assert.equal(doc.schema, 'csftrace.check/1');
    assert.equal(doc.clean, r.code === 0);
    findings += doc.findings.length;
  }
  assert.ok(findings > 0); // the findings' part of the schema was exercised
  const doc = JSON.parse(run('check', golden, '--json').out) as { findings: Array<Record<string, unknown>> };
  assert.match(validate(check, { ...doc, findings: [{ ...doc.findings[0], severity: 'warning' }] }).join('\n'), /severity: "warning" is not one of the enum/);
});

test('info --json validates against schemas/info.v2.json: a recording, a trimmed trace with a note', () => {
  const info = JSON.parse(readFileSync(join(repo, 'schemas/info.v2.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(info.$id, JSON_SCHEMAS.info);
  const dir = mkdtempSync(join(tmpdir(), 'csft-schema-'));
  try {
    const small = join(dir, 'small.csft');
    assert.equal(run('trim', golden, '--around', '1234', '--window', '5ms', '-o', small).code, 0);
    assert.equal(run('note', small, '--at', '3', 'here').code, 0);
    for (const [p, trimmed] of [[golden, false], [small, true]] as const) {
      const doc = JSON.parse(run('info', p, '--json').out) as { header: { trimmedFrom: unknown }; notes: unknown[]; snapshot: unknown };
      assert.deepEqual(validate(info, doc), [], p);
      assert.equal(doc.header.trimmedFrom !== null, trimmed);
      assert.equal(doc.snapshot !== null, trimmed);
      assert.equal(doc.notes.length, trimmed ? 1 : 0);
    }
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
