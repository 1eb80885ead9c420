/**
 * Replay benchmark on a ≥ 10M-event trace recorded from the `stress` scenario (500k events with
 * CSFTRACE_BENCH_QUICK=1): open to the first state, the full keyframe build, 1000 random seeks
 * (p50/p99; target p99 ≤ 20 ms) and the RSS of the replaying process (target ≤ 400 MB). The
 * measurements run in a fresh process (replay-child.ts) so the RSS is the replayer's, not the
 * recording's. The replayer holds keyframes (JSON text, within a budget) and a small LRU of decoded
 * chunks, never the decoded events of the whole trace.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findBuiltin, loadBuiltin, MAX_DURATION } from '../hw-model/index.js';
import { recordScenario, traceHeaderFor } from '../recorder/index.js';
import type { Bench, BenchContext } from './registry.js';
import type { ReplayMeasures } from './replay-child.js';
import { formatCount } from '../proto/index.js';

async function run(ctx: BenchContext): Promise<void> {
  const target = ctx.quick ? 500_000 : 10_000_000;
  const path = join(ctx.tmpDir, 'replay-stress.csft');
  const config = { ...loadBuiltin('stress'), duration: MAX_DURATION };
  const header = traceHeaderFor({ config, text: findBuiltin('stress')?.text ?? '', source: 'builtin:stress' });
  let events = 0;
  const t0 = process.hrtime.bigint();
  const rec = recordScenario(path, header, config, {
    onProgress: (p) => { events = p.events; },
    shouldStop: () => events >= target,
  });
  const recordS = Number(process.hrtime.bigint() - t0) / 1e9;
  ctx.note(`stress recorded until ${formatCount(target)} events: ${formatCount(rec.events)} events, ` +
    `${(statSync(path).size / (1 << 20)).toFixed(1)} MiB, virtual ${(rec.lastTimeNs / 1e9).toFixed(1)} s, in ${recordS.toFixed(1)} s`);

  const child = fileURLToPath(new URL('./replay-child.js', import.meta.url));
  const r = spawnSync(process.execPath, [child, path], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`replay-child failed (${r.status}): ${r.stderr}`);
  const m = JSON.parse(r.stdout) as ReplayMeasures;
  ctx.report('open to first state', m.firstStateMs, 'ms');
  ctx.report('  of which openTrace (index, checksums)', m.openMs, 'ms');
  ctx.report('keyframe build (whole trace)', m.buildMs / 1000, 's');
  ctx.report('keyframe build rate (decode + replay)', m.events / (m.buildMs / 1000) / 1e6, 'M events/s');
  ctx.report('keyframes held', m.keyframes, `(every ${m.keyframeEvery} events, ${(m.keyframeBytes / (1 << 20)).toFixed(1)} MiB lz4, ${(m.keyframeRawBytes / (1 << 20)).toFixed(1)} MiB as JSON)`);
  ctx.report('random seek p50 (1000 seeks)', m.seekP50, 'ms');
  ctx.report('random seek p99 (1000 seeks)', m.seekP99, 'ms', '≤ 20 ms');
  ctx.report('random seek max', m.seekMax, 'ms');
  ctx.report('step back one event (mean of 100)', m.stepBackMs, 'ms');
  ctx.report('find next mode switch from the middle', m.findNextMs, 'ms');
  ctx.report('RSS of the replaying process', m.rssMb, 'MB', '≤ 400 MB');
}

export const replayBench: Bench = { name: 'replay', run };
