/**
 * `csftrace completion bash|zsh|fish` and `csftrace man`: the shell completion scripts and the man
 * page, generated from this program's own command definitions (cli/docgen.ts).
 */
import { Argument, type Command } from 'commander';
import { VERSION } from '../../recorder/index.js';
import { bashCompletion, fishCompletion, manPage, zshCompletion } from '../docgen.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;

/** The environment variables csftrace reads, for the man page. */
export const ENVIRONMENT: Array<[string, string]> = [
  ['NO_COLOR', 'when set to anything, no colours (bold, underline and inverse remain in the terminal UI); --color=always overrides it'],
  ['CSFTRACE_ASCII', '1: the terminal UI draws plain ASCII borders'],
  ['CSFTRACE_LZ4', 'js: decompress with the built-in TypeScript LZ4 decoder even when the native addon is built (writing traces then fails)'],
  ['CSFTRACE_STDIN_MAX', 'the most bytes a trace on standard input may hold (default 4 GiB)'],
  ['TMPDIR', 'where a trace read from standard input is spooled (removed as soon as it is open)'],
  ['CI', 'true: in the test suite, a test that would skip itself fails instead'],
];

const EXIT_STATUS = '0: success (a clean check, identical traces, an intact trace). 1: the answer is "no" (check findings or a damaged trace, diff differences, verify differences, info on a damaged trace). 2: unusable input or a usage error (one line on standard error: csftrace: <file>: <problem>). 70: an internal error (a bug; the stack trace follows). 128+N: record stopped by signal N.';

const FILES = 'proto/csftrace.proto (the event schema: protoc --decode csftrace.Chunk reads csftrace dump); schemas/*.json (the JSON Schemas of every --json output).';

export function register(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script (bash, zsh or fish), generated from the command definitions')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .addHelpText('after', `
Examples:
  source <(csftrace completion bash)                                   # this shell; or in ~/.bashrc
  csftrace completion zsh > "\${fpath[1]}/_csftrace"                    # then restart zsh
  csftrace completion fish > ~/.config/fish/completions/csftrace.fish`)
    .action((shell: typeof SHELLS[number]) => {
      const text = shell === 'bash' ? bashCompletion(program) : shell === 'zsh' ? zshCompletion(program) : fishCompletion(program);
      process.stdout.write(text);
    });
  program
    .command('man')
    .description('print the csftrace(1) man page (roff), generated from the command definitions')
    .addHelpText('after', `
Examples:
  csftrace man | man -l -
  csftrace man > ~/.local/share/man/man1/csftrace.1`)
    .action(() => {
      process.stdout.write(manPage(program, VERSION, { environment: ENVIRONMENT, exitStatus: EXIT_STATUS, files: FILES }));
    });
}
