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
import { fdatasyncSync, fsyncSync, writeSync } from 'node:fs';
import type { MessagePort } from 'node:worker_threads';

export interface SealWorkerData {
  /** Int32Array, the S_* slots below. */
  state: SharedArrayBuffer;
  /** Float64Array: [0] bytes in the file of the current recording. */
  bytes: SharedArrayBuffer;
  /** Error reports (read synchronously by the recording thread). */
  errors: MessagePort;
  /** Tapes larger than a slot (record kind COPY), in record order. */
  copies: MessagePort;
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
export const STATE_WORDS = 5;

/** How long one doze of the worker lasts, and how many empty dozes before it sleeps for good. */
export const DOZE_MS = 4;
export const DOZES = 25;

/**
 * The worker syncs the file's data every SYNC_CHUNKS chunks while the recording goes on (a few MB;
 * it waits on the disk, not on the recording thread), so that the fsync at the end, which the
 * recording thread waits for, has little left to do.
 */
export const SYNC_CHUNKS = 16;

/** Writes all of `b` at the file's position (writeSync may write less than asked). */
export function writeFully(fd: number, b: Uint8Array): void {
  let off = 0;
  while (off < b.length) off += writeSync(fd, b, off, b.length - off);
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
