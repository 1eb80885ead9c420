#!/usr/bin/env node
/**
 * csftrace: record-and-replay debugger for GPU scheduling on Arm Mali CSF GPUs.
 * The process around program.ts: standard streams that fail end the program with one line; a missing
 * dependency (an install without `npm ci`, a partial copy) is one line saying what to run.
 */

const major = Number(process.versions.node.split('.')[0]);
if (major < 20) {
  process.stderr.write(`csftrace: needs Node.js 20 or later (this is ${process.version})\n`);
  process.exit(2);
}

let cli: typeof import('./program.js');
let text: typeof import('./text.js');
try {
  cli = await import('./program.js');
  text = await import('./text.js');
} catch (e) {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ERR_MODULE_NOT_FOUND') {
    const what = /Cannot find (?:package|module) '([^']+)'/.exec(err.message)?.[1] ?? 'a module';
    process.stderr.write(`csftrace: ${what} is missing: run \`npm ci\` (in a checkout: then \`npm run build\`), or reinstall csftrace\n`);
    process.exit(2);
  }
  throw e;
}

// A closed pipe (`csftrace events big.csft | head`) ends the program quietly, as cat would; any other
// failure to write (a full device, a file-size limit) is one line on stderr and exit status 2.
for (const [name, stream] of [['<stdout>', process.stdout], ['<stderr>', process.stderr]] as const) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    if (stream === process.stdout) { try { process.stderr.write(`csftrace: ${text.writeFailure(name, e).message}\n`); } catch { /* nowhere to say it */ } }
    process.exit(2);
  });
}

cli.runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
