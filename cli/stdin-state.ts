/**
 * Whether standard input was already taken as a trace in this run of the program (it can be read
 * once). Apart from trace-input.ts, which reads it, so that the program's shell can reset it
 * without loading the replayer (start-up of `--version`, `--help`).
 */
export const stdinState = { taken: false };

/** Forgets that standard input was read (runCli calls it before each run: the fuzzer runs many). */
export function resetStdin(): void { stdinState.taken = false; }
