/**
 * `csftrace demo` (what `npm start` runs): records the built-in default scenario
 * (drm-video-over-ui: protected video + UI compositor + background compute) and opens the trace in
 * the terminal UI. Without a terminal it prints the trace summary and the `check` findings instead,
 * plus the commands to go further.
 */
import type { Command } from 'commander';
import { DEFAULT_SCENARIO, applyOverrides } from '../../hw-model/index.js';
import { recordScenario, traceHeaderFor } from '../../recorder/index.js';
import { checkTrace, formatCheckReport } from '../../replayer/index.js';
import { prepareInPlaceOutput, printText, traceOutput } from '../output.js';
import { loadScenarioArg, scenarioOverrides, type ScenarioFlags } from './simulate.js';
import { formatCount, requireLz4Addon } from '../../proto/index.js';
import { hint } from '../invocation.js';

interface DemoFlags extends ScenarioFlags { output: string; summary?: boolean; force?: boolean }

export function register(program: Command): void {
  program
    .command('demo')
    .description(`record the default scenario (${DEFAULT_SCENARIO}) and open it in the terminal UI (a summary without a terminal)`)
    .option('-o, --output <file>', 'where to write the trace', 'demo.csft')
    .option('--seed <n>', 'PRNG seed')
    .option('--policy <p>', 'protected-mode scheduling policy (default: the scenario\'s, panthor-2026)')
    .option('--duration <d>', 'virtual time to simulate (default: the scenario\'s)')
    .option('--summary', 'print the summary even on a terminal')
    .option('--force', 'replace an existing file that is not a csftrace trace')
    .action(async (opts: DemoFlags) => {
      requireLz4Addon();
      const { openReplay, replayApi, runTui, summaryText } = await import('../../tui/index.js');
      const overrides = scenarioOverrides(opts);
      const loaded = loadScenarioArg(DEFAULT_SCENARIO);
      const config = applyOverrides(loaded.config, overrides);
      prepareInPlaceOutput(opts.output, traceOutput('no'), opts);
      const header = traceHeaderFor({ config, text: loaded.text, source: loaded.source });
      const rec = recordScenario(opts.output, header, config, { offload: false });
      const tty = process.stdout.isTTY === true && process.stdin.isTTY === true;
      const { trace, replayer } = openReplay(opts.output);
      try {
        if (tty && !opts.summary) {
          await runTui({ api: replayApi, replayer });
          return;
        }
        const out: string[] = [];
        out.push(`recorded ${opts.output}: ${config.name}, seed ${config.seed}, policy ${config.driver.protmPolicy}, ${formatCount(rec.events)} events, ${formatCount(rec.bytes)} bytes`);
        out.push('');
        out.push(summaryText(replayApi, replayer, { width: process.stdout.columns || 100 }).trimEnd());
        out.push('');
        out.push(formatCheckReport(checkTrace(trace)).trimEnd());
        out.push('');
        out.push('next:');
        out.push(`  ${hint('replay', opts.output)}                 # step through it in the terminal UI`);
        out.push(`  ${hint('check', opts.output)}                  # protected-mode invariants`);
        out.push(`  ${hint('rerun', opts.output, '--policy', 'panthor-2026-reviewed', '-o', 'reviewed.csft')} && ${hint('diff', opts.output, 'reviewed.csft')}`);
        printText(out.join('\n') + '\n');
      } finally {
        trace.close();
      }
    });
}
