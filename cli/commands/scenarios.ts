/**
 * `csftrace scenarios [--show <name>] [--json]`: the built-in scenarios, one line each; `--show`
 * prints one's YAML (a starting point for a scenario file of your own).
 */
import type { Command } from 'commander';
import { printJson, printText } from '../output.js';
import { DEFAULT_SCENARIO, findBuiltin, listBuiltins, loadBuiltin } from '../../hw-model/index.js';

export function register(program: Command): void {
  program
    .command('scenarios')
    .description('list the built-in scenarios, one line each (--show <name> prints one as YAML)')
    .option('--show <name>', 'print the YAML text of one built-in scenario')
    .option('--json', 'print the list as JSON')
    .addHelpText('after', `
Run one with:  csftrace simulate --scenario <name>   (default: ${DEFAULT_SCENARIO})
Start your own: csftrace scenarios --show ${DEFAULT_SCENARIO} > mine.yaml && csftrace simulate --scenario mine.yaml`)
    .action((opts: { show?: string; json?: boolean }) => {
      if (opts.show !== undefined) {
        loadBuiltin(opts.show);   // an unknown name throws the one-line error with the list
        process.stdout.write(findBuiltin(opts.show)!.text);
        return;
      }
      const list = listBuiltins();
      if (opts.json) {
        printJson(list.map((s) => ({ ...s, default: s.name === DEFAULT_SCENARIO })));
        return;
      }
      const w = Math.max(...list.map((s) => s.name.length));
      for (const s of list) printText(`${s.name.padEnd(w)}  ${s.description}${s.name === DEFAULT_SCENARIO ? ' (default)' : ''}\n`);
    });
}
