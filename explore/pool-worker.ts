/** The thread a pool runs runs in: one in-process model run per task (run.ts). */
import { runOne, type RunResult, type RunSpec } from './run.js';

export default function task(spec: RunSpec): RunResult {
  return runOne(spec);
}
