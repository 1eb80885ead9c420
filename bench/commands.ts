/**
 * The commands as users run them, each a whole `csftrace` process, on a generated stress trace of
 * 10M events (500k with CSFTRACE_BENCH_QUICK=1; CSFTRACE_BENCH_TRACE=<file> uses a given trace):
 * start-up, the full-decode pass (`info --deep`) that every pass over the trace is measured against,
 * `check`, `state --at` cold through the keyframe index, `diff` of two such traces, `verify` against
 * `simulate`, and each one's peak RSS. Ratios are to figures measured in the same run.
 */
import { copyFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyOverrides, findBuiltin, loadBuiltin, MAX_DURATION } from '../hw-model/index.js';
import { recordScenario, traceHeaderFor } from '../recorder/index.js';
import { openTrace } from '../replayer/index.js';
import { runMeasured, type Measured } from '../test-support/rusage.js';
import { median } from './format-pairs.js';
import type { Bench, BenchContext } from './registry.js';
import { formatCount } from '../proto/index.js';

const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const tiny = fileURLToPath(new URL('../../traces/v1/tiny.csft', import.meta.url));

function csftrace(...args: string[]): Measured {
  const r = runMeasured(cli, args);
  if (r.code !== 0 && r.code !== 1) throw new Error(`csftrace ${args.join(' ')} exited ${r.code}: ${r.err}`);
  return r;
}

/** Wall seconds, median of n runs (and the median CPU beside it). */
function medianOf(n: number, run: () => Measured): { wall: number; cpu: number; rss: number } {
  const rs = Array.from({ length: n }, run);
  return { wall: median(rs.map((r) => r.wallS)), cpu: median(rs.map((r) => r.cpuS)), rss: Math.max(...rs.map((r) => r.maxRssMb)) };
}

/** A stress trace recorded until `target` events under `policy`. */
function stressTrace(path: string, target: number, policy?: string): void {
  const config = { ...applyOverrides(loadBuiltin('stress'), policy ? { protmPolicy: policy as 'panthor-2026-reviewed' } : {}), duration: MAX_DURATION };
  const header = traceHeaderFor({ config, text: findBuiltin('stress')?.text ?? '', source: 'builtin:stress' });
  let events = 0;
  recordScenario(path, header, config, { onProgress: (p) => { events = p.events; }, shouldStop: () => events >= target });
}

