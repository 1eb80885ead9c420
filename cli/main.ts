#!/usr/bin/env node
/**
 * csftrace: record-and-replay debugger for GPU scheduling on Arm Mali CSF GPUs.
 * The process around program.ts: standard streams that fail end the program with one line.
 */
import { runCli } from './program.js';
import { writeFailure } from './text.js';

// A closed pipe (`csftrace events big.csft | head`) ends the program quietly, as cat would; any other
// failure to write (a full device, a file-size limit) is one line on stderr and exit status 2.
for (const [name, stream] of [['<stdout>', process.stdout], ['<stderr>', process.stderr]] as const) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    if (stream === process.stdout) { try { process.stderr.write(`csftrace: ${writeFailure(name, e).message}\n`); } catch { /* nowhere to say it */ } }
    process.exit(2);
  });
}

runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
