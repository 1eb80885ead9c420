/** The benchmark modules, in run order. Each area adds its entry here. */
import type { Bench } from './registry.js';

export const benches: Bench[] = [
];
