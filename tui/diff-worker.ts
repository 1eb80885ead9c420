/**
 * The worker thread behind `DiffApi.diffInBackground`: computes the diff of two trace files (the
 * alignment of their decisions, which takes seconds on a million of them) off the UI thread, posts
 * what the diff view draws from, then answers requests for decision lines.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openTrace } from '../replayer/index.js';
import { decisionTextOf, diffData } from './backend.js';
import type { DiffSide } from './contract.js';

const { a: pathA, b: pathB, reasons } = workerData as { a: string; b: string; reasons: boolean };
try {
  const a = openTrace(pathA), b = openTrace(pathB);
  const { d, data } = diffData(a, b, { reasons });
  parentPort!.postMessage({ data });
  parentPort!.on('message', (q: { side: DiffSide; k: number }) => {
    try {
      parentPort!.postMessage({ line: { side: q.side, k: q.k, text: decisionTextOf(d, q.side, q.k) } });
    } catch (e) {
      parentPort!.postMessage({ line: { side: q.side, k: q.k, text: `decision ${q.k}: ${e instanceof Error ? e.message : String(e)}` } });
    }
  });
} catch (e) {
  parentPort!.postMessage({ error: e instanceof Error ? e.message : String(e) });
}
