/**
 * The protocol between the recorder and its compression worker (seal-worker.ts): the worker's data
 * and the shared memory both sides use. No message is posted per chunk (a postMessage to a busy
 * thread costs tens of µs): the recording thread writes a record into the next slot of a ring and
 * bumps a published counter; the worker waits on that counter and takes the records in order.
 *
 *   record i → slot i % RING_SLOTS: header (kind, raw size, index entry) + raw chunk bytes
 *   kind SLOT:   the raw chunk is in the slot's data area
 *   kind COPY:   the raw chunk (larger than a slot) is the next message on the `copies` port
 *   kind FINISH: no more chunks; write the index (eventCount, lastTimeNs) and the trailer
 */
import type { MessagePort } from 'node:worker_threads';
import { FAMILY_COUNT, type ChunkIndexEntryInit, type Compression } from '../proto/index.js';

export interface SealWorkerData {
  fd: number;
  /** Bytes already in the file (preamble and header, written by the recording thread). */
  startAt: number;
  compression: Compression;
  /** Int32Array, the S_* slots below. */
  state: SharedArrayBuffer;
  /** Float64Array: [0] bytes written. */
  bytes: SharedArrayBuffer;
  /** Error reports (read synchronously by the recording thread). */
  errors: MessagePort;
  /** Raw chunks larger than a slot (record kind COPY), in record order. */
  copies: MessagePort;
  /** RING_SLOTS data areas of RING_SLOT_BYTES. */
  ring: SharedArrayBuffer;
  /** Float64Array: RING_SLOTS record headers of HEADER_WORDS. */
  headers: SharedArrayBuffer;
}

/** Slots of the ring (as many as records may be in flight). */
export const RING_SLOTS = 32;
/** Bytes per slot; a larger raw chunk (rare: the default chunk is about 200 KB) is sent as a copy. */
export const RING_SLOT_BYTES = 512 * 1024;

export const KIND_SLOT = 1;
export const KIND_COPY = 2;
export const KIND_FINISH = 3;

/** Record header words: kind, raw size, the entry's 4 numbers, family count length, family counts. */
export const HEADER_WORDS = 7 + FAMILY_COUNT;

/** Records published but not yet done by the worker. */
export const S_INFLIGHT = 0;
/** Chunks written to the file. */
export const S_WRITTEN = 1;
/** 1 when the file is complete, 2 after an error. */
export const S_DONE = 2;
/** Records published so far (the worker waits on this one). */
export const S_PUBLISHED = 3;
export const STATE_WORDS = 4;

/** Writes record `kind` with `entry` (a chunk of `rawSize` bytes) into header `h` at word `at`. */
export function putRecord(h: Float64Array, at: number, kind: number, rawSize: number, entry: ChunkIndexEntryInit): void {
  h[at] = kind;
  h[at + 1] = rawSize;
  h[at + 2] = entry.firstEvent ?? 0;
  h[at + 3] = entry.eventCount ?? 0;
  h[at + 4] = entry.firstTimeNs ?? 0;
  h[at + 5] = entry.lastTimeNs ?? 0;
  const fam = entry.familyCounts ?? [];
  const n = Math.min(fam.length, FAMILY_COUNT);
  h[at + 6] = n;
  for (let i = 0; i < n; i++) h[at + 7 + i] = fam[i];
}

/** The index entry of the record at word `at` (without offset and compressed size). */
export function entryOf(h: Float64Array, at: number): ChunkIndexEntryInit {
  const n = h[at + 6];
  const familyCounts: number[] = [];
  for (let i = 0; i < n; i++) familyCounts.push(h[at + 7 + i]);
  return { firstEvent: h[at + 2], eventCount: h[at + 3], firstTimeNs: h[at + 4], lastTimeNs: h[at + 5], rawSize: h[at + 1], familyCounts };
}
