/**
 * The field tables generated from csftrace.proto (proto/gen/fields.ts) against protobufjs'
 * reflection of the same file, and the code that reads the wire by hand against the tables: a field
 * number typed by hand where the tables would do fails here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import { repo, sourceFiles } from '../test-support/sources.js';
import * as schema from './gen/schema.js';
import { MESSAGE_FIELDS, MESSAGE_PROPS, ONEOF_TYPES, Reader, type MessageName } from './index.js';

const ns = protobuf.loadSync(`${repo}proto/csftrace.proto`).lookup('csftrace') as protobuf.Namespace;
const types = ns.nestedArray.filter((n): n is protobuf.Type => n instanceof protobuf.Type);

test('every message of csftrace.proto has its field numbers in the generated table', () => {
  assert.deepEqual(Object.keys(MESSAGE_FIELDS).sort(), types.map((t) => t.name).sort());
  for (const t of types) {
    const want = Object.fromEntries(t.fieldsArray.map((f) => [f.name, f.id]));
    assert.deepEqual({ ...MESSAGE_FIELDS[t.name as MessageName] }, want, t.name);
  }
  // spot values from the .proto text, so that a generator bug common to both sides still fails
  assert.equal(MESSAGE_FIELDS.Event.t, 1);
  assert.equal(MESSAGE_FIELDS.Event.decision, 16);
  assert.equal(MESSAGE_FIELDS.Ioctl.cmd, 3);
  assert.equal(MESSAGE_FIELDS.SchedDecision.protmGroup, 9);
});

test("each message's property list is the key list of the decoded empty message", () => {
  const decoders = schema as unknown as Record<string, (r: Reader, end: number) => object>;
  for (const name of Object.keys(MESSAGE_PROPS) as MessageName[]) {
    const decode = decoders[`decode${name}`];
    assert.ok(decode, `decode${name}`);
    const decoded = decode(new Reader(new Uint8Array(0)), 0);
    assert.deepEqual(MESSAGE_PROPS[name], Object.keys(decoded), name);
  }
});

test('each oneof case names the message type protobufjs resolves it to', () => {
  for (const [msg, oneofs] of Object.entries(ONEOF_TYPES)) {
    const t = ns.lookupType(msg);
    for (const [oneof, cases] of Object.entries(oneofs)) {
      const o = t.oneofs[oneof];
      assert.ok(o, `${msg}.${oneof}`);
      const want = Object.fromEntries(o.fieldsArray.filter((f) => f.resolve().resolvedType instanceof protobuf.Type).map((f) => [f.name, f.resolvedType!.name]));
      assert.deepEqual({ ...cases }, want, `${msg}.${oneof}`);
    }
  }
});

test('code that reads the wire by hand takes its field numbers from the generated tables', () => {
  // A tag built from a literal field number ((5 << 3) | 2, 3 << 3), or a field constant set to a literal.
  const literalTag = /\(\s*\d+\s*<<\s*3\s*\)|(case|===|uint32\()\s*\d+\s*<<\s*3\b/;
  const literalField = /\bF_[A-Z_]+\s*=\s*\d+|countField\([^,]+,\s*\d+\)/;
  const offenders: string[] = [];
  // replayer/export/ writes Perfetto's own schema (field numbers of its vendored upstream .proto).
  const readers = sourceFiles({ tests: false }).filter((p) => /^(proto|replayer|recorder|tui|cli)\//.test(p) && !p.startsWith('replayer/export/'));
  for (const f of readers) {
    readFileSync(`${repo}${f}`, 'utf8').split('\n').forEach((line, i) => {
      if (literalTag.test(line) || literalField.test(line)) offenders.push(`${f}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(offenders, []);
});
