/**
 * The csftrace program: builds the commander program from cli/commands/*, and runs it with every
 * error going through one path: user-facing errors print one line and exit 2 (or their own code);
 * bugs print a stack and exit 70. main.ts runs it for the process; the fuzzer runs it in-process.
 */
import { Command, CommanderError, Option } from 'commander';
import { commands, commandsFor } from './commands/index.js';
import { escapeControls } from './text.js';
import { createRequire } from 'node:module';
import { resetStdin } from './stdin-state.js';
import { EXIT_STATUS } from './exit-status.js';
import { COLOR_CHOICES, resetColor, setColor, type ColorWhen } from './color.js';

/**
 * The version `--version` prints: package.json's, read without loading the recorder (whose VERSION,
 * written into every trace header, cli/program.test.ts holds equal to it).
 */
export const CLI_VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/**
 * The program with the commands `argv` needs (default: every command); the modules of the others
 * are not loaded.
 */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const wanted = argv === undefined ? commands : commandsFor(argv);
  // one module may register several commands (completion and man): each module once
  const modules = [...new Set(await Promise.all(wanted.map((c) => c.load())))];
  const program = new Command();
  program
    .name('csftrace')
    .description('Record-and-replay debugger for GPU scheduling on Arm Mali CSF GPUs (panthor + CSF firmware + dma-buf heaps, protected mode)')
    .version(CLI_VERSION)
    .addOption(new Option('--color <when>', 'colour the output: auto (a terminal, unless NO_COLOR is set), always, never').choices(COLOR_CHOICES).default('auto'))
    .configureHelp({ showGlobalOptions: true })
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(escapeControls(str.startsWith('error:') ? `csftrace: ${str.slice(7)}` : str)) });
  program.hook('preAction', () => { setColor(program.opts<{ color: ColorWhen }>().color); });
  for (const m of modules) m.register(program);
  program.commands.forEach((c) => {
    c.exitOverride();
    const status = EXIT_STATUS[c.name()];
    if (status !== undefined) c.addHelpText('after', `\nExit status: ${status}.`);
  });
  return program;
}

/** The message of an internal error (a bug): with its stack, for the bug report. */
export const INTERNAL_ERROR = 'csftrace: internal error: ';

/** Runs `csftrace <argv...>` (argv without node and the script) and returns the exit status. */
export async function runCli(argv: readonly string[]): Promise<number> {
  process.exitCode = undefined;
  resetStdin();
  try {
    const program = await buildProgram(argv);
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help/version are "errors" with exit code 0; usage errors were already printed: exit 2
      return e.exitCode === 0 ? 0 : 2;
    }
    // the error classes load proto/: only when there is an error to judge (start-up of --version)
    const { isUserFacing } = await import('./errors.js');
    if (isUserFacing(e)) {
      process.stderr.write(`csftrace: ${escapeControls(e.message.split('\n')[0]!)}\n`);
      return e.exitCode ?? 2;
    }
    const err = e as Error;
    process.stderr.write(`${INTERNAL_ERROR}${err?.stack ?? String(e)}\n`);
    return 70;
  } finally {
    process.exitCode = undefined;
    resetColor();
  }
}
