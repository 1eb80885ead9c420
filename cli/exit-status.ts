/**
 * What each command's exit status means: one home for the sentence that `--help` prints under every
 * command and the README's table repeats (cli/exit-status.test.ts compares them and runs the cases).
 * Common to all: 2 is unusable input or a usage error (one line, `csftrace: <file>: <problem>`), 70
 * an internal error (a bug, with its stack).
 */
export const EXIT_STATUS: Readonly<Record<string, string>> = {
  demo: '0 recorded (and the UI closed); 2 bad input or an output refused',
  replay: '0 the UI closed (or the summary was printed); 2 unreadable trace or bad position',
  diff: '0 same, 1 different (in outcome or reason), 2 error',
  trim: '0 written; 2 bad input, a window outside the trace or an output refused',
  note: '0 added; 2 bad input or an event outside the trace',
  export: '0 written; 2 bad input or an output refused',
  bugreport: '0 written; 2 bad input or an output refused',
  scenarios: '0 listed; 2 an unknown scenario',
  simulate: '0 simulated; 2 a bad scenario or flag',
  record: '0 recorded; 2 bad input or an output refused; 130 / 143 stopped by Ctrl-C / SIGTERM (the file is complete up to there)',
  info: '0 intact, 1 damaged (the notices say what was recovered and what was lost), 2 unreadable',
  events: '0 listed (notices about damage on stderr); 2 unreadable trace or a bad filter',
  state: '0 printed; 2 unreadable trace or a position outside it',
  check: '0 clean; 1 findings, or a damaged or empty trace (never "clean"); 2 unusable input',
  verify: '0 identical, 1 different, 2 bad input',
  rerun: '0 recorded; 2 bad input or an output refused',
  dump: '0 written; 2 bad input, a chunk out of range or a terminal as output',
  completion: '0 printed; 2 an unknown shell',
  man: '0 printed',
  index: '0 written; 2 unreadable trace or an output refused',
  fuzz: '0 no failing run found; 1 a failing run found (`--replay`: 1 while the case still fails, 0 once it passes); 2 bad input',
  shrink: '0 shrunk (the written case still fails); 2 bad input, a case that does not fail, or an output refused',
  sweep: '0 every cell run; 2 bad input or an output refused',
  worker: '0 stopped (Ctrl-C / SIGTERM); 2 bad input or a queue it cannot reach',
};
