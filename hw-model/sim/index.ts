export * from './time.js';
export * from './event-queue.js';
export * from './rng.js';
export * from './tracepoints.js';
export * from './sim.js';
