/**
 * `csftrace record --scenario <name|file> [--seed N] [--policy P] [--heap-policy H] [--duration D]
 * -o out.csft`: records a simulation into a trace. The run happens in a worker thread; this thread
 * writes the trace (with two cores: the recorder's tapes, served here), draws the progress bar
 * (stderr, terminals only) and turns SIGINT/SIGTERM into a clean stop: the file is closed with its
 * index and holds every event up to the stop.
 */
import { basename } from 'node:path';
import { isatty } from 'node:tty';
import { Worker } from 'node:worker_threads';
import type { Command } from 'commander';
import { applyOverrides, formatNs } from '../../hw-model/index.js';
import { formatBytes, formatCount, requireLz4Addon } from '../../proto/index.js';
import { serveTapes, traceHeaderFor } from '../../recorder/index.js';
import { CliError } from '../errors.js';
import { JSON_SCHEMAS, prepareInPlaceOutput, printText, safeJson, traceOutput } from '../output.js';
import { progressLine } from './sim-progress.js';
import { indexTrace } from './index-cmd.js';
import { checkPolicyFixes, loadScenarioArg, scenarioOptions, scenarioOverrides, type ScenarioFlags } from './simulate.js';
import type { RecordWorkerData, RecordWorkerMessage } from './record-worker.js';

interface RecordFlags extends ScenarioFlags {
  scenario: string;
  output: string;
  chunkEvents?: string;
  wallClock?: boolean;
  fast?: boolean;
  json?: boolean;
  force?: boolean;
  tui?: boolean;
  index?: boolean;
}


/** The progress bar: virtual time, events, bytes; redrawn at most 10 times a second, terminals only. */
function progressBar(): { update(now: number, dur: number, events: number, bytes: number): void; clear(): void } {
  const line = progressLine(100);
  const width = 24;
  return {
    update(now, dur, events, bytes) {
      const fill = Math.round((dur > 0 ? Math.min(1, now / dur) : 0) * width);
      line.update(() => `recording [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${formatNs(now)} / ${formatNs(dur)}  ${formatCount(events)} events  ${formatBytes(bytes)}`);
    },
    clear() { line.clear(); },
  };
}

function chunkEventsOption(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1 || Number(text) > 1 << 20) {
    throw new CliError(`--chunk-events: expected an integer in 1..${1 << 20} (got "${text}")`);
  }
  return Number(text);
}

