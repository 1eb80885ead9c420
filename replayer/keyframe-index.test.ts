/**
 * The keyframe index beside a trace: the state it restores equals stepping every event from the
 * start; a trace changed after the index was written (a note appended, re-recorded, touched) or a
 * damaged index is never used.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyEvent, finalizeState, initialState } from './reducer.js';
import { Replayer } from './replayer.js';
import { appendNote, openTrace } from './trace-file.js';
import { keyframeIndexPath, loadKeyframeIndex, openKeyframeIndex, stateAtIndexed, writeKeyframeIndex } from './keyframe-index.js';

const golden = fileURLToPath(new URL('../../traces/v1/drm-video-over-ui.csft', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'csft-kfi-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function indexed(name: string, every: number): string {
  const p = join(dir, name);
  copyFileSync(golden, p);
  const tr = openTrace(p);
  try { writeKeyframeIndex(tr, every); } finally { tr.close(); }
  return p;
}

function why(p: string): string {
  const tr = openTrace(p);
  try { const r = loadKeyframeIndex(tr); return r.ok ? 'ok' : r.why; } finally { tr.close(); }
}

test('the state restored through the index equals stepping every event from the start', () => {
  const p = indexed('eq.csft', 2048);
  const tr = openTrace(p);
  try {
    const load = loadKeyframeIndex(tr);
    assert.ok(load.ok);
    assert.equal(load.batch.every, 2048);
    assert.equal(load.batch.frames.length, Math.floor(tr.eventCount / 2048) + 1);
    const r = Replayer.open(tr);
    r.adoptKeyframes(load.batch);
    assert.equal(r.keyframeEvery, 2048);
    const opened = openKeyframeIndex(tr);
    assert.ok(opened.ok);
    const want = new Set([0, 2046, 2047, 2048, 2049, 4321, 9999, tr.eventCount - 1]);
    assert.deepEqual(stateAtIndexed(tr, opened.index, -1), finalizeState(initialState()));
    const s = initialState();
    let checked = 0;
    tr.forEach((ev, i) => {
      applyEvent(s, ev, i);
      if (want.has(i)) {
        const stepped = finalizeState(JSON.parse(JSON.stringify(s)));
        assert.deepEqual(r.stateAt(i), stepped, `state after event ${i}`);
        assert.deepEqual(stateAtIndexed(tr, opened.index, i), stepped, `state after event ${i}, one keyframe read`);
        checked++;
      }
    });
    assert.equal(checked, want.size);
    opened.index.close();
  } finally { tr.close(); }
});

test('an index made for another version of the trace is stale and not used', () => {
  // a note appended: size and chunks' end differ
  const a = indexed('note.csft', 2000);
  assert.equal(why(a), 'ok');
  appendNote(a, { eventIndex: 5, text: 'seen' });
  assert.match(why(a), /^stale: the trace is \d+ bytes, the index was made for \d+$/);

  // rewritten with other content of the same name
  const b = indexed('other.csft', 2000);
  copyFileSync(fileURLToPath(new URL('../../traces/v1/stress.csft', import.meta.url)), b);
  assert.match(why(b), /^stale: /);

  // same bytes, modified afterwards (touched): the index cannot tell, so it is not trusted
  const c = indexed('touched.csft', 2000);
  const st = statSync(c);
  utimesSync(c, st.atime, new Date(st.mtimeMs + 5000));
  assert.equal(why(c), 'stale: the trace was modified after the index was made');
});

test('a damaged index is not used', () => {
  const p = indexed('damaged.csft', 2000);
  const idx = keyframeIndexPath(p);
  const good = readFileSync(idx);
  const flipped = Buffer.from(good);
  flipped[10]! ^= 0x40; // inside the first keyframe
  writeFileSync(idx, flipped);
  assert.equal(why(p), 'keyframe 0 is corrupt (bad checksum)');
  writeFileSync(idx, good.subarray(0, good.length - 5));
  assert.equal(why(p), 'not a keyframe index');
  const table = Buffer.from(good);
  table[good.length - 20]! ^= 0x01; // inside the table
  writeFileSync(idx, table);
  assert.equal(why(p), 'its table is corrupt (bad checksum)');
  writeFileSync(idx, '');
  assert.equal(why(p), 'too short to be a keyframe index');
  rmSync(idx);
  assert.equal(why(p), 'none');
});

test('a table with a checksum that holds but frames that do not is not used', async () => {
  const { crc32 } = await import('../proto/index.js');
  const p = indexed('crafted.csft', 2000);
  const idx = keyframeIndexPath(p);
  const good = readFileSync(idx);
  const len = good.readUInt32LE(good.length - 8);
  const start = good.length - 12 - len;
  const table = JSON.parse(good.subarray(start, start + len).toString('utf8')) as { frames: unknown[] };
  const craft = (frames: unknown[]): void => {
    const json = Buffer.from(JSON.stringify({ ...table, frames }));
    const foot = Buffer.alloc(12);
    foot.writeUInt32LE(crc32(json), 0); foot.writeUInt32LE(json.length, 4); foot.writeUInt32LE(0x31464b43, 8);
    writeFileSync(idx, Buffer.concat([good.subarray(0, start), json, foot]));
  };
  craft(table.frames);
  assert.equal(why(p), 'ok');
  craft(table.frames.map((f, j) => (j === 1 ? 5 : f)));
  assert.equal(why(p), 'its table is malformed');
  craft(table.frames.map((f, j) => (j === 1 ? ['0', 10] : f)));
  assert.equal(why(p), 'its table is malformed');
  craft(table.frames.map((f, j) => (j === 1 ? [start, 1] : f)));
  assert.equal(why(p), 'a keyframe lies past the end of the file');
});

test('an index is written only over an older index; a FIFO or a link at its name is never opened', () => {
  const p = join(dir, 'mine.csft');
  copyFileSync(golden, p);
  writeFileSync(keyframeIndexPath(p), 'my own notes');
  const tr = openTrace(p);
  try {
    assert.throws(() => writeKeyframeIndex(tr, 4096), (e: Error & { userFacing?: boolean }) => e.userFacing === true
      && /mine\.csft\.keyframes: exists and is not a keyframe index: not replaced/.test(e.message));
    assert.equal(readFileSync(keyframeIndexPath(p), 'utf8'), 'my own notes');
  } finally { tr.close(); }
  const q = indexed('again.csft', 4096);
  const tr2 = openTrace(q);
  try { writeKeyframeIndex(tr2, 4096); } finally { tr2.close(); }
  assert.equal(why(q), 'ok', 'an older index is replaced');
  const f = join(dir, 'fifo.csft');
  copyFileSync(golden, f);
  assert.equal(spawnSync('mkfifo', [keyframeIndexPath(f)]).status, 0);
  const tr3 = openTrace(f);
  try {
    const o = openKeyframeIndex(tr3);
    assert.equal(o.ok ? 'ok' : o.why, 'not a regular file');
    assert.throws(() => writeKeyframeIndex(tr3, 4096), /exists and is not a regular file/);
  } finally { tr3.close(); }
});
