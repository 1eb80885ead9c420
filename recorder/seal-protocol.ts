/**
 * The protocol between the recorder and its compression worker (seal-worker.ts): the worker's
 * data, its messages, and the slots of the shared state array.
 */
import type { MessagePort } from 'node:worker_threads';
import type { ChunkIndexEntryInit, Compression } from '../proto/index.js';

export interface SealWorkerData {
  fd: number;
  /** Bytes already in the file (preamble and header, written by the recording thread). */
  startAt: number;
  compression: Compression;
  /** Int32Array: [0] chunks in flight, [1] chunks written, [2] done (1 ok, 2 error), [3] started. */
  state: SharedArrayBuffer;
  /** Float64Array: [0] bytes written. */
  bytes: SharedArrayBuffer;
  /** Error reports (read synchronously by the recording thread). */
  errors: MessagePort;
  /** RING_SLOTS slots of RING_SLOT_BYTES: raw chunks handed over without a copy of their own. */
  ring: SharedArrayBuffer;
}

/** Slots of the raw-chunk ring (as many as chunks may be in flight). */
export const RING_SLOTS = 32;
/** Bytes per slot; a larger raw chunk (rare: the default chunk is about 200 KB) is sent as a copy. */
export const RING_SLOT_BYTES = 512 * 1024;

export type SealMessage =
  | { type: 'chunk'; raw: Uint8Array; entry: ChunkIndexEntryInit }
  /** A raw chunk of `length` bytes in ring slot `slot`. */
  | { type: 'slot'; slot: number; length: number; entry: ChunkIndexEntryInit }
  | { type: 'finish'; eventCount: number; lastTimeNs: number };

export const S_INFLIGHT = 0;
export const S_WRITTEN = 1;
export const S_DONE = 2;
export const S_READY = 3;

