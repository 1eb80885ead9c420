/**
 * The recorder's compression worker: takes the raw chunks the simulation thread publishes in the
 * shared ring (seal-protocol.ts), in order, compresses them (lz4 HC), frames them and writes them to
 * the trace file, then the index and the trailer. Progress and completion go through shared memory
 * so that the simulation thread can wait for them synchronously. This thread has nothing else to do:
 * it blocks in Atomics.wait between records.
 */
import { workerData, receiveMessageOnPort } from 'node:worker_threads';
import { fsyncSync, writeSync } from 'node:fs';
import { FrameSealer } from '../proto/index.js';
import {
  HEADER_WORDS, KIND_COPY, KIND_FINISH, KIND_SLOT, RING_SLOTS, RING_SLOT_BYTES, S_DONE, S_INFLIGHT, S_PUBLISHED,
  S_WRITTEN, entryOf, type SealWorkerData,
} from './seal-protocol.js';

const data = workerData as SealWorkerData;
const state = new Int32Array(data.state);
const bytes = new Float64Array(data.bytes);
const headers = new Float64Array(data.headers);

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

function serve(sealer: FrameSealer): void {
  for (let seq = 0; ; seq++) {
    while (Atomics.load(state, S_PUBLISHED) === seq) Atomics.wait(state, S_PUBLISHED, seq);
    const slot = seq % RING_SLOTS;
    const at = slot * HEADER_WORDS;
    const kind = headers[at];
    if (kind === KIND_FINISH) {
      sealer.finish(headers[at + 3], headers[at + 5]);
      fsyncSync(data.fd);
      Atomics.store(state, S_DONE, 1);
      Atomics.notify(state, S_DONE);
      return;
    }
    let raw: Uint8Array;
    if (kind === KIND_SLOT) raw = new Uint8Array(data.ring, slot * RING_SLOT_BYTES, headers[at + 1]);
    else if (kind === KIND_COPY) {
      const m = receiveMessageOnPort(data.copies)?.message as Uint8Array | undefined;
      if (m === undefined) throw new Error(`record ${seq}: its chunk copy is missing`);
      raw = m;
    } else throw new Error(`record ${seq}: unknown kind ${kind}`);
    sealer.sealChunk(raw, entryOf(headers, at));
    Atomics.add(state, S_WRITTEN, 1);
    Atomics.sub(state, S_INFLIGHT, 1);
    Atomics.notify(state, S_INFLIGHT);
  }
}

try {
  const sealer = new FrameSealer(data.startAt, { write: writeAll, compression: data.compression });
  serve(sealer);
} catch (e) { fail(e); }
