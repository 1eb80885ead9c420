/**
 * The measuring half of bench/replay.ts, run in a fresh process so that its RSS is the replayer's
 * alone (not the recording's): `node dist/bench/replay-child.js <trace>` prints one JSON object.
 */
import { Cursor, Replayer, openTrace, parseFilter } from '../replayer/index.js';

const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

/** What the child measures (one JSON line on standard output): times in ms, sizes in bytes. */
export interface ReplayMeasures {
  openMs: number; firstStateMs: number; events: number; buildMs: number;
  keyframes: number; keyframeEvery: number; keyframeBytes: number; keyframeRawBytes: number;
  seekP50: number; seekP99: number; seekMax: number; stepBackMs: number; findNextMs: number; rssMb: number;
}

function main(path: string): void {
  const out: Partial<ReplayMeasures> = {};
  // Open to the first screen: open the file, replay to event 0 (no keyframe build needed).
  let t0 = process.hrtime.bigint();
  const tr = openTrace(path);
  out.openMs = ms(t0);
  const r = Replayer.open(tr);
  r.stateAt(0);
  out.firstStateMs = ms(t0);
  out.events = tr.eventCount;

  // Full keyframe build (a UI does it in the background, step by step).
  t0 = process.hrtime.bigint();
  while (!r.buildKeyframesStep(1 << 16));
  out.buildMs = ms(t0);
  const st = r.keyframeStats;
  out.keyframes = st.count;
  out.keyframeEvery = st.every;
  out.keyframeBytes = st.bytes;
  out.keyframeRawBytes = st.rawBytes;

  // 1000 random seeks (a fixed LCG: the same indices every run).
  let seed = 0x2545f491;
  const rnd = (): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 2 ** 32; };
  const times: number[] = [];
  let rss = process.memoryUsage().rss;
  for (let k = 0; k < 1000; k++) {
    const i = Math.floor(rnd() * tr.eventCount);
    const s0 = process.hrtime.bigint();
    r.stateAt(i);
    times.push(ms(s0));
    if ((k & 31) === 0) rss = Math.max(rss, process.memoryUsage().rss);
  }
  times.sort((a, b) => a - b);
  out.seekP50 = percentile(times, 0.5);
  out.seekP99 = percentile(times, 0.99);
  out.seekMax = times.at(-1) ?? NaN;

  // Cursor moves a UI makes: step back one event, find the next mode switch.
  const c = new Cursor(r);
  c.seek(Math.floor(tr.eventCount / 2));
  t0 = process.hrtime.bigint();
  for (let k = 0; k < 100; k++) c.step(-1);
  out.stepBackMs = ms(t0) / 100;
  t0 = process.hrtime.bigint();
  c.find(parseFilter('type=mode_switch'), 1);
  out.findNextMs = ms(t0);
  out.rssMb = Math.max(rss, process.memoryUsage().rss) / (1 << 20);
  tr.close();
  process.stdout.write(JSON.stringify(out) + '\n');
}

const path = process.argv[2];
if (path === undefined) throw new Error('usage: replay-child.js <trace>');
main(path);
