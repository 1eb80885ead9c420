/** The benchmark modules, in run order. Each area adds its entry here. */
import type { Bench } from './registry.js';
import { diffBench } from './diff.js';
import { exportBench } from './export.js';
import { formatBench } from './format.js';
import { replayBench } from './replay.js';
import { simBench } from './sim.js';
import { tuiBench } from './tui.js';
import { exploreBench } from './explore.js';
import { commandsBench } from './commands.js';

export const benches: Bench[] = [
  diffBench,
  formatBench,
  replayBench,
  simBench,
  tuiBench,
  exportBench,
  exploreBench,
  commandsBench,
];
