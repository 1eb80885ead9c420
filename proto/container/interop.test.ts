/**
 * Interoperability: the events of a .csft chunk are plain protobuf. `protoc --decode` (Debian
 * protobuf-compiler) reads the decompressed chunk with csftrace.proto, and its text output must
 * match our decoding field by field (names, enum names, values, strings).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { Reader, type Event } from '../index.js';
import { encodeContainer, openContainer, bufferSource, readChunkBytes, decodeChunkEvents } from './index.js';
import { randomEvents, EventType } from './random-events.testutil.js';
import { skipUnless } from '../../test-support/skip.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const hasProtoc = spawnSync('protoc', ['--version'], { encoding: 'utf8' }).status === 0;

type Norm = { [k: string]: Array<string | Norm> };

const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Parses protoc's text format into field → values (messages nested), names camelCased. */
function parseText(text: string): Norm[] {
  let p = 0;
  const ws = (): void => { while (p < text.length && /\s/.test(text.charAt(p))) p++; };
  const ident = (): string => { const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(p, p + 100)); if (!m) throw new Error(`ident at ${p}`); p += m[0].length; return m[0]; };
  const str = (): string => {
    p++; // opening quote
    const bytes: number[] = [];
    while (text[p] !== '"') {
      const c = text[p++]!;
      if (c !== '\\') { for (const b of Buffer.from(c, 'utf8')) bytes.push(b); continue; }
      const e = text[p++]!;
      if (/[0-7]/.test(e)) {
        let o = e;
        while (o.length < 3 && /[0-7]/.test(text.charAt(p))) o += text.charAt(p++);
        bytes.push(parseInt(o, 8));
      } else if (e === 'x') { bytes.push(parseInt(text.slice(p, p + 2), 16)); p += 2; }
      else bytes.push(({ n: 10, t: 9, r: 13, '"': 34, "'": 39, '\\': 92 } as Record<string, number>)[e] ?? e.charCodeAt(0));
    }
    p++;
    return new TextDecoder().decode(Uint8Array.from(bytes));
  };
  const message = (): Norm => {
    const m: Norm = {};
    for (;;) {
      ws();
      if (p >= text.length || text[p] === '}') return m;
      const k = camel(ident());
      ws();
      let v: string | Norm;
      if (text[p] === '{') { p++; v = message(); ws(); p++; }
      else {
        p++; // ':'
        ws();
        if (text[p] === '"') v = str();
        else { const mm = /^[^\s}]+/.exec(text.slice(p))!; v = mm[0]; p += mm[0].length; }
      }
      (m[k] ??= []).push(v);
    }
  };
  const top = message();
  return (top.events ?? []) as Norm[];
}

/** Our decoded message → the same shape, driven by protobufjs reflection (defaults omitted). */
function normalize(type: protobuf.Type, obj: Record<string, unknown>): Norm {
  const out: Norm = {};
  const put = (f: protobuf.Field, v: unknown): void => {
    let s: string | Norm;
    if (f.resolvedType instanceof protobuf.Type) s = normalize(f.resolvedType, v as Record<string, unknown>);
    else if (f.resolvedType instanceof protobuf.Enum) s = f.resolvedType.valuesById[v as number] ?? String(v);
    else s = typeof v === 'boolean' ? String(v) : typeof v === 'number' ? String(v) : (v as string);
    (out[f.name] ??= []).push(s);
  };
  for (const f of type.fieldsArray) {
    const oneof = f.partOf;
    if (oneof) {
      const o = obj[oneof.name] as { case?: string; value?: unknown } | undefined;
      if (o?.case === f.name) put(f, o.value);
      continue;
    }
    const v = obj[f.name];
    if (f.repeated) { for (const x of (v as unknown[]) ?? []) put(f, x); continue; }
    if (v === undefined || v === null) continue;
    if (!(f.resolvedType instanceof protobuf.Type) && (v === 0 || v === false || v === '')) continue;
    put(f, v);
  }
  return out;
}

test('protoc --decode reads our chunks like we do', { skip: skipUnless(hasProtoc, 'protoc not found: apt-get install protobuf-compiler') }, () => {
  const evs: Event[] = randomEvents(77, 400);
  const buf = encodeContainer({ scenarioName: 'interop' }, evs, { chunkEvents: 150 });
  const src = bufferSource(buf);
  const oc = openContainer(src);
  const dir = mkdtempSync(join(tmpdir(), 'csft-protoc-'));
  try {
    writeFileSync(join(dir, 'wrap.proto'), 'syntax = "proto3";\nimport "csftrace.proto";\npackage wrap;\nmessage EventList { repeated csftrace.Event events = 1; }\n');
    let checked = 0;
    for (const c of oc.chunks) {
      const raw = readChunkBytes(src, c, true);
      // [len][event]... → [0x0a][len][event]...: the same bytes as a `repeated Event events = 1`
      const r = new Reader(raw);
      const parts: Buffer[] = [];
      while (r.pos < raw.length) {
        const start = r.pos;
        const n = r.uint32();
        parts.push(Buffer.from([0x0a]), Buffer.from(raw.subarray(start, r.pos + n)));
        r.pos += n;
      }
      const res = spawnSync('protoc', [`--decode=wrap.EventList`, '-I', `${repo}proto`, '-I', dir, join(dir, 'wrap.proto')],
        { input: Buffer.concat(parts), encoding: 'utf8', maxBuffer: 64 << 20 });
      assert.equal(res.status, 0, res.stderr);
      const theirs = parseText(res.stdout);
      const ours: Event[] = [];
      decodeChunkEvents(raw, c, ours);
      assert.equal(theirs.length, ours.length);
      let prev = c.firstTimeNs;
      for (const [j, ev] of ours.entries()) {
        const delta = { ...ev, t: ev.t - prev }; // on the wire t is the delta within the chunk
        prev = ev.t;
        assert.deepEqual(theirs[j], normalize(EventType, delta), `event ${c.firstEvent + j}`);
        checked++;
      }
    }
    assert.equal(checked, 400);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
