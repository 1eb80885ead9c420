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
}

export type SealMessage =
  | { type: 'chunk'; raw: Uint8Array; entry: ChunkIndexEntryInit }
  | { type: 'finish'; eventCount: number; lastTimeNs: number };

export const S_INFLIGHT = 0;
export const S_WRITTEN = 1;
export const S_DONE = 2;
export const S_READY = 3;

