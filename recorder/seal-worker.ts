/**
 * The recorder's compression worker: takes the records the simulation thread publishes in the
 * shared ring (seal-protocol.ts), in order; encodes the events of their tape into chunks
 * (ChunkEncoder.addTape: the bytes of an in-thread recording), compresses them (lz4 HC), frames them
 * and writes them to the trace file, then the index and the trailer; then waits for the thread's
 * next recording. Progress and completion go through shared memory so that the simulation thread
 * can wait for them synchronously. This thread has nothing else to do: it waits in Atomics.wait
 * between records.
 */
import { workerData, receiveMessageOnPort } from 'node:worker_threads';
import { ChunkEncoder, FrameSealer } from '../proto/index.js';
import {
  COMPRESSION_FAST, DOZES, DOZE_MS, HEADER_WORDS, KIND_BEGIN, KIND_COPY, KIND_FINISH, KIND_TAPE, RING_SLOTS, RING_SLOT_BYTES,
  S_DONE, S_INFLIGHT, S_PUBLISHED, S_SLEEPING, S_WRITTEN, SYNC_CHUNKS, syncFile, writeFully, type SealWorkerData,
} from './seal-protocol.js';

const data = workerData as SealWorkerData;
const state = new Int32Array(data.state);
const bytes = new Float64Array(data.bytes);
const headers = new Float64Array(data.headers);

function fail(e: unknown): void {
  data.errors.postMessage({ type: 'error', message: (e as NodeJS.ErrnoException)?.code ?? (e as Error)?.message ?? String(e) });
  Atomics.store(state, S_DONE, 2);
  Atomics.notify(state, S_DONE);
  Atomics.store(state, S_INFLIGHT, 0);
  Atomics.notify(state, S_INFLIGHT);
}

/** Waits until record `seq` is published: dozes first, then sleeps until notified. */
function awaitRecord(seq: number): void {
  for (let doze = 0; Atomics.load(state, S_PUBLISHED) === seq; doze++) {
    if (doze < DOZES) { Atomics.wait(state, S_PUBLISHED, seq, DOZE_MS); continue; }
    Atomics.store(state, S_SLEEPING, 1);
    // the recording thread bumps S_PUBLISHED, then reads S_SLEEPING: one of the two sees the other
    if (Atomics.load(state, S_PUBLISHED) === seq) Atomics.wait(state, S_PUBLISHED, seq);
    Atomics.store(state, S_SLEEPING, 0);
  }
}

/** One recording: its file and its encoder. */
class Recording {
  readonly enc: ChunkEncoder;
  private readonly sealer: FrameSealer;
  constructor(readonly fd: number, startAt: number, compression: number, chunkEvents: number) {
    const writeAll = (b: Uint8Array): void => {
      writeFully(fd, b);
      bytes[0] += b.length;
    };
    const sealer = this.sealer = new FrameSealer(startAt, { write: writeAll, compression: compression === COMPRESSION_FAST ? 'fast' : 'hc' });
    this.enc = new ChunkEncoder({
      chunkEvents,
      onChunk: (raw, entry) => {
        sealer.sealChunk(raw, entry);
        if ((Atomics.add(state, S_WRITTEN, 1) + 1) % SYNC_CHUNKS === 0) syncFile(fd, true);
      },
    });
  }
  finish(events: number): void {
    this.enc.flush();
    if (this.enc.eventCount !== events) throw new Error(`the tape held ${this.enc.eventCount} events, the recording ${events}`);
    this.sealer.finish(this.enc.eventCount, this.enc.lastTimeNs);
    syncFile(this.fd);
  }
}

function serve(): void {
  let rec: Recording | undefined;
  for (let seq = 0; ; seq++) {
    awaitRecord(seq);
    const slot = seq % RING_SLOTS;
    const at = slot * HEADER_WORDS;
    const kind = headers[at];
    if (kind === KIND_BEGIN) {
      rec = new Recording(headers[at + 1], headers[at + 2], headers[at + 3], headers[at + 4]);
    } else if (rec === undefined) {
      throw new Error(`record ${seq}: kind ${kind} outside a recording`);
    } else if (kind === KIND_TAPE || kind === KIND_COPY) {
      const words = headers[at + 1];
      let tape: Float64Array;
      if (kind === KIND_TAPE) tape = new Float64Array(data.ring, slot * RING_SLOT_BYTES, words);
      else {
        const m = receiveMessageOnPort(data.copies)?.message as Float64Array | undefined;
        if (m === undefined) throw new Error(`record ${seq}: its tape copy is missing`);
        tape = m;
      }
      rec.enc.addTape(tape, 0, words);
      if (headers[at + 2] !== 0) rec.enc.flush();
    } else if (kind === KIND_FINISH) {
      rec.finish(headers[at + 1]);
      rec = undefined;
      Atomics.store(state, S_DONE, 1);
      Atomics.notify(state, S_DONE);
    } else throw new Error(`record ${seq}: unknown kind ${kind}`);
    Atomics.sub(state, S_INFLIGHT, 1);
    Atomics.notify(state, S_INFLIGHT);
  }
}

/*
 * The worker keeps the normal CPU priority. At nice 19 the recording overhead on an otherwise idle
 * two-core machine was lower (the simulation's GC helper threads then take the second core from it
 * at once), but with two other busy processes a 20 s stress recording took 24 s instead of 2.8 s:
 * an unprivileged thread cannot raise its priority back once the ring fills, so nothing bounds
 * that case.
 */
try {
  serve();
} catch (e) { fail(e); }
