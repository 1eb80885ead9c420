#!/usr/bin/env node
/**
 * csftrace: record-and-replay debugger for GPU scheduling on Arm Mali CSF GPUs.
 * Builds the commander program from cli/commands/*, routes every error through one path:
 * user-facing errors print one line and exit 2 (or their own code); bugs print a stack and exit 70.
 */
import { Command, CommanderError } from 'commander';
import { isUserFacing } from './errors.js';
import { commands } from './commands/index.js';
import { VERSION } from '../recorder/index.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('csftrace')
    .description('Record-and-replay debugger for GPU scheduling on Arm Mali CSF GPUs (panthor + CSF firmware + dma-buf heaps, protected mode)')
    .version(VERSION)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str.startsWith('error:') ? `csftrace: ${str.slice(7)}` : str) });
  for (const register of commands) register(program);
  program.commands.forEach((c) => c.exitOverride());
  return program;
}

// A closed pipe (`csftrace events big.csft | head`) ends the program quietly, as cat would.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help/version are "errors" with exit code 0; usage errors were already printed: exit 2
      return e.exitCode === 0 ? 0 : 2;
    }
    if (isUserFacing(e)) {
      process.stderr.write(`csftrace: ${e.message}\n`);
      return e.exitCode ?? 2;
    }
    const err = e as Error;
    process.stderr.write(`csftrace: internal error: ${err?.stack ?? String(e)}\n`);
    return 70;
  }
}

main(process.argv).then((code) => {
  process.exitCode = code;
});
