/**
 * The protocol between the recorder and its compression worker (seal-worker.ts): the worker's data
 * and the shared memory both sides use.
 *
 * The recording thread does not encode events: it writes each event's fields as numbers into the
 * event tape (proto/gen/tape.ts), straight into the current slot of a ring in shared memory, and
 * when the slot is nearly full publishes it as a record (a header and a bumped counter; no message
 * is posted). The worker takes the records in order, reads the events back, encodes them into
 * chunks exactly as an in-thread recording would (the same ChunkEncoder: the same bytes),
 * compresses (lz4 HC), frames and writes them.
 *
 * One worker serves the recordings of its thread one after the other (a recording begins with a
 * BEGIN record and ends with FINISH), so that only the first recording of a process pays for the
 * worker's start (a fresh isolate: tens of ms) and for the first touch of the ring's pages.
 *
 *   record i → slot i % RING_SLOTS: header words + (TAPE) the slot's data area as a Float64Array
 *   BEGIN   fd, bytes already in the file, compression, events per chunk
 *   TAPE    [1] words of tape in the slot, [2] 1 = close the open chunk after them (flush)
 *   COPY    as TAPE, the tape (one event larger than a slot) is the next message on `copies`
 *   FINISH  [1] events, [2] last event time: close the last chunk, write the index and the
 *           trailer, fsync
 *
 * Waking the worker is a futex syscall on the recording thread, so the worker does not ask for it
 * while a recording is going: between records it dozes (Atomics.wait with a short timeout) and
 * looks at the counter again; only after DOZES empty dozes does it sleep for good, with S_SLEEPING
 * set, and only then does the recording thread notify. BEGIN, FINISH and flushes always notify.
 */
import { fdatasyncSync, fsyncSync, readFileSync, writeSync } from 'node:fs';
import type { MessagePort } from 'node:worker_threads';
import {
  ChunkEncoder, DEFAULT_CHUNK_BYTES, FAMILY_COUNT, FrameSealer, type ChunkEncoderState, type ChunkIndexEntryInit, type Compression,
  type FrameSealerState,
} from '../proto/index.js';

export interface SealWorkerData {
  /** Int32Array, the S_* slots below. */
  state: SharedArrayBuffer;
  /** Float64Array: [0] bytes in the file of the current recording. */
  bytes: SharedArrayBuffer;
  /** Error reports (read synchronously by the recording thread). */
  errors: MessagePort;
  /** Tapes larger than a slot (record kind COPY), in record order. */
  copies: MessagePort;
  /** The worker's checkpoint (see putCheckpoint). */
  checkpoint: SharedArrayBuffer;
  /** RING_SLOTS data areas of RING_SLOT_BYTES. */
  ring: SharedArrayBuffer;
  /** Float64Array: RING_SLOTS record headers of HEADER_WORDS. */
  headers: SharedArrayBuffer;
}

/** Slots of the ring (as many as records may be in flight). */
export const RING_SLOTS = 32;
/** Bytes per slot: 65536 tape words, about 4800 events (13 to 15 words each). */
export const RING_SLOT_BYTES = 512 * 1024;
export const SLOT_WORDS = RING_SLOT_BYTES / 8;
/**
 * A slot is published once its tape passes this many words; an event that does not fit in what is
 * left goes to the next slot (and one larger than a whole slot is sent as a COPY).
 */
export const SLOT_FULL_WORDS = SLOT_WORDS - 4096;

export const KIND_BEGIN = 1;
export const KIND_TAPE = 2;
export const KIND_COPY = 3;
export const KIND_FINISH = 4;

/** Compression codes of a BEGIN record. */
export const COMPRESSION_HC = 0;
export const COMPRESSION_FAST = 1;
export const compressionCode = (c: Compression | undefined): number => c === 'fast' ? COMPRESSION_FAST : COMPRESSION_HC;
const compressionOf = (code: number): Compression => code === COMPRESSION_FAST ? 'fast' : 'hc';

/** Record header words (kind and up to four numbers). */
export const HEADER_WORDS = 5;

/** Records published but not yet done by the worker. */
export const S_INFLIGHT = 0;
/** Chunks of the current recording written to the file. */
export const S_WRITTEN = 1;
/** 0 while a recording goes on; 1 when its file is complete, 2 after an error (the worker stops). */
export const S_DONE = 2;
/** Records published so far (the worker waits on this one). */
export const S_PUBLISHED = 3;
/** 1 while the worker sleeps until notified (see above). */
export const S_SLEEPING = 4;
/**
 * The worker's thread id, once it has lowered its own CPU priority (0 if it could not: then it is
 * never starved on that account).
 */
