/**
 * The pure-TypeScript LZ4 block codec against the native addon: every chunk block of every golden
 * trace decompresses to the addon's bytes; blocks compressed here decompress with the addon (and
 * back); malformed and truncated blocks give −1 without writing past the output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { Reader } from '../wire.js';
import { FRAME_HEADER_SIZE, bufferSource, openContainer, readChunkBytes } from './index.js';
import { lz4Bound, lz4Compress, lz4Decompress, lz4NativeLoaded } from './lz4-block.js';
import { lz4BoundJs, lz4CompressJs, lz4DecompressJs } from './lz4-js.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

function goldenFiles(): string[] {
  const out: string[] = [];
  const root = join(repo, 'traces');
  for (const d of readdirSync(root)) {
    if (!/^v\d+$/.test(d)) continue;
    for (const f of readdirSync(join(root, d))) if (f.endsWith('.csft')) out.push(join(root, d, f));
  }
  return out.sort();
}

/** The lz4 block of the CHUNK frame at `offset` (after its varint-prefixed chunk header). */
function chunkBlock(buf: Uint8Array, offset: number): Uint8Array {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const len = dv.getUint32(offset + 1, true);
  const payload = buf.subarray(offset + FRAME_HEADER_SIZE, offset + FRAME_HEADER_SIZE + len);
  const r = new Reader(payload);
  const hlen = r.uint32();
  return payload.subarray(r.pos + hlen);
}

test('the addon is loaded in the test run (the comparisons below need it)', () => {
  assert.equal(lz4NativeLoaded, true);
});

test('every chunk of every golden trace decompresses to the addon\'s bytes', () => {
  const files = goldenFiles();
  assert.ok(files.length >= 9, `golden traces found: ${files.length}`);
  let chunks = 0;
  let bytes = 0;
  for (const f of files) {
    const buf = new Uint8Array(readFileSync(f));
    const oc = openContainer(bufferSource(buf));
    for (const c of oc.chunks) {
      const native = readChunkBytes(bufferSource(buf), c, true);
      const block = chunkBlock(buf, c.offset);
      const out = new Uint8Array(native.length);
      assert.equal(lz4DecompressJs(block, out), native.length, `${f} chunk at ${c.offset}`);
      assert.deepEqual(out, native, `${f} chunk at ${c.offset}`);
      // one byte short: refused, nothing written past the end
      if (native.length > 0) {
        const short = new Uint8Array(native.length);
        assert.equal(lz4DecompressJs(block, short.subarray(0, native.length - 1)), -1);
      }
      chunks++;
      bytes += native.length;
    }
  }
  assert.ok(chunks >= 20 && bytes > 1_000_000, `${chunks} chunks, ${bytes} bytes`);
});

test('blocks compressed in TypeScript decompress with the addon, and the addon\'s with TypeScript', () => {
  fc.assert(fc.property(
    fc.oneof(
      fc.uint8Array({ maxLength: 3000 }),
      // repetitive data: long matches, overlapping copies, long literal runs
      fc.array(fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 300 })), { maxLength: 20 })
        .map((parts) => Uint8Array.from(parts.flatMap(([p, n]) => Array.from({ length: n }, () => [...p]).flat()))),
    ),
    (data) => {
      assert.equal(lz4BoundJs(data.length), lz4Bound(data.length));
      const c = new Uint8Array(lz4BoundJs(data.length));
      const n = lz4CompressJs(data, c);
      assert.ok(n <= c.length);
      const back = new Uint8Array(data.length);
      assert.equal(lz4Decompress(c.subarray(0, n), back), data.length);
      assert.deepEqual(back, data);
      const c2 = new Uint8Array(lz4Bound(data.length));
      const n2 = lz4Compress(data, c2, true);
      const back2 = new Uint8Array(data.length);
      assert.equal(lz4DecompressJs(c2.subarray(0, n2), back2), data.length);
      assert.deepEqual(back2, data);
    },
  ), { numRuns: 300, seed: 19 });
});

test('malformed blocks: -1, never a write past the output', () => {
  const out = new Uint8Array(64);
  assert.equal(lz4DecompressJs(new Uint8Array([]), out), -1);
  assert.equal(lz4DecompressJs(new Uint8Array([0xf0]), out), -1); // length byte missing
  assert.equal(lz4DecompressJs(new Uint8Array([0x10, 65, 0, 0]), out), -1); // offset 0
  assert.equal(lz4DecompressJs(new Uint8Array([0x10, 65, 9, 0]), out), -1); // offset before the start
  assert.equal(lz4DecompressJs(new Uint8Array([0x1f, 65, 1, 0, 255, 255, 255, 255, 10]), out), -1); // match past the end
  assert.equal(lz4DecompressJs(new Uint8Array([0x14, 65, 1, 0]), out), -1); // ends with a match
  assert.equal(lz4DecompressJs(new Uint8Array([0x14, 65, 1, 0, 0x10, 66]), out), 10); // AAAAAAAAA B
  assert.equal(new TextDecoder().decode(out.subarray(0, 10)), 'AAAAAAAAAB');
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 300 }), (block, size) => {
    const guard = new Uint8Array(size + 16).fill(0xee);
    const n = lz4DecompressJs(block, guard.subarray(0, size));
    assert.ok(n >= -1 && n <= size);
    assert.ok(guard.subarray(size).every((b) => b === 0xee));
  }), { numRuns: 2000, seed: 7 });
});
