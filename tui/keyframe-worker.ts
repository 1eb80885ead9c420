/**
 * The worker thread behind `ReplayApi.backgroundKeyframes`: builds the replayer's keyframes of a
 * trace file and posts them in batches to the UI thread, which adopts them
 * (`Replayer.adoptKeyframes`). The UI thread then never replays the whole trace itself, nor
 * collects the garbage of doing so, between keys.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Replayer, openTrace } from '../replayer/index.js';

/** Events replayed between two batches posted (64 keyframes at the default spacing). */
const BATCH_EVENTS = 65_536;

const trace = openTrace((workerData as { path: string }).path);
try {
  const r = Replayer.open(trace);
  let every = r.keyframeEvery;
  let sent = 0;
  for (;;) {
    const done = r.buildKeyframesStep(BATCH_EVENTS);
    // K doubled (the memory budget): every keyframe is sent again
    if (r.keyframeEvery !== every) { every = r.keyframeEvery; sent = 0; }
    const batch = r.keyframesSince(sent);
    sent += batch.frames.length;
    parentPort!.postMessage({ batch, done }, batch.frames.map((f) => f.data.buffer as ArrayBuffer));
    if (done) break;
  }
} catch (e) {
  parentPort!.postMessage({ error: e instanceof Error ? e.message : String(e) });
} finally {
  trace.close();
}
