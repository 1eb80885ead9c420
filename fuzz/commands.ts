/**
 * The reading commands the fuzzer runs on every mutant, as argv lists (`csftrace` left out). `T` is
 * the mutant, `B` the unmutated trace it came from, `O` a fresh output path, `D` a fresh directory.
 */
export const READING_COMMANDS: readonly (readonly string[])[] = [
  ['info', 'T'],
  ['info', 'T', '--json'],
  ['events', 'T', '--limit', '3000'],
  ['events', 'T', '--json', '--from', '100', '--limit', '500'],
  ['events', 'T', '--from', '1ms', '--type', 'job,decision,log', '--limit', '200'],
  ['events', 'T', '--where', 'state.mode=protected | state.groups.1.state=active', '--limit', '100'],
  ['state', 'T'],
  ['state', 'T', '--at', '#150', '--json'],
  ['check', 'T'],
  ['check', 'T', '--json'],
  ['replay', 'T'],
  ['diff', 'B', 'T'],
  ['trim', 'T', '--from', '0', '--to', '200', '-o', 'O'],
  ['export', 'T', '--format', 'perfetto', '-o', 'O'],
  ['export', 'T', '--format', 'chrome-json', '-o', 'O'],
  ['export', 'T', '--format', 'jsonl', '-o', 'O'],
  ['bugreport', 'T', '-o', 'D'],
  ['note', 'T', '--at', '3', 'a note \x1b]0;title\x07'],
  ['info', 'T'],
  // re-simulations: bounded by the limits record applies (the fuzzer's time budget covers them)
  ['verify', 'T'],
  ['rerun', 'T', '--policy', 'kbase', '-o', 'O'],
];
