/**
 * `csftrace rerun trace.csft --policy P -o other.csft`: the same workload (scenario text, seed,
 * duration of the recording) under another protected-mode policy (or heap policy), recorded to a
 * new trace: the counterfactual to `csftrace diff` against the original.
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { recordScenario, traceHeaderFor } from '../../recorder/index.js';
import { configFromHeader, formatTimeNs } from '../../replayer/index.js';
import { CliError } from '../errors.js';
import { JSON_SCHEMAS, checkOutput, escapeControls, isSystemError, prepareInPlaceOutput, printText, safeJson, traceOutput, writeFailure } from '../output.js';
import { hint } from '../invocation.js';
import { progressLine, sameFile } from './sim-progress.js';
import { checkPolicyFixes, collect } from './simulate.js';
import { formatCount, requireLz4Addon } from '../../proto/index.js';
import { openTraceInput } from '../trace-input.js';

interface RerunFlags {
  policy?: string; heapPolicy?: string; reviewFixes?: string; assume?: string[]; output?: string; json?: boolean; force?: boolean;
}

export function register(program: Command): void {
  program
    .command('rerun')
    .description('re-simulate a trace\'s workload under another policy into a new trace (for diff)')
    .argument('<trace>', 'trace file (.csft)')
    .option('--policy <p>', 'protected-mode policy: rfc-2025, panthor-2026, panthor-2026-reviewed, kbase')
    .option('--heap-policy <h>', 'missing-heap policy: probe-defer, lazy-slow-reset, userspace-dmabuf, disabled')
    .option('--review-fixes <list>', 'review fixes on top of panthor-2026: all, none or a comma list')
    .option('--assume <name=value>', 'a firmware assumption (repeatable; list: csftrace scenarios --assumptions)', collect, [])
    .requiredOption('-o, --output <file>', 'the new trace (.csft; - for standard output)')
    .option('--json', 'print the result as JSON')
    .option('--force', 'replace an existing file that is not a csftrace trace')
    .addHelpText('after', `
Examples:
  csftrace rerun demo.csft --policy kbase -o kbase.csft && csftrace diff demo.csft kbase.csft
  csftrace rerun demo.csft --heap-policy lazy-slow-reset -o lazy.csft
  csftrace rerun demo.csft --policy panthor-2026 --review-fixes pause-ping -o ping.csft
  csftrace rerun demo.csft --assume protm_enter_without_pending=hang -o hang.csft`)
    .action((path: string, opts: RerunFlags) => {
      requireLz4Addon();
      if (opts.policy === undefined && opts.heapPolicy === undefined && opts.reviewFixes === undefined && !opts.assume?.length) {
        throw new CliError('rerun: give --policy, --heap-policy, --review-fixes or --assume (otherwise the rerun is the recording: use `csftrace verify`)');
      }
      const out = opts.output!;
      if (sameFile(path, out)) throw new CliError(`${out}: is the input trace; choose another output file`);
      const tr = openTraceInput(path);
      let header;
      let config;
      try {
        config = configFromHeader(tr.header, path, { policy: opts.policy, heapPolicy: opts.heapPolicy, reviewFixes: opts.reviewFixes, assume: opts.assume });
        checkPolicyFixes(config);
        header = traceHeaderFor({ config, text: tr.header.scenarioText, source: tr.header.metadata.source || basename(tr.path) });
        header.metadata = { ...header.metadata, rerun_of: basename(tr.path), rerun_of_policy: tr.header.policy };
      } finally {
        tr.close();
      }
      // like record: a recording streams, so -o - is standard output (never a terminal)
      const toStdout = checkOutput(out, traceOutput('binary', true), opts) === 'stdout';
      if (!toStdout) prepareInPlaceOutput(out, traceOutput('binary', true), opts);
      const bar = progressLine();
      let res;
      try {
        res = recordScenario(out, header, config, { onProgress: (p) => bar.update(() => `rerun: virtual ${formatTimeNs(p.now)} of ${formatTimeNs(p.duration)}, ${formatCount(p.events)} events`) });
      } catch (e) {
        if (isSystemError(e)) throw writeFailure(out, e);
        throw e;
      } finally {
        bar.clear();
      }
      // with the trace on standard output, the summary goes to stderr
      const say = (text: string): void => { if (toStdout) process.stderr.write(escapeControls(text)); else printText(text); };
      if (opts.json) {
        say(safeJson({ schema: JSON_SCHEMAS.rerun, input: path, output: out, policy: config.driver.protmPolicy, heapPolicy: config.driver.heapPolicy, events: res.events, bytes: res.bytes }, 2) + '\n');
      } else {
        say(`rerun ${tr.path} (${tr.header.policy || '?'}) under ${config.driver.protmPolicy}/${config.driver.heapPolicy}: ` +
          `${toStdout ? 'stdout' : out}, ${formatCount(res.events)} events, virtual ${formatTimeNs(res.lastTimeNs)}\n` +
          (toStdout || path === '-' || !isRegularFile(out) ? '' : `compare: ${hint('diff', path, out)}\n`));
      }
    });
}

/** True for a regular file (a trace diff can read again), false for /dev/null, a FIFO or nothing. */
function isRegularFile(p: string): boolean {
  try { return statSync(p).isFile(); } catch { return false; }
}