export const S_TID = 5;
/**
 * Takeover of the recording by the recording thread: 0 none; HANDOVER_ASKED while it looks at the
 * checkpoint (the worker then neither writes nor starts a record); HANDOVER_TAKEN once it has the
 * recording (the worker stops without another write), or back to 0 if it could not take it.
 */
export const S_HANDOVER = 6;
export const HANDOVER_ASKED = 1;
export const HANDOVER_TAKEN = 2;
/** 1 while the worker writes (the file or its checkpoint); see guardedWrite. */
export const S_WLOCK = 7;
export const STATE_WORDS = 8;
/**
 * The worker's nice value. It runs below the simulation thread and V8's GC helper threads, which
 * then take the second core from it at once rather than preempting the simulation (measured on
 * drm-video-over-ui, median record overhead of pairs: about 0.06 lower than at nice 0). A worker
 * that gets no CPU at that priority (other busy processes) is detected by the recording thread
 * (isStarved) and its recording is taken over: it goes on in the recording thread, which an
 * unprivileged worker could not do by raising its priority back.
 */
export const WORKER_NICE = 19;

/** How often the recording thread, waiting for the worker, checks whether it is starved. */
export const STARVE_CHECK_MS = 50;

/**
 * A thread's CPU time (ns, /proc/<pid>/task/<tid>/schedstat) and whether it is ready to run
 * (state R in its stat), read at `at` (ms, performance.now()).
 */
export interface SchedStat { run: number; runnable: boolean; at: number }

/** The schedstat of thread `tid` of this process, or undefined where there is none. */
export function readSchedStat(tid: number): SchedStat | undefined {
  try {
    const run = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'latin1').split(' ')[0]);
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'latin1');
    const state = stat.charAt(stat.lastIndexOf(')') + 2);
    return Number.isFinite(run) ? { run, runnable: state === 'R', at: performance.now() } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a worker that the recording thread has been waiting for, from `before` to `now` (at
 * least half a check), is starved: ready to run, yet it ran less than a quarter of that time. With
 * the recording thread blocked, only other processes keep it off the CPU; a worker blocked in a
 * write or an fsync is not runnable, so not starved.
 */
export function isStarved(before: SchedStat, now: SchedStat): boolean {
  const span = (now.at - before.at) * 1e6;
  return now.runnable && span >= STARVE_CHECK_MS * 1e6 / 2 && now.run - before.run < span / 4;
}

/**
 * The worker's checkpoint, written after each record it has done (under the write lock): the next
 * record and everything needed to go on from there, so that the recording thread can take a
 * starved worker's recording over without waiting for it to run. Words, then the open chunk's
 * bytes from byte CK_RAW_AT:
 *   [CK_VALID] 0 none yet (the worker has not done this recording's BEGIN), 1 valid, 2 too large
 *   [CK_NEXT] next record, then fd, compression code, bytes in the file, the encoder's chunkEvents,
 *   chunkBytes, n, firstT, prevT, lastT, total, raw length, and FAMILY_COUNT family counts
 */
export const CK_VALID = 0;
const CK_NEXT = 1;
const CK_FAM = 13;
const CK_RAW_AT = (CK_FAM + FAMILY_COUNT) * 8;
/**
 * A checkpoint with room for an open chunk of `rawBytes` (the worker's chunks close at
 * DEFAULT_CHUNK_BYTES, so between records their open chunk is always smaller).
 */
export function newCheckpoint(rawBytes = DEFAULT_CHUNK_BYTES): SharedArrayBuffer {
  return new SharedArrayBuffer(CK_RAW_AT + rawBytes);
}

/**
 * Writes the checkpoint of `rec` before record `next` (the worker, under the write lock); one whose
 * open chunk does not fit is marked too large (a takeover then waits for the next).
 */
