/**
 * The recorder's compression worker: receives raw chunks from the simulation thread (in a slot of
 * the shared ring, or as a copy when larger than a slot), compresses
 * them (lz4 HC), frames them and writes them to the trace file, then the index and the trailer.
 * Progress and completion go through shared memory (see trace-recorder.ts) so that the simulation
 * thread can wait for them synchronously.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { fsyncSync, writeSync } from 'node:fs';
import { FrameSealer } from '../proto/index.js';
import { RING_SLOT_BYTES, S_DONE, S_INFLIGHT, S_READY, S_WRITTEN, type SealMessage, type SealWorkerData } from './seal-protocol.js';

const data = workerData as SealWorkerData;
const state = new Int32Array(data.state);
const bytes = new Float64Array(data.bytes);
const port = parentPort!;

function writeAll(b: Uint8Array): void {
  let off = 0;
  while (off < b.length) off += writeSync(data.fd, b, off, b.length - off);
  bytes[0] += b.length;
}

function fail(e: unknown): void {
  data.errors.postMessage({ type: 'error', message: (e as NodeJS.ErrnoException)?.code ?? (e as Error)?.message ?? String(e) });
  Atomics.store(state, S_DONE, 2);
  Atomics.notify(state, S_DONE);
  Atomics.store(state, S_INFLIGHT, 0);
  Atomics.notify(state, S_INFLIGHT);
}

let sealer: FrameSealer | undefined;
try {
  sealer = new FrameSealer(data.startAt, { write: writeAll, compression: data.compression });
  Atomics.store(state, S_READY, 1);
  Atomics.notify(state, S_READY);
} catch (e) { fail(e); }

port.on('message', (m: SealMessage) => {
  if (sealer === undefined || Atomics.load(state, S_DONE) !== 0) return;
  try {
    if (m.type === 'chunk' || m.type === 'slot') {
      sealer.sealChunk(m.type === 'chunk' ? m.raw : new Uint8Array(data.ring, m.slot * RING_SLOT_BYTES, m.length), m.entry);
      Atomics.add(state, S_WRITTEN, 1);
      Atomics.sub(state, S_INFLIGHT, 1);
      Atomics.notify(state, S_INFLIGHT);
    } else {
      sealer.finish(m.eventCount, m.lastTimeNs);
      fsyncSync(data.fd);
      Atomics.store(state, S_DONE, 1);
      Atomics.notify(state, S_DONE);
    }
  } catch (e) { fail(e); }
});
