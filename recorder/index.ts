/**
 * recorder/: subscribes to the model's tracepoints (as a `TracePartsSink`) and writes the .csft file.
 */
export * from './trace-recorder.js';
export * from './record.js';