export function putCheckpoint(ck: SharedArrayBuffer, next: number, rec: SealingRecording): void {
  const f = new Float64Array(ck, 0, CK_FAM + FAMILY_COUNT);
  const e = rec.enc.exportState();
  if (CK_RAW_AT + e.raw.length > ck.byteLength) { f[CK_VALID] = 2; return; }
  new Uint8Array(ck, CK_RAW_AT, e.raw.length).set(e.raw);
  f.set([next, rec.fd, rec.compression, rec.written, e.chunkEvents, e.chunkBytes, e.n, e.firstT, e.prevT, e.lastT, e.total, e.raw.length], CK_NEXT);
  for (let k = 0; k < FAMILY_COUNT; k++) f[CK_FAM + k] = e.fam[k] ?? 0;
  f[CK_VALID] = 1;
}

/**
 * A valid checkpoint's next record, fd, compression code, file size and encoder state (its `raw` a
 * view of the checkpoint: ChunkEncoder.resume copies it).
 */
export function getCheckpoint(ck: SharedArrayBuffer): { next: number; fd: number; compression: number; written: number; enc: ChunkEncoderState } | undefined {
  const f = new Float64Array(ck, 0, CK_FAM + FAMILY_COUNT);
  if (f[CK_VALID] !== 1) return undefined;
  const [next, fd, compression, written, chunkEvents, chunkBytes, n, firstT, prevT, lastT, total, rawLen] = f.subarray(CK_NEXT, CK_FAM);
  return {
    next, fd, compression, written,
    enc: { chunkEvents, chunkBytes, n, firstT, prevT, lastT, total, raw: new Uint8Array(ck, CK_RAW_AT, rawLen), fam: Array.from(f.subarray(CK_FAM)) },
  };
}

/** Thrown in the worker when it would write after its recording was taken over. */
export class TakenOver extends Error {}

/**
 * Runs `f` (a write) in the worker under the write lock, unless the recording thread is taking the
 * recording over: while it looks, the worker waits; once it has it, TakenOver. (Dekker's way: each
 * side stores its flag, then reads the other's; the recording thread then waits for S_WLOCK 0.)
 */
export function guardedWrite(state: Int32Array, f: () => void): void {
  for (;;) {
    Atomics.store(state, S_WLOCK, 1);
    const h = Atomics.load(state, S_HANDOVER);
    if (h === 0) break;
    Atomics.store(state, S_WLOCK, 0);
    Atomics.notify(state, S_WLOCK);
    if (h === HANDOVER_TAKEN) throw new TakenOver();
    Atomics.wait(state, S_HANDOVER, h, 50);
  }
  try {
    f();
  } finally {
    Atomics.store(state, S_WLOCK, 0);
    Atomics.notify(state, S_WLOCK);
  }
}

/** Counters both sides of a recording keep in shared memory. */
export interface SealCounters {
  state: Int32Array;
  /** [0]: bytes in the file. */
  bytes: Float64Array;
}

/**
 * One recording's encoder and sealer, in the worker, or in the recording thread after a takeover
 * (same code, same bytes): encodes tapes into chunks, compresses them and writes them at their
 * offsets (so that the taking thread may write again what a stale worker wrote: the same bytes),
 * syncs the file's data every SYNC_CHUNKS chunks, and keeps the byte and chunk counters. `guard`
 * wraps every write and sync (the worker's write lock).
 */
export class SealingRecording {
  readonly enc: ChunkEncoder;
  private readonly sealer: FrameSealer;

  private constructor(
    readonly fd: number, readonly compression: number, c: SealCounters, private readonly guard: (f: () => void) => void,
    make: (write: (b: Uint8Array, offset: number) => void, onChunk: (raw: Uint8Array, entry: ChunkIndexEntryInit) => void) => [ChunkEncoder, FrameSealer],
  ) {
    const { state, bytes } = c;
    const write = (b: Uint8Array, offset: number): void => {
      guard(() => writeFully(fd, b, offset));
      bytes[0] = offset + b.length;
    };
    [this.enc, this.sealer] = make(write, (raw, entry) => {
      this.sealer.sealChunk(raw, entry);
      if ((Atomics.add(state, S_WRITTEN, 1) + 1) % SYNC_CHUNKS === 0) guard(() => syncFile(fd, true));
    });
  }

  /** A recording whose file already holds its first `startAt` bytes (preamble and header). */
  static begin(c: SealCounters, guard: (f: () => void) => void, fd: number, startAt: number, compression: number, chunkEvents: number): SealingRecording {
    return new SealingRecording(fd, compression, c, guard, (write, onChunk) => [
      new ChunkEncoder({ chunkEvents, onChunk }),
      new FrameSealer(startAt, { write, compression: compressionOf(compression) }),
    ]);
  }

