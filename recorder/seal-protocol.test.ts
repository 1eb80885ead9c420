/**
 * The takeover's pieces on their own: telling a starved worker, the worker's write lock against the
 * recording thread's takeover flag, and the checkpoint a takeover resumes from.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, openSync, closeSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ChunkEncoder } from '../proto/index.js';
import {
  CK_VALID, HANDOVER_ASKED, HANDOVER_TAKEN, STARVE_CHECK_MS, S_HANDOVER, S_WLOCK, STATE_WORDS, SealingRecording, TakenOver,
  getCheckpoint, guardedWrite, isStarved, newCheckpoint, putCheckpoint, readSchedStat, type SchedStat,
} from './seal-protocol.js';
import { syntheticEvent } from './synthetic.testutil.js';

test('the write lock: a write goes through unless the recording is asked for or taken', () => {
  const state = new Int32Array(new SharedArrayBuffer(STATE_WORDS * 4));
  let writes = 0;
  guardedWrite(state, () => { writes++; assert.equal(Atomics.load(state, S_WLOCK), 1, 'held during the write'); });
  assert.equal(writes, 1);
  assert.equal(Atomics.load(state, S_WLOCK), 0, 'released after it');
  // taken: no write, TakenOver, the lock left free
  Atomics.store(state, S_HANDOVER, HANDOVER_TAKEN);
  assert.throws(() => guardedWrite(state, () => { writes++; }), TakenOver);
  assert.equal(writes, 1);
  assert.equal(Atomics.load(state, S_WLOCK), 0);
  // a write that throws still releases the lock
  Atomics.store(state, S_HANDOVER, 0);
  assert.throws(() => guardedWrite(state, () => { throw new Error('EIO'); }), /EIO/);
  assert.equal(Atomics.load(state, S_WLOCK), 0);
});

test('the write lock: asked, the worker waits for the decision (taken: it stops; cancelled: it writes)', () => {
  for (const decision of [HANDOVER_TAKEN, 0]) {
    const state = new Int32Array(new SharedArrayBuffer(STATE_WORDS * 4));
    Atomics.store(state, S_HANDOVER, HANDOVER_ASKED);
    // another thread decides 150 ms later (this one blocks in guardedWrite meanwhile)
    const w = new Worker(`
      const { workerData } = require('node:worker_threads');
      const s = new Int32Array(workerData.sab);
      Atomics.wait(s, 0, 0, 150);
      Atomics.store(s, ${S_HANDOVER}, workerData.decision);
      Atomics.notify(s, ${S_HANDOVER});
    `, { eval: true, workerData: { sab: state.buffer, decision } });
    let wrote = false;
    const t0 = Date.now();
    try {
      guardedWrite(state, () => { wrote = true; });
      assert.equal(decision, 0, 'cancelled: the write goes through');
    } catch (e) {
      assert.ok(e instanceof TakenOver && decision === HANDOVER_TAKEN, String(e));
    }
    assert.ok(Date.now() - t0 >= 100, 'it waited for the decision');
    assert.equal(wrote, decision === 0);
    assert.equal(Atomics.load(state, S_WLOCK), 0);
    void w.terminate();
  }
});

test('a checkpoint gives back the encoder state after the last record; one too small says so', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csft-ck-'));
  const fd = openSync(join(dir, 'x.csft'), 'w');
  try {
    const state = new Int32Array(new SharedArrayBuffer(STATE_WORDS * 4));
    const c = { state, bytes: new Float64Array(1) };
    const rec = SealingRecording.begin(c, (f) => f(), fd, 100, 0, 1_000_000);
    const ck = newCheckpoint();
    assert.equal(getCheckpoint(ck), undefined, 'none before the first record');
    const chunks: Uint8Array[] = [];
    const ref = new ChunkEncoder({ chunkEvents: 1_000_000, onChunk: (raw) => chunks.push(raw.slice()) });
    for (let i = 0; i < 20_000; i++) {
      const ev = syntheticEvent(i);
      ev.t = i * 10;
      rec.enc.add(ev);
      ref.add(ev);
    }
    putCheckpoint(ck, 7, rec);
    assert.equal(new Float64Array(ck, 0, 1)[CK_VALID], 1);
    const got = getCheckpoint(ck);
    assert.ok(got !== undefined);
    assert.ok(got.enc.raw.length > 100_000, `open chunk ${got.enc.raw.length} bytes`);
    assert.deepEqual([got.next, got.fd, got.compression, got.written], [7, fd, 0, 100]);
    // resumed elsewhere, the encoder closes the same chunk as one that never stopped
    const resumed = ChunkEncoder.resume(got.enc, (raw) => chunks.push(raw.slice()));
    resumed.flush();
    ref.flush();
    assert.equal(chunks.length, 2);
    assert.equal(Buffer.compare(chunks[0], chunks[1]), 0);
    assert.equal(resumed.eventCount, 20_000);
    // no room for that open chunk: marked too large, nothing to resume from
    const small = newCheckpoint(1000);
    putCheckpoint(small, 7, rec);
    assert.equal(new Float64Array(small, 0, 1)[CK_VALID], 2);
    assert.equal(getCheckpoint(small), undefined);
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a worker is starved when it is ready to run but ran less than a quarter of half a check or more', () => {
  const ms = 1e6;
  const at = (t: number, run: number, runnable = true): SchedStat => ({ at: t, run: run * ms, runnable });
  // ready to run, ran 2 ms of 50: other processes keep it off the CPU
  assert.equal(isStarved(at(1000, 100), at(1050, 102)), true);
  // ran most of the time: slow, not starved
  assert.equal(isStarved(at(1000, 100), at(1050, 140)), false);
  // blocked (a write, an fsync): not runnable, not starved
  assert.equal(isStarved(at(1000, 100), at(1050, 101, false)), false);
  // too short a look
  assert.equal(isStarved(at(1000, 100), at(1000 + STARVE_CHECK_MS / 2 - 1, 100)), false);
  // just under a quarter of the span: starved; a quarter: not
  assert.equal(isStarved(at(0, 0), at(100, 24.9)), true);
  assert.equal(isStarved(at(0, 0), at(100, 25)), false);
  // this thread's own schedstat (Linux): it is running, its CPU time only grows
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  const a = readSchedStat(tid), b = readSchedStat(tid);
  assert.ok(a !== undefined && b !== undefined && b.run >= a.run && a.run > 0 && b.at >= a.at, JSON.stringify([a, b]));
  assert.equal(a.runnable, true);
  assert.equal(readSchedStat(0x7fffffff), undefined);
});
