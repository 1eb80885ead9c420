/**
 * Simulator benchmark: simulated events per wall second and virtual seconds per wall second for
 * the default scenario (drm-video-over-ui) and the stress scenario, with the summary sink attached
 * (as `csftrace simulate` runs it) and no recorder. Target: ≥ 1M events/s.
 */
import { applyOverrides, loadBuiltin, sec, simulate, type SimResult } from '../hw-model/index.js';
import type { Bench, BenchContext } from './registry.js';

function timed(f: () => SimResult): { res: SimResult; wall: number } {
  const t0 = process.hrtime.bigint();
  const res = f();
  return { res, wall: Number(process.hrtime.bigint() - t0) / 1e9 };
}

async function run(ctx: BenchContext): Promise<void> {
  const runs: [string, number][] = ctx.quick
    ? [['drm-video-over-ui', 2], ['stress', 2]]
    : [['drm-video-over-ui', 60], ['stress', 60]];
  // Warm-up: JIT the hot paths once so the first figure is not a compile-time figure.
  simulate(applyOverrides(loadBuiltin('drm-video-over-ui'), { duration: sec(0.5) }));
  for (const [name, seconds] of runs) {
    const cfg = applyOverrides(loadBuiltin(name), { duration: sec(seconds) });
    const { res, wall } = timed(() => simulate(cfg));
    ctx.note(`${name}: ${seconds} s virtual, ${res.events} events, ${wall.toFixed(2)} s wall, policy ${cfg.driver.protmPolicy}`);
    ctx.report(`simulate ${name}: events per wall second`, res.events / wall, 'events/s', '≥ 1M events/s');
    ctx.report(`simulate ${name}: virtual seconds per wall second`, seconds / wall, 'x');
    ctx.report(`simulate ${name}: events per virtual minute`, (res.events / seconds) * 60, 'events',
      name === 'stress' ? '≥ 1M' : undefined);
  }
}

export const simBench: Bench = { name: 'sim', run };
