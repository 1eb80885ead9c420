/**
 * replayer/: reading traces (trace-file), formatting events, state reconstruction, cursor, query,
 * check, diff, verify/rerun, export, bugreport. The TUI and the CLI import only this file.
 */
export * from './trace-file.js';
export * from './format.js';