async function run(ctx: BenchContext): Promise<void> {
  const target = ctx.quick ? 500_000 : 10_000_000;
  // start-up
  const floor = medianOf(7, () => runMeasured('-e', ['0']));
  const version = medianOf(7, () => csftrace('--version'));
  const infoTiny = medianOf(7, () => csftrace('info', tiny));
  ctx.report('start-up: node -e 0 (the floor), wall', floor.wall, 's');
  ctx.report('start-up: csftrace --version, wall (median of 7)', version.wall, 's', '≤ 0.15 s');
  ctx.report('start-up: csftrace info traces/v1/tiny.csft, wall', infoTiny.wall, 's', '≤ 0.25 s');
  ctx.report('start-up: same, CPU: node -e 0 / --version / info tiny', infoTiny.cpu, `s (${floor.cpu.toFixed(3)} / ${version.cpu.toFixed(3)} / ${infoTiny.cpu.toFixed(3)})`);

  // the traces
  const given = process.env.CSFTRACE_BENCH_TRACE;
  const a = join(ctx.tmpDir, 'commands-a.csft');
  const reuse = join(ctx.tmpDir, 'replay-stress.csft'); // the replay bench's, when it ran first
  if (given) copyFileSync(given, a);
  else if (!ctx.quick && existsSync(reuse)) copyFileSync(reuse, a);
  else stressTrace(a, target);
  const b = join(ctx.tmpDir, 'commands-b.csft');
  stressTrace(b, target, 'panthor-2026-reviewed');

  // the decode pass and check, three alternating pairs: a single run of either moves by 10–15% on
  // this machine, and the pair's two runs see the same moment's speed
  const pairs = Array.from({ length: 3 }, () => [csftrace('info', '--deep', a), csftrace('check', a)] as const);
  const deep = pairs.map(([d]) => d);
  const checks = pairs.map(([, c]) => c);
  const tr = openTrace(a);
  const events = tr.eventCount;
  tr.close();
  const size = statSync(a).size;
  ctx.note(`trace: ${formatCount(events)} events, ${(size / (1 << 20)).toFixed(1)} MiB, ${(size / events).toFixed(2)} B/event (stress)`);
  const deepS = median(deep.map((r) => r.wallS));
  const decodeRate = events / deepS;
  ctx.report('full-decode pass (info --deep), wall, median of 3', deepS, `s, ${(decodeRate / 1e6).toFixed(2)} M events/s (CPU ${median(deep.map((r) => r.cpuS)).toFixed(1)} s), ${Math.max(...deep.map((r) => r.maxRssMb)).toFixed(0)} MB`);

  const checkS = median(checks.map((r) => r.wallS));
  const checkRate = events / checkS;
  ctx.report('check: events/s, median of 3', checkRate / 1e6, `M/s (${checkS.toFixed(1)} s, CPU ${median(checks.map((r) => r.cpuS)).toFixed(1)} s, ${Math.max(...checks.map((r) => r.maxRssMb)).toFixed(0)} MB)`, '≥ 4 M/s');
  const ratios = pairs.map(([d, c]) => d.wallS / c.wallS);
  const cpuRatios = pairs.map(([d, c]) => d.cpuS / c.cpuS);
  ctx.report('check / full-decode pass, events/s (median of the 3 pairs\' ratios)', median(ratios), `x (pairs ${ratios.map((x) => x.toFixed(2)).join(' ')}; in CPU time ${median(cpuRatios).toFixed(2)})`, '≥ 0.8');

  const index = csftrace('index', a);
  ctx.report('index: keyframes written (csftrace index)', index.wallS, `s (${index.maxRssMb.toFixed(0)} MB)`);
  const positions = [0.1, 0.3, 0.5, 0.7, 0.9, 0.999].map((f) => String(Math.floor(f * events)));
  const cold = positions.map((p) => csftrace('state', a, '--at', p));
  ctx.report('state --at, cold from the CLI, through the index: median of 6 positions', median(cold.map((r) => r.wallS)) * 1000, `ms (max ${(Math.max(...cold.map((r) => r.wallS)) * 1000).toFixed(0)} ms, CPU ${(median(cold.map((r) => r.cpuS)) * 1000).toFixed(0)} ms, ${Math.max(...cold.map((r) => r.maxRssMb)).toFixed(0)} MB)`, '≤ 300 ms');
  const noIndex = csftrace('state', b, '--at', positions[2]!); // the middle (0.5)
  ctx.report('state --at the middle without an index (the other trace)', noIndex.wallS * 1000, `ms (CPU ${(noIndex.cpuS * 1000).toFixed(0)} ms)`);

  const diff = csftrace('diff', a, b);
  ctx.report('diff of the two traces (panthor-2026 / -reviewed), wall', diff.wallS, `s (CPU ${diff.cpuS.toFixed(1)} s)`, '≤ 5 s');
  ctx.report('diff: peak RSS', diff.maxRssMb, 'MB', '≤ 500 MB');

  // verify is bounded by the simulator: events/s of both on the same scenario and length
  const dur = ctx.quick ? '2s' : '20s';
  const vtrace = join(ctx.tmpDir, 'commands-v.csft');
  csftrace('record', '--scenario', 'stress', '--duration', dur, '-o', vtrace);
  // three alternating pairs, as for check: a single run of either moves by 10–15% on this machine
  const vpairs = Array.from({ length: 3 }, () => [csftrace('simulate', '--scenario', 'stress', '--duration', dur), csftrace('verify', vtrace)] as const);
  const vr = vpairs.map(([s, v]) => s.wallS / v.wallS);
  const sim = median(vpairs.map(([s]) => s.wallS)), ver = median(vpairs.map(([, v]) => v.wallS));
  const vcpu = median(vpairs.map(([s, v]) => s.cpuS / v.cpuS));
  ctx.report(`verify / simulate events/s, stress ${dur} (whole processes, wall; median of the 3 pairs' ratios)`, median(vr),
    `x (pairs ${vr.map((x) => x.toFixed(2)).join(' ')}; simulate ${sim.toFixed(2)} s, verify ${ver.toFixed(2)} s, medians; in CPU time ${vcpu.toFixed(2)})`, '≥ 0.8');
}

export const commandsBench: Bench = { name: 'commands', run };
