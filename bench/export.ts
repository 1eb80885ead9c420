/**
 * `csftrace export`, every format, as a user runs it: a whole `csftrace export <trace> --format f
 * -o -` process (standard output discarded) on a recorded stress trace of 10M events, its events/s
 * and peak RSS, beside the full-decode pass of the same trace measured in the same run (the ratio
 * is what holds still on a busy machine). Targets (issue 23): ≥ 2M events/s, peak RSS ≤ 300 MB
 * whatever the trace's size. And the same exports into a pipe (`| cat`), against their output
 * discarded.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findBuiltin, loadBuiltin, MAX_DURATION } from '../hw-model/index.js';
import { recordScenario, traceHeaderFor } from '../recorder/index.js';
import { EXPORT_FORMATS, openTrace } from '../replayer/index.js';
import { runMeasured } from '../test-support/rusage.js';
import type { Bench, BenchContext } from './registry.js';
import { formatCount } from '../proto/index.js';

function recordStress(path: string, target: number): void {
  const config = { ...loadBuiltin('stress'), duration: MAX_DURATION };
  const header = traceHeaderFor({ config, text: findBuiltin('stress')?.text ?? '', source: 'builtin:stress' });
  let events = 0;
  recordScenario(path, header, config, { onProgress: (p) => { events = p.events; }, shouldStop: () => events >= target });
}

async function run(ctx: BenchContext): Promise<void> {
  const target = ctx.quick ? 500_000 : 10_000_000;
  const path = join(ctx.tmpDir, 'export-stress.csft');
  if (!existsSync(path)) recordStress(path, target);

  // the full-decode pass, in this process: the yardstick
  const tr = openTrace(path);
  const n = tr.eventCount;
  let seen = 0;
  const t0 = process.hrtime.bigint(), c0 = process.cpuUsage();
  tr.forEach(() => { seen++; });
  const decodeS = Number(process.hrtime.bigint() - t0) / 1e9;
  const dc = process.cpuUsage(c0);
  const decodeCpuRate = seen / ((dc.user + dc.system) / 1e6) / 1e6;
  tr.close();
  ctx.note(`stress trace: ${formatCount(n)} events, ${(statSync(path).size / (1 << 20)).toFixed(1)} MiB`);
  const decodeRate = seen / decodeS / 1e6;
  ctx.report('full-decode pass (forEach)', decodeRate, 'M events/s');
  ctx.report('full-decode pass (forEach), per CPU second', decodeCpuRate, 'M events/s');

  // whole processes, measured by test-support/rusage.ts (peak RSS from the child's own VmHWM:
  // getrusage's figure of a child starts at this bench process's high-water mark)
  const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  // jsonl as a user runs it writes on one thread per core (at most four); its one-thread figure beside
  const runs: [string, string[]][] = EXPORT_FORMATS.map((f) => [f, []]);
  runs.push(['jsonl', ['--threads', '1']]);
  const wallOf: Record<string, number> = {};
  for (const [f, extra] of runs) {
    const label = [f, ...extra].join(' ');
    const m = runMeasured(cli, ['export', path, '--format', f, '-o', '-', ...extra], { discardStdout: true });
    if (m.code !== 0) throw new Error(`export --format ${label} failed (${m.code}): ${m.err.slice(-500)}`);
    const wall = m.wallS;
    wallOf[label] = wall;
    const rate = n / wall / 1e6;
    ctx.report(`export --format ${label} (whole process)`, rate, `M events/s (${wall.toFixed(1)} s, ${(rate / decodeRate).toFixed(2)} of the decode pass)`, '≥ 2M events/s');
    // on a shared machine the wall clock counts other processes' time too: the CPU figure holds still
    const cpuRate = n / m.cpuS / 1e6;
    ctx.report(`export --format ${label}, per CPU second of the process`, cpuRate, `M events/s (${m.cpuS.toFixed(1)} s CPU, ${(cpuRate / decodeCpuRate).toFixed(2)} of the decode pass per CPU second)`);
    ctx.report(`export --format ${label} peak RSS`, m.maxRssMb, 'MB', '≤ 300 MB');
  }
  const one = wallOf['jsonl --threads 1'], many = wallOf.jsonl;
  if (one !== undefined && many !== undefined) ctx.report('export --format jsonl: one thread / default threads, wall', one / many, '×');

  // `events --json` writes the same lines with the same writer (writeEventLine), one thread, through
  // its own pass and filters: against `export --format jsonl --threads 1`
  const ev = runMeasured(cli, ['events', path, '--json'], { discardStdout: true });
  if (ev.code !== 0) throw new Error(`events --json failed (${ev.code}): ${ev.err.slice(-500)}`);
  ctx.report('events --json (whole process)', n / ev.wallS / 1e6,
    `M events/s (${ev.wallS.toFixed(1)} s, ${(ev.wallS / wallOf['jsonl --threads 1']!).toFixed(2)} × the wall of export --format jsonl --threads 1; peak RSS ${ev.maxRssMb.toFixed(0)} MB)`);

  // into a pipe, as `export -o - | gzip` runs (cli/pipe-writer.ts): the pipeline's wall against the
  // same export with its output discarded (above); `cat` reads as fast as it is given
  for (const f of ['perfetto', 'jsonl'] as const) {
    const t = process.hrtime.bigint();
    const r = spawnSync('sh', ['-c', `"$0" "$1" export "$2" --format ${f} -o - | cat > /dev/null`, process.execPath, cli, path], { stdio: ['ignore', 'ignore', 'pipe'] });
    const wall = Number(process.hrtime.bigint() - t) / 1e9;
    if (r.status !== 0) throw new Error(`export --format ${f} -o - | cat failed (${r.status}): ${r.stderr.toString().slice(-500)}`);
    ctx.report(`export --format ${f} -o - | cat (whole pipeline), wall; against the output discarded`, n / wall / 1e6,
      `M events/s (${wall.toFixed(1)} s, ${(wall / wallOf[f]!).toFixed(2)} × the discarded run's wall)`);
  }
}

export const exportBench: Bench = { name: 'export', run };