export function register(program: Command): void {
  scenarioOptions(program
    .command('record')
    .description('record a scenario run into a .csft trace (header + lz4 chunks of protobuf events + index)'))
    .requiredOption('-o, --output <file>', 'trace file to write (.csft); - for standard output (a pipe or a file, not a terminal)')
    .option('--chunk-events <n>', 'events per chunk: the most a crash can lose (default 8192)')
    .option('--fast', 'lz4 fast chunks instead of lz4 HC: about a quarter larger, less CPU while recording')
    .option('--wall-clock', 'store the wall-clock time in the header (the file is then not byte-identical across runs)')
    .option('--json', 'print the result as JSON')
    .option('--force', 'replace an existing file that is not a csftrace trace')
    .option('--tui', 'watch the recording in the terminal UI as it is written (q stops the recording early)')
    .option('--index', 'then write the keyframe index beside the trace (as csftrace index does): state --at anywhere at once')
    .addHelpText('after', `
The same scenario, seed, policy and duration give a byte-identical file.
Ctrl-C (SIGINT) or SIGTERM stops early and still closes the file with its index; after a kill -9
every chunk written so far is recovered by the reader (csftrace info shows what was lost).
With -o - the trace goes to standard output and the summary line to stderr.

Examples:
  csftrace record -o demo.csft
  csftrace record --scenario priority-inversion --policy kbase --duration 2s -o kbase.csft
  csftrace record --scenario stress -o - | gzip > stress.csft.gz
  csftrace info demo.csft && csftrace events demo.csft --limit 20`)
    .action(async (opts: RecordFlags) => {
      requireLz4Addon();
      const overrides = scenarioOverrides(opts);
      const chunkEvents = chunkEventsOption(opts.chunkEvents);
      const loaded = loadScenarioArg(opts.scenario);
      const config = applyOverrides(loaded.config, overrides);
      checkPolicyFixes(config);
      const toStdout = opts.output === '-';
      if (toStdout && isatty(1)) throw new CliError('-: standard output is a terminal; redirect or pipe the trace');
      // A recording streams: -o - is standard output, /dev/null or a FIFO is written into.
      if (!toStdout) prepareInPlaceOutput(opts.output, traceOutput('binary', true), opts);
      const header = traceHeaderFor({
        config, text: loaded.text,
        source: loaded.source.startsWith('builtin:') ? loaded.source : basename(loaded.source),
        wallClock: opts.wallClock === true, nowMs: opts.wallClock ? Date.now() : 0,
      });
      const stop = new SharedArrayBuffer(4);
      const stopFlag = new Int32Array(stop);
      if (opts.tui && !(process.stdout.isTTY && process.stdin.isTTY)) throw new CliError('--tui needs a terminal on stdin and stdout');
      const bar = progressBar();
      const data: RecordWorkerData = {
        path: opts.output, header, config, chunkEvents, stop, progress: process.stderr.isTTY === true && !opts.tui,
        compression: opts.fast ? 'fast' : 'hc',
      };
      const worker = new Worker(new URL('./record-worker.js', import.meta.url), { workerData: data });
      let signal: NodeJS.Signals | undefined;
      const onSignal = (s: NodeJS.Signals): void => {
        if (signal !== undefined) process.exit(128 + (s === 'SIGINT' ? 2 : 15)); // second signal: give up now
        signal = s;
        Atomics.store(stopFlag, 0, 1);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      // --tui: the UI follows the file as it is written; quitting it stops the recording (closed with its index)
      let recorded = false;
      const ui = opts.tui
        ? (await import('./replay.js')).followInTui(opts.output, () => recorded).finally(() => { if (!recorded) Atomics.store(stopFlag, 0, 1); })
        : undefined;
      let msg: RecordWorkerMessage;
      try {
        msg = await new Promise<RecordWorkerMessage>((resolve, reject) => {
          worker.on('message', (m: RecordWorkerMessage) => {
            if (m.type === 'progress') bar.update(m.p.now, m.p.duration, m.p.events, m.p.bytes);
            else if (m.type === 'writer') serveTapes(m.data);
            else resolve(m);
          });
          worker.on('error', reject);
          worker.on('exit', (code) => reject(new Error(`record worker exited (${code}) without a result`)));
        });
      } finally {
        recorded = true;
        bar.clear();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      await worker.terminate();
      await ui;
      if (msg.type === 'error') {
        if (msg.userFacing) throw new CliError(msg.message);
        throw new Error(`${msg.message}\n${msg.stack ?? ''}`);
      }
      if (msg.type !== 'done') throw new Error('unexpected message from the record worker');
      const bpe = msg.events ? msg.bytes / msg.events : 0;
      // with the trace on standard output, the summary goes to stderr
      const say = (text: string): void => { if (toStdout) process.stderr.write(text); else printText(text); };
      if (opts.json) {
        say(safeJson({
          schema: JSON_SCHEMAS.record, path: opts.output, scenario: config.name, seed: config.seed, policy: config.driver.protmPolicy,
          events: msg.events, bytes: msg.bytes, bytesPerEvent: +bpe.toFixed(3), chunks: msg.chunks,
          lastTimeNs: msg.lastTimeNs, durationNs: config.duration, stopped: signal ?? null,
        }, 2) + '\n');
      } else {
        say(`recorded ${toStdout ? 'stdout' : opts.output}: ${config.name} seed ${config.seed} policy ${config.driver.protmPolicy}, ` +
          `${formatCount(msg.events)} events in ${msg.chunks} chunks, ${formatBytes(msg.bytes)} (${bpe.toFixed(2)} B/event), ` +
          `virtual ${formatNs(msg.stopped ? msg.lastTimeNs : config.duration)}${msg.stopped ? ` (stopped early by ${signal ?? 'request'}; the file is complete up to there)` : ''}\n`);
      }
      if (opts.index && !toStdout) {
        const r = indexTrace(opts.output);
        say(`${r.path}: ${r.frames} keyframes\n`);
      }
      if (signal !== undefined) process.exitCode = 128 + (signal === 'SIGINT' ? 2 : 15);
    });
}
