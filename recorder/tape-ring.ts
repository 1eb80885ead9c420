/**
 * What the recording thread and the thread that writes its trace (tape-writer.ts: the recorder's
 * compression worker, or a thread of the caller's) share: a ring of tape slots in shared memory, a
 * few counters, and the messages on their channel.
 *
 * The recording thread writes each event's fields as numbers onto the tape of the current slot
 * (proto/gen/tape.ts: cheaper than encoding them), and when the slot is nearly full posts a message
 * naming it. The writer takes the messages in order, encodes the tapes into chunks (the same
 * ChunkEncoder, so the same bytes as an in-thread recording), compresses, frames and writes them,
 * and counts the slot as free again. The recording thread reuses a slot only once it is free, so at
 * most RING_SLOTS slots wait for the writer and memory stays bounded; when the writer falls behind,
 * the recording thread waits for it (Atomics.wait).
 */
import type { MessagePort } from 'node:worker_threads';
import type { Compression, TraceHeaderInit } from '../proto/index.js';

/** Slots of the ring: how many tapes may wait for the writer. */
export const RING_SLOTS = 32;
/** Words per slot (512 KiB): about 4800 events of 13 to 15 words. */
export const SLOT_WORDS = 64 * 1024;
/**
 * A slot is posted once its tape passes this many words; an event that does not fit in what is
 * left goes to the next slot (one larger than a whole slot is posted on a tape of its own).
 */
export const SLOT_FULL_WORDS = SLOT_WORDS - 4096;

/** Int32 words of the shared state. */
export const S_FREED = 0;
/** 0 while the recording goes on; DONE once the writer has finished (or abandoned) it; FAILED after an error. */
export const S_STATUS = 1;
export const DONE = 1;
export const FAILED = 2;
/** Chunks written so far. */
export const S_CHUNKS = 2;
/** 1 once the writer runs. */
export const S_STARTED = 3;
const STATE_WORDS = 4;
/** The Float64 after the Int32 words: bytes written so far. */
const BYTES_AT = 16;
export const SHARED_BYTES = BYTES_AT + 8;

/** The views of the shared state. */
export function sharedViews(sab: SharedArrayBuffer): { state: Int32Array; bytes: Float64Array } {
  return { state: new Int32Array(sab, 0, STATE_WORDS), bytes: new Float64Array(sab, BYTES_AT, 1) };
}

/** The tape view of each slot of `ring`. */
export function slotTapes(ring: SharedArrayBuffer): Float64Array[] {
  return Array.from({ length: RING_SLOTS }, (_, s) => new Float64Array(ring, s * SLOT_WORDS * 8, SLOT_WORDS));
}

export interface TapeWriterData {
  fd: number;
  header: TraceHeaderInit;
  compression: Compression;
  chunkEvents: number;
  ring: SharedArrayBuffer;
  shared: SharedArrayBuffer;
  /** The recording thread's messages come in here; an error report goes out. Transferred. */
  port: MessagePort;
}

/**
 * To the writer: `tape` words of slot `slot` (or of `own`, a tape of one event larger than a slot),
 * then, with `flush`, close the open chunk; `finish`: close the last chunk, write the index and the
 * trailer, fsync; `abandon`: stop without an index.
 */
export type ToWriter =
  | { kind: 'tape'; slot: number; words: number; flush: boolean }
  | { kind: 'own'; tape: Float64Array; words: number }
  | { kind: 'finish'; events: number }
  | { kind: 'abandon' };

/** From the writer: why it failed (S_STATUS is FAILED). */
export interface FromWriter { error: string }
