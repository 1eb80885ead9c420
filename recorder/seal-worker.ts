/**
 * The recorder's compression worker: takes the records the simulation thread publishes in the
 * shared ring (seal-protocol.ts), in order; encodes the events of their tape into chunks
 * (ChunkEncoder.addTape: the bytes of an in-thread recording), compresses them (lz4 HC), frames them
 * and writes them to the trace file, then the index and the trailer; then waits for the thread's
 * next recording. Progress and completion go through shared memory so that the simulation thread
 * can wait for them synchronously. This thread has nothing else to do: it waits in Atomics.wait
 * between records.
 *
 * It runs at the lowest CPU priority (WORKER_NICE) and leaves a checkpoint after each record, so
 * that the recording thread can take the recording over when it finds the worker starved; the
 * worker then stops at its next write (TakenOver).
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { workerData, receiveMessageOnPort } from 'node:worker_threads';
import {
  DOZES, DOZE_MS, HANDOVER_ASKED, S_DONE, S_HANDOVER, S_INFLIGHT, S_PUBLISHED, S_SLEEPING, S_TID, TakenOver, WORKER_NICE,
  doRecord, guardedWrite, putCheckpoint, type SealingRecording, type SealWorkerData,
} from './seal-protocol.js';

const data = workerData as SealWorkerData;
const state = new Int32Array(data.state);
const counters = { state, bytes: new Float64Array(data.bytes) };
const headers = new Float64Array(data.headers);

function fail(e: unknown): void {
  data.errors.postMessage({ type: 'error', message: (e as NodeJS.ErrnoException)?.code ?? (e as Error)?.message ?? String(e) });
  Atomics.store(state, S_DONE, 2);
  Atomics.notify(state, S_DONE);
  Atomics.store(state, S_INFLIGHT, 0);
  Atomics.notify(state, S_INFLIGHT);
}

/**
 * Waits until record `seq` is published: dozes first, then sleeps until notified (or until the
 * recording thread looks at the checkpoint: the worker then waits under guardedWrite).
 */
function awaitRecord(seq: number): void {
  const waiting = (): boolean => Atomics.load(state, S_PUBLISHED) === seq && Atomics.load(state, S_HANDOVER) !== HANDOVER_ASKED;
  for (let doze = 0; waiting(); doze++) {
    if (doze < DOZES) { Atomics.wait(state, S_PUBLISHED, seq, DOZE_MS); continue; }
    Atomics.store(state, S_SLEEPING, 1);
    // the recording thread bumps S_PUBLISHED, then reads S_SLEEPING: one of the two sees the other
    if (waiting()) Atomics.wait(state, S_PUBLISHED, seq);
    Atomics.store(state, S_SLEEPING, 0);
  }
}

/** Lowers this thread's priority; publishes its thread id if that worked (Linux). */
function lowerPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!(tid > 0)) return;
    setPriority(tid, WORKER_NICE);
    Atomics.store(state, S_TID, tid);
  } catch { /* no per-thread priority here: the worker keeps the normal one */ }
}

const guard = (f: () => void): void => guardedWrite(state, f);

function serve(): void {
  let rec: SealingRecording | undefined;
  const copy = (): Float64Array | undefined => receiveMessageOnPort(data.copies)?.message as Float64Array | undefined;
  for (let seq = 0; ;) {
    awaitRecord(seq);
    if (Atomics.load(state, S_PUBLISHED) === seq) {
      // woken by a takeover while idle: wait for its decision (TakenOver, or the wait goes on)
      guard(() => { /* nothing to write */ });
      continue;
    }
    rec = doRecord(counters, guard, headers, data.ring, seq, rec, copy);
    const r = rec;
    if (r !== undefined) guard(() => putCheckpoint(data.checkpoint, seq + 1, r));
    seq++;
    Atomics.sub(state, S_INFLIGHT, 1);
    Atomics.notify(state, S_INFLIGHT);
  }
}

lowerPriority();
try {
  serve();
} catch (e) {
  // a recording taken over: the recording thread has it; this worker is done
  if (!(e instanceof TakenOver)) fail(e);
}
