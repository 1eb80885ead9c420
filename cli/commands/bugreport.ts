/**
 * `csftrace bugreport trace.csft [--baseline b.csft] [--at i] [--max-size 1MB] -o report/`:
 * report.md (versions, scenario, reproduce command, check findings linked as trace.csft#ev=N, key
 * metrics, ASCII timeline, notes, first divergence against the baseline), scenario.yaml, and the
 * trace itself, trimmed around the point of interest when larger than --max-size.
 * Only base names go into the report, and every text of the bundle (the report, the scenario, the
 * trace's header and notes) has its absolute paths, user name and host name redacted (--no-redact
 * keeps them); the report says what was redacted. Nothing existing is overwritten.
 */
import { lstatSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { BUNDLE_SCENARIO, BUNDLE_TRACE, buildBugReport, type TraceFile } from '../../replayer/index.js';
import { CliError } from '../errors.js';
import { JSON_SCHEMAS, escapeControls, isSystemError, openTraceReporting, printJson, printText, writeFailure } from '../output.js';
import { makeRedactor } from '../redact.js';
import { STDIN_NAME } from '../trace-input.js';
import { bufferSource, rewriteTexts, type Note, type TraceHeader } from '../../proto/index.js';
import { indexOption } from './trim.js';
import { readProgress } from './sim-progress.js';

/** "1MB", "512KB", "2MiB", "1000000" → bytes. */
export function parseSize(name: string, text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|KiB|MB|MiB|GB|GiB)?\s*$/i.exec(text);
  if (!m) throw new CliError(`${name}: expected a size such as 1MB or 512KB, got "${text}"`);
  const unit = (m[2] ?? 'B').toLowerCase();
  const mult: Record<string, number> = { b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 1 << 20, gb: 1e9, gib: 1 << 30 };
  const v = Math.floor(Number(m[1]) * mult[unit]!); // the pattern's units are the keys
  if (v < 4096) throw new CliError(`${name}: ${text} is too small for a trace (at least 4KB)`);
  return v;
}

export function register(program: Command): void {
  program
    .command('bugreport')
    .description('write a bug report bundle: report.md, scenario.yaml and the trace (trimmed when large)')
    .argument('<trace>', 'trace the report is about (.csft)')
    .requiredOption('-o, --output <dir>', 'directory to write the bundle into (created in an existing directory; must be empty if it exists)')
    .option('--baseline <trace>', 'a trace of the same workload to diff against (first divergence, consequences)')
    .option('--at <i>', 'event of interest (default: the first check finding, else the first divergence)')
    .option('--max-size <size>', 'largest trace to bundle whole; larger ones are trimmed around the point of interest', '1MB')
    .option('--title <text>', 'report title (default: scenario, policy and the first finding)')
    .option('--json', 'print what was written as JSON (schemas/bugreport.v1.json)')
    .option('--no-redact', 'keep absolute paths, the user name and the host name found in notes and the scenario')
    .addHelpText('after', `
The report links events as trace.csft#ev=N; \`csftrace replay trace.csft#ev=N\` opens the bundled
trace at that event. No absolute path, user or host name goes into the bundle: those found in notes,
the scenario or the title are redacted (the report lists what), unless --no-redact.

Example:
  csftrace bugreport demo.csft --baseline kbase.csft -o report/`)
    .action(function (this: Command, path: string, o: { output: string; baseline?: string; at?: string; maxSize: string; title?: string; redact: boolean; json?: boolean }) {
      const maxBytes = parseSize('--max-size', o.maxSize);
      const out = o.output;
      if (out === '-') throw new CliError('-o -: a bug report is a directory of files: give a directory name');
      let st;
      try { st = lstatSync(out); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw writeFailure(out, e); }
      if (st !== undefined) {
        if (st.isSymbolicLink()) throw new CliError(`${out}: is a symbolic link: give the directory itself`);
        if (!st.isDirectory()) throw new CliError(`${out}: exists and is not a directory`);
        if (readdirSync(out).length > 0) throw new CliError(`${out}: directory is not empty`);
      }
      // the bundle holds the trace itself, read again from its file: a pipe would be gone
      if (path === STDIN_NAME || o.baseline === STDIN_NAME) throw new CliError('bugreport: give the traces as files (the bundle copies them), not - (standard input)');
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
        const redact = o.redact ? makeRedactor() : undefined;
        const traceBytes: Uint8Array = report.trimmed ? report.trimmed.bytes : new Uint8Array(readFileSync(path));
        const bundled = redact ? redactTrace(traceBytes, redact, path) : traceBytes;
        const scenario = redact ? redact(report.scenarioYaml) : report.scenarioYaml;
        let markdown = escapeControls(redact ? redact(report.markdown) : report.markdown);
        const redacted = redact?.summary() ?? '';
        if (redacted) markdown += `\n\n## Redacted\n\nFrom the texts of this bundle (report, scenario, the trace's header and notes): ${redacted}. \`csftrace bugreport --no-redact\` keeps them.`;
        try {
          // not recursive: the parent must exist (a recursive mkdir under /proc never returns)
          if (st === undefined) mkdirSync(out);
          // 'wx': a file that appeared meanwhile (or a link planted there) is not written through
          writeFileSync(join(out, 'report.md'), markdown + '\n', { flag: 'wx' });
          writeFileSync(join(out, BUNDLE_SCENARIO), scenario, { flag: 'wx' });
          writeFileSync(join(out, BUNDLE_TRACE), bundled, { flag: 'wx' });
        } catch (e) {
          if (isSystemError(e)) throw writeFailure(out, e);
          throw e;
        }
        const what = (report.trimmed ? `trace trimmed to events ${report.trimmed.window.from}..${report.trimmed.window.to}` : 'whole trace') +
          (redacted ? `; redacted: ${redacted}` : '');
        if (o.json) {
          printJson({
            schema: JSON_SCHEMAS.bugreport, directory: out, files: ['report.md', BUNDLE_SCENARIO, BUNDLE_TRACE],
            trace: trace.path, baseline: baseline?.path ?? null, findings: report.findings, pointOfInterest: report.pointOfInterest,
            trimmed: report.trimmed ? { from: report.trimmed.window.from, to: report.trimmed.window.to } : null,
            traceBytes: bundled.length, redacted: redacted || null,
          });
          return;
        }
        printText(`${join(out, 'report.md')}: ${report.findings} finding${report.findings === 1 ? '' : 's'}, point of interest #${report.pointOfInterest}, ${what}\n`);
      } finally {
        trace.close();
        baseline?.close();
      }
    });
}

/** The bundled trace with its header's and notes' texts redacted. */
function redactTrace(bytes: Uint8Array, redact: (t: string) => string, path: string): Uint8Array {
  const header = (h: TraceHeader): TraceHeader => ({
    ...h,
    scenarioText: redact(h.scenarioText), scenarioName: redact(h.scenarioName), producer: redact(h.producer),
    metadata: Object.fromEntries(Object.entries(h.metadata).map(([k, v]) => [redact(k), redact(v)])),
    notes: h.notes.map((n) => ({ ...n, text: redact(n.text) })),
  });
  const note = (n: Note): Note => ({ ...n, text: redact(n.text) });
  try { return rewriteTexts(bufferSource(bytes), { header, note }); }
  catch (e) {
    throw new CliError(`${path}: ${(e as Error).message.split('\n')[0]}; --no-redact bundles the trace as it is`);
  }
}
