/**
 * The thread a pool runs runs in: one in-process model run per task (run.ts), its temporary trace
 * in the pool's own directory (pool.ts: a thread stopped mid-run by the pool's close leaves it there).
 */
import { workerData } from 'piscina';
import { runOne, type RunResult, type RunSpec } from './run.js';

const dir = (workerData as { tmpDir?: string } | undefined)?.tmpDir;

export default function task(spec: RunSpec): RunResult {
  return runOne(spec, dir);
}
