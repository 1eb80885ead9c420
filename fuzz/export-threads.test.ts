/**
 * `export --format jsonl` on several threads over a damaged trace: a chunk that does not decode in a
 * worker's segment is skipped and noted exactly as a single thread's pass does it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FrameKind, encodeContainer, lz4Bound, lz4Compress, lz4Decompress, type EventInit } from '../proto/index.js';
import { exportTrace, openTrace } from '../replayer/index.js';
import { syntheticEvents, syntheticHeader } from '../replayer/testing.js';
import { assemble, chunkParts, chunkPayload, parseFrames } from './mutate.js';

const dir = mkdtempSync(join(tmpdir(), 'csftrace-export-threads-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const events: EventInit[] = syntheticEvents({ ticks: 400, protmEvery: 7 });
const header = syntheticHeader('threads');
const CHUNK = 50;

function bytesOf(run: (write: (b: Uint8Array) => void) => unknown): Buffer {
  const parts: Buffer[] = [];
  run((b) => parts.push(Buffer.from(b)));
  return Buffer.concat(parts);
}

test('jsonl threads: a chunk that does not decode in a worker\'s segment is skipped and noted as on one thread', () => {
  const p = parseFrames(new Uint8Array(encodeContainer(header, events, { chunkEvents: CHUNK })));
  // the fourth chunk: events 150..199, in segment 1 (100 events a segment), a worker's
  const k = p.frames.map((f, i) => [f, i] as const).filter(([f]) => f.kind === FrameKind.CHUNK)[3]![1];
  const { entry, block } = chunkParts(p.frames[k]!.payload);
  const raw = new Uint8Array(entry.rawSize);
  lz4Decompress(block, raw);
  raw[raw.length >> 1] = 0xff; raw[(raw.length >> 1) + 1] = 0xff; // wire type 7 inside an event
  const out = new Uint8Array(lz4Bound(raw.length));
  p.frames[k] = { kind: FrameKind.CHUNK, payload: chunkPayload(entry, out.subarray(0, lz4Compress(raw, out))) };
  const bad = join(dir, 'undecodable.csft');
  writeFileSync(bad, assemble(p, true));

  const one = openTrace(bad);
  const many = openTrace(bad);
  try {
    const want = bytesOf((w) => exportTrace(one, 'jsonl', w, { threads: 1 }));
    assert.equal(one.notices.length, 1, one.notices.join('\n'));
    assert.match(one.notices[0]!, /^chunk 3 \(events 150\.\.199\) does not decode/);
    const seen: string[] = [];
    many.onNotice = (n) => seen.push(n);
    const got = bytesOf((w) => exportTrace(many, 'jsonl', w, { threads: 2, threadsFrom: 0, segmentEvents: 100 }));
    assert.ok(got.equals(want), 'the same lines, the undecodable events as unknown ones');
    assert.deepEqual([...many.notices], [...one.notices]);
    assert.deepEqual(seen, [...one.notices], 'noted once, as it happened');
    assert.ok(want.toString('utf8').includes('"index":199,"t":'), 'the events of the bad chunk keep their place');
  } finally { one.close(); many.close(); }
});

