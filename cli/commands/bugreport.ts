/**
 * `csftrace bugreport trace.csft [--baseline b.csft] [--at i] [--max-size 1MB] -o report/`:
 * report.md (versions, scenario, reproduce command, check findings linked as trace.csft#ev=N, key
 * metrics, ASCII timeline, notes, first divergence against the baseline), scenario.yaml, and the
 * trace itself, trimmed around the point of interest when larger than --max-size.
 * Only base names go into the report: nothing of the local environment.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { BUNDLE_SCENARIO, BUNDLE_TRACE, buildBugReport, type TraceFile } from '../../replayer/index.js';
import { CliError } from '../errors.js';
import { openTraceReporting, printText } from '../output.js';
import { indexOption } from './trim.js';
import { readProgress } from './sim-progress.js';

/** "1MB", "512KB", "2MiB", "1000000" → bytes. */
export function parseSize(name: string, text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|KiB|MB|MiB|GB|GiB)?\s*$/i.exec(text);
  if (!m) throw new CliError(`${name}: expected a size such as 1MB or 512KB, got "${text}"`);
  const unit = (m[2] ?? 'B').toLowerCase();
  const mult: Record<string, number> = { b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 1 << 20, gb: 1e9, gib: 1 << 30 };
  const v = Math.floor(Number(m[1]) * mult[unit]);
  if (v < 4096) throw new CliError(`${name}: ${text} is too small for a trace (at least 4KB)`);
  return v;
}

export function register(program: Command): void {
  program
    .command('bugreport')
    .description('write a bug report bundle: report.md, scenario.yaml and the trace (trimmed when large)')
    .argument('<trace>', 'trace the report is about (.csft)')
    .requiredOption('-o, --output <dir>', 'directory to write the bundle into (created; must be empty if it exists)')
    .option('--baseline <trace>', 'a trace of the same workload to diff against (first divergence, consequences)')
    .option('--at <i>', 'event of interest (default: the first check finding, else the first divergence)')
    .option('--max-size <size>', 'largest trace to bundle whole; larger ones are trimmed around the point of interest', '1MB')
    .option('--title <text>', 'report title (default: scenario, policy and the first finding)')
    .addHelpText('after', `
The report links events as trace.csft#ev=N; \`csftrace replay trace.csft#ev=N\` opens the bundled
trace at that event. No absolute path, user or host name goes into the bundle.

Example:
  csftrace bugreport demo.csft --baseline kbase.csft -o report/`)
    .action(function (this: Command, path: string, o: { output: string; baseline?: string; at?: string; maxSize: string; title?: string }) {
      const maxBytes = parseSize('--max-size', o.maxSize);
      const out = o.output;
      if (existsSync(out)) {
        if (!statSync(out).isDirectory()) throw new CliError(`${out}: exists and is not a directory`);
        if (readdirSync(out).length > 0) throw new CliError(`${out}: directory is not empty`);
      }
      const trace = openTraceReporting(path);
      let baseline: TraceFile | undefined;
      try {
        if (o.baseline !== undefined) baseline = openTraceReporting(o.baseline);
        if (trace.eventCount === 0) throw new CliError(`${path}: the trace holds no events: nothing to report`);
        const at = o.at !== undefined ? indexOption('--at', o.at) : undefined;
        if (at !== undefined && at >= trace.eventCount) throw new CliError(`--at: event ${at} is outside the trace (events 0..${trace.eventCount - 1})`);
        const version = this.parent?.version() ?? '?';
        const progress = readProgress('bugreport', ...(baseline ? [trace, baseline] : [trace]));
        let report: ReturnType<typeof buildBugReport>;
        try {
          report = buildBugReport(trace, {
            toolVersion: version, traceName: basename(path), baseline, baselineName: o.baseline ? basename(o.baseline) : undefined,
            at, maxBytes, title: o.title,
          });
        } finally { progress.done(); }
        mkdirSync(out, { recursive: true });
        writeFileSync(join(out, 'report.md'), report.markdown + '\n');
        writeFileSync(join(out, BUNDLE_SCENARIO), report.scenarioYaml);
        if (report.trimmed) writeFileSync(join(out, BUNDLE_TRACE), report.trimmed.bytes);
        else copyFileSync(path, join(out, BUNDLE_TRACE));
        const what = report.trimmed ? `trace trimmed to events ${report.trimmed.window.from}..${report.trimmed.window.to}` : 'whole trace';
        printText(`${join(out, 'report.md')}: ${report.findings} finding${report.findings === 1 ? '' : 's'}, point of interest #${report.pointOfInterest}, ${what}\n`);
      } finally {
        trace.close();
        baseline?.close();
      }
    });
}
