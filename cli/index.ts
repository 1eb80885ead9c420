/** cli/: the csftrace program (program.ts) and its commands; main.ts is the executable. */
export { buildProgram, runCli, INTERNAL_ERROR } from './program.js';
export { escapeControls, safeJson } from './output.js';
