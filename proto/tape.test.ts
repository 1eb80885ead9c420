/**
 * The event tape (gen/tape.ts) of offloaded recordings: events written onto a tape and encoded from
 * it give the same chunks, byte for byte, as the same events encoded from their objects.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkEncoder, ContainerError, tapeEvent, type ChunkIndexEntryInit, type EventInit } from './index.js';
import { randomEvents } from './container/random-events.testutil.js';

type Chunk = { raw: string; entry: ChunkIndexEntryInit };

function viaObjects(evs: EventInit[], chunkEvents: number): Chunk[] {
  const out: Chunk[] = [];
  const enc = new ChunkEncoder({ chunkEvents, onChunk: (raw, entry) => out.push({ raw: Buffer.from(raw).toString('hex'), entry }) });
  for (const ev of evs) enc.addParts(ev.t ?? 0, ev.cause ?? 0, ev.body);
  enc.flush();
  return out;
}

/** The events through tapes of at most `words` words each (a new tape when one is full). */
function viaTape(evs: EventInit[], chunkEvents: number, words: number): Chunk[] {
  const out: Chunk[] = [];
  const enc = new ChunkEncoder({ chunkEvents, onChunk: (raw, entry) => out.push({ raw: Buffer.from(raw).toString('hex'), entry }) });
  let tape = new Float64Array(words);
  let i = 0;
  for (const ev of evs) {
    let j = tapeEvent(tape, i, ev.t ?? 0, ev.cause ?? 0, ev.body);
    if (j > tape.length) {
      enc.addTape(tape, 0, i);
      tape = new Float64Array(Math.max(words, j - i));
      j = tapeEvent(tape, 0, ev.t ?? 0, ev.cause ?? 0, ev.body);
    }
    i = j;
  }
  enc.addTape(tape, 0, i);
  enc.flush();
  return out;
}

test('random events of every family: the tape gives the bytes of the objects (property)', () => {
  for (let seed = 1; seed <= 24; seed++) {
    const evs = randomEvents(seed, 300);
    const chunkEvents = 37 + seed * 11;
    assert.deepEqual(viaTape(evs, chunkEvents, 64 + seed * 97), viaObjects(evs, chunkEvents), `seed ${seed}`);
  }
});

test('partial objects as the model builds them: absent fields, messages, lists and cases', () => {
  const evs: EventInit[] = [
    { t: 5, body: { case: 'fwReq', value: { iface: 1, kind: 2, bits: 0x80000000, req: 0xffffffff } } },
    { t: 5, cause: 1, body: { case: 'ioctl', value: { pid: 1001, fd: 3, cmd: 9, ret: -22, args: { case: 'groupSubmit', value: { groupHandle: 1, queueSubmits: [] } } } } },
    { t: 6, body: { case: 'ioctl', value: { pid: 1001, cmd: 9, args: { case: 'groupSubmit', value: { groupHandle: 2, queueSubmits: [{ queueIndex: 0, streamSize: 56, syncs: [{ flags: -2147483647, handle: 1, timelineValue: 2 ** 40 }] }] } } } } },
    { t: 7, body: { case: 'ioctl', value: { pid: 7, args: { case: 'syncobjWait', value: { handles: [1, 2, 300000], points: [], timeoutNsec: 2 ** 52 } } } } },
    { t: 8, body: { case: 'log', value: { level: 0, msg: 'emoji 🙂, surrogate \ud83d alone, ü→✓', source: '' } } },
    { t: 9, body: { case: 'job', value: { group: 1, protRegion: true, fenceError: -62, gpuNs: 0 } } },
    { t: 9, body: { case: 'job', value: {} } },
    { t: 10, body: { case: undefined } },
    { t: 2 ** 50, cause: 3, body: { case: 'modeSwitch', value: { from: 1, to: 2 } } },
  ];
  assert.deepEqual(viaTape(evs, 4, 256), viaObjects(evs, 4));
  assert.deepEqual(viaTape(evs, 100, 16), viaObjects(evs, 100));
});

test('a tape too small for an event keeps what fits and says how much it needed', () => {
  const body: EventInit['body'] = { case: 'log', value: { level: 1, msg: 'x'.repeat(100), source: 's' } };
  const big = new Float64Array(1000);
  const need = tapeEvent(big, 0, 42, 0, body);
  assert.ok(need > 100 && need < 120, `${need} words`);
  const small = new Float64Array(10).fill(-1);
  assert.equal(tapeEvent(small, 0, 42, 0, body), need);
  assert.deepEqual([...small.subarray(0, 10)], [...big.subarray(0, 10)]);
});

test('a tape cut inside an event, or going back in time, is refused', () => {
  const tape = new Float64Array(100);
  const end = tapeEvent(tape, 0, 10, 0, { case: 'fwIrq', value: { line: 1, status: 4 } });
  const enc = new ChunkEncoder({ onChunk: () => {} });
  assert.throws(() => enc.addTape(tape, 0, end - 1), (e: unknown) => e instanceof ContainerError && e.code === 'E_CORRUPT');
  const back = new Float64Array(100);
  let i = tapeEvent(back, 0, 10, 0, { case: 'fwIrq', value: { line: 1 } });
  i = tapeEvent(back, i, 9, 0, { case: 'fwIrq', value: { line: 2 } });
  const enc2 = new ChunkEncoder({ onChunk: () => {} });
  assert.throws(() => enc2.addTape(back, 0, i), (e: unknown) => e instanceof ContainerError && e.code === 'E_ORDER');
});