  /** The recording of a checkpoint, whose chunks so far (`index`) are read back from the file. */
  static resume(c: SealCounters, ck: NonNullable<ReturnType<typeof getCheckpoint>>, index: ChunkIndexEntryInit[]): SealingRecording {
    const sealer: FrameSealerState = { written: ck.written, compression: compressionOf(ck.compression), index };
    return new SealingRecording(ck.fd, ck.compression, c, (f) => f(), (write, onChunk) => [ChunkEncoder.resume(ck.enc, onChunk), FrameSealer.resume(sealer, write)]);
  }

  /** Bytes in the file so far. */
  get written(): number { return this.sealer.bytesWritten; }
  get chunks(): number { return this.sealer.chunkCount; }

  /** The events of a tape; `flush`: then closes the open chunk. */
  tape(tape: Float64Array, words: number, flush: boolean): void {
    this.enc.addTape(tape, 0, words);
    if (flush) this.enc.flush();
  }

  /** Closes the last chunk, writes the index and the trailer, fsync. */
  finish(events: number): void {
    this.enc.flush();
    if (this.enc.eventCount !== events) throw new Error(`the tape held ${this.enc.eventCount} events, the recording ${events}`);
    this.sealer.finish(this.enc.eventCount, this.enc.lastTimeNs);
    this.guard(() => syncFile(this.fd));
  }
}

/** How long one doze of the worker lasts, and how many empty dozes before it sleeps for good. */
export const DOZE_MS = 4;
export const DOZES = 25;

/**
 * The worker syncs the file's data every SYNC_CHUNKS chunks while the recording goes on (a few MB;
 * it waits on the disk, not on the recording thread), so that the fsync at the end, which the
 * recording thread waits for, has little left to do.
 */
export const SYNC_CHUNKS = 16;

/**
 * Writes all of `b` at the file's position, or at `at` (writeSync may write less than asked).
 */
export function writeFully(fd: number, b: Uint8Array, at?: number): void {
  let off = 0;
  while (off < b.length) off += writeSync(fd, b, off, b.length - off, at === undefined ? null : at + off);
}

/**
 * fsync (or fdatasync) of a trace file; a file that cannot be synced (a pipe, /dev/null: EINVAL)
 * is left as it is.
 */
export function syncFile(fd: number, dataOnly = false): void {
  try {
    if (dataOnly) fdatasyncSync(fd);
    else fsyncSync(fd);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw e;
  }
}

/** Writes a record header (kind and its numbers) into `h` at word `at`. */
export function putHeader(h: Float64Array, at: number, kind: number, a = 0, b = 0, c = 0, d = 0): void {
  h[at] = kind;
  h[at + 1] = a;
  h[at + 2] = b;
  h[at + 3] = c;
  h[at + 4] = d;
}

/**
 * Does record `seq` of the ring (`headers`, `ring`; `copy` gives the tape of a COPY record) for the
 * recording `rec` (the worker's, or the recording thread's after a takeover). Returns the recording
 * after it: a new one at BEGIN, undefined after FINISH (S_DONE is then set).
 */
export function doRecord(
  c: SealCounters, guard: (f: () => void) => void, headers: Float64Array, ring: SharedArrayBuffer, seq: number, rec: SealingRecording | undefined,
  copy: (seq: number) => Float64Array | undefined,
): SealingRecording | undefined {
  const slot = seq % RING_SLOTS;
  const at = slot * HEADER_WORDS;
  const kind = headers[at];
  if (kind === KIND_BEGIN) return SealingRecording.begin(c, guard, headers[at + 1], headers[at + 2], headers[at + 3], headers[at + 4]);
  if (rec === undefined) throw new Error(`record ${seq}: kind ${kind} outside a recording`);
  if (kind === KIND_TAPE || kind === KIND_COPY) {
    const words = headers[at + 1];
    const tape = kind === KIND_TAPE ? new Float64Array(ring, slot * RING_SLOT_BYTES, words) : copy(seq);
    if (tape === undefined) throw new Error(`record ${seq}: its tape copy is missing`);
    rec.tape(tape, words, headers[at + 2] !== 0);
    return rec;
  }
  if (kind === KIND_FINISH) {
    rec.finish(headers[at + 1]);
    Atomics.store(c.state, S_DONE, 1);
    Atomics.notify(c.state, S_DONE);
    return undefined;
  }
  throw new Error(`record ${seq}: unknown kind ${kind}`);
}
