/**
 * `csftrace scenarios [--show <name>] [--assumptions] [--json]`: the built-in scenarios, one line
 * each; `--show` prints one's YAML (a starting point for a scenario file of your own);
 * `--assumptions` the firmware assumptions with their alternatives.
 */
import type { Command } from 'commander';
import { JSON_SCHEMAS, printJson, printText } from '../output.js';
import {
  DEFAULT_SCENARIO, FW_ASSUMPTION_SPECS, FW_FIXED_GUESSES, findBuiltin, listBuiltins, loadBuiltin,
} from '../../hw-model/index.js';

/** The firmware assumptions as text: per assumption its question, each value's meaning, why the default. */
export function formatAssumptionTable(): string {
  const out: string[] = ['firmware assumptions (scenario `firmware:` keys; CLI --assume name=value); default first:', ''];
  for (const a of FW_ASSUMPTION_SPECS) {
    out.push(`fw.${a.name}: ${a.question}`);
    a.values.forEach((v, i) => out.push(`  ${i === 0 ? '*' : ' '} ${v.padEnd(16)} ${(a.meaning as Record<string, string>)[v]}`));
    out.push(`    why the default: ${a.why}`, '');
  }
  out.push('also guessed, with no alternative offered:');
  for (const g of FW_FIXED_GUESSES) out.push(`  fw.${g.name}: ${g.behaviour}`);
  return out.join('\n') + '\n';
}

export function register(program: Command): void {
  program
    .command('scenarios')
    .description('list the built-in scenarios, one line each (--show <name> prints one as YAML)')
    .option('--show <name>', 'print the YAML text of one built-in scenario')
    .option('--assumptions', 'list the firmware assumptions: default, alternatives, why the default')
    .option('--json', 'print the list as JSON')
    .addHelpText('after', `
Run one with:  csftrace simulate --scenario <name>   (default: ${DEFAULT_SCENARIO})
Start your own: csftrace scenarios --show ${DEFAULT_SCENARIO} > mine.yaml && csftrace simulate --scenario mine.yaml`)
    .action((opts: { show?: string; json?: boolean; assumptions?: boolean }) => {
      if (opts.assumptions) {
        if (opts.json) {
          printJson({ schema: JSON_SCHEMAS.assumptions, assumptions: FW_ASSUMPTION_SPECS, fixed: FW_FIXED_GUESSES });
          return;
        }
        process.stdout.write(formatAssumptionTable());
        return;
      }
      if (opts.show !== undefined) {
        loadBuiltin(opts.show);   // an unknown name throws the one-line error with the list
        process.stdout.write(findBuiltin(opts.show)!.text);
        return;
      }
      const list = listBuiltins();
      if (opts.json) {
        printJson({ schema: JSON_SCHEMAS.scenarios, scenarios: list.map((s) => ({ ...s, default: s.name === DEFAULT_SCENARIO })) });
        return;
      }
      const w = Math.max(...list.map((s) => s.name.length));
      for (const s of list) printText(`${s.name.padEnd(w)}  ${s.description}${s.name === DEFAULT_SCENARIO ? ' (default)' : ''}\n`);
    });
}
