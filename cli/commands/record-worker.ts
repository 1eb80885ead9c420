/**
 * The worker thread of `csftrace record`: runs the simulation with the recorder subscribed, so the
 * main thread stays free to handle SIGINT/SIGTERM (it raises the shared stop flag; the recording
 * then unwinds and closes the file with its index), to draw the progress bar and, with two cores,
 * to encode, compress and write the event tapes this thread hands it (the `writer` message).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { recordScenario, type RecordProgress, type TapeWriterData } from '../../recorder/index.js';
import type { ScenarioConfig } from '../../hw-model/index.js';
import type { Compression, TraceHeaderInit } from '../../proto/index.js';

export interface RecordWorkerData {
  path: string;
  header: TraceHeaderInit;
  config: ScenarioConfig;
  chunkEvents?: number | undefined;
  /** Int32Array over a SharedArrayBuffer: [0] != 0 asks the recording to stop. */
  stop: SharedArrayBuffer;
  progress: boolean;
  compression: Compression;
}

export type RecordWorkerMessage =
  | { type: 'progress'; p: RecordProgress }
  | { type: 'writer'; data: TapeWriterData }
  | { type: 'done'; events: number; bytes: number; chunks: number; lastTimeNs: number; stopped: boolean }
  | { type: 'error'; userFacing: boolean; message: string; stack?: string | undefined };

const data = workerData as RecordWorkerData;
const port = parentPort!;
const stop = new Int32Array(data.stop);
let lastPost = 0;

try {
  const r = recordScenario(data.path, data.header, data.config, {
    chunkEvents: data.chunkEvents,
    compression: data.compression,
    offload: 'auto',
    startWriter: (writer) => port.postMessage({ type: 'writer', data: writer } satisfies RecordWorkerMessage, [writer.port]),
    shouldStop: () => Atomics.load(stop, 0) !== 0,
    // the loop reports every few milliseconds (so a stop is seen at once); the bar needs 10 a second
    onProgress: data.progress ? (p) => {
      const now = Date.now();
      if (now - lastPost < 100) return;
      lastPost = now;
      port.postMessage({ type: 'progress', p } satisfies RecordWorkerMessage);
    } : undefined,
  });
  port.postMessage({ type: 'done', events: r.events, bytes: r.bytes, chunks: r.chunks, lastTimeNs: r.lastTimeNs, stopped: r.stopped } satisfies RecordWorkerMessage);
} catch (e) {
  const err = e as Error & { userFacing?: boolean };
  port.postMessage({ type: 'error', userFacing: err?.userFacing === true, message: err?.message ?? String(e), stack: err?.stack } satisfies RecordWorkerMessage);
}
