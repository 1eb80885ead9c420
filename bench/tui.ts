/**
 * TUI benchmark: keystroke to screen written, on a 10M-event trace (1M with CSFTRACE_BENCH_QUICK=1).
 *
 * The UI runs in-process on the real blessed driver, with a fake terminal: keys go in as the bytes
 * a terminal sends (ESC [ C for →) through an input stream, and the time is taken when blessed
 * writes the changed cells of the frame that shows the key's result to the output stream (120x40,
 * xterm-256color). That is everything but the terminal emulator's own drawing.
 *
 * The trace is SYNTHETIC (replayer/diff/synthetic.ts plus a probe and slot bindings so the timeline
 * and state panes have slots to draw), written with the container writer: simulating 10M events
 * would take minutes. Set CSFTRACE_BENCH_TUI_TRACE=<file.csft> to measure a recorded trace instead.
 *
 * Figures: open to first screen; keys while keyframes build and while the timeline fills; then,
 * with the background idle, p50/p99 per key class (steps, pages, jumps to random indices,
 * mode-switch and decision searches, cause/back) and the p99 of navigation keys, held to ≤ 16 ms;
 * the same keys again with two busy processes beside the UI (the machine's two cores taken); and
 * the diff view (`replay a --diff b`) on two synthetic traces of 1M decisions each: first screen,
 * and the whole alignment behind it (in a worker thread), with the keys answered meanwhile.
 */
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { GroupStateKind, ProbeStage, type EventInit } from '../proto/index.js';
import { syntheticStream, writeSyntheticTrace, type SyntheticOptions } from '../replayer/testing.js';
import { diffApi, diffComposer, openReplay, replayApi, startTui, type DiffView, type TuiHandle } from '../tui/index.js';
import type { Bench, BenchContext } from './registry.js';

const W = 120, H = 40;

function* benchEvents(target: number): Generator<EventInit> {
  yield { t: 0, body: { case: 'probe', value: { stage: ProbeStage.PROBE_DONE, csgSlotCount: 8, asCount: 7 } } };
  let n = 1;
  let bound = false;
  // ~4.2 events per synthetic tick
  for (const ev of syntheticStream({ ticks: Math.ceil(target / 4.2) + 10 })) {
    if (n >= target) return;
    yield ev;
    n++;
    if (!bound && ev.body?.case === 'decision') {
      bound = true;
      for (const g of [1, 2, 3]) {
        yield { t: ev.t, body: { case: 'groupState', value: { group: g, from: GroupStateKind.PANTHOR_CS_GROUP_CREATED, to: GroupStateKind.PANTHOR_CS_GROUP_ACTIVE, csgSlot: g - 1, priority: g === 1 ? 2 : 1, isProtected: g === 2 } } };
        n++;
      }
    }
  }
}

const writeEvents = writeSyntheticTrace;

function writeTrace(path: string, events: number): number {
  return writeEvents(path, 'panthor-2026', benchEvents(events));
}

/** A terminal stand-in: a TTY-looking input and an output that timestamps every write. */
function fakeTerminal() {
  const input = new PassThrough() as PassThrough & { isTTY: boolean; setRawMode: (b: boolean) => void };
  input.isTTY = true;
  input.setRawMode = () => undefined;
  const writes: number[] = [];
  let bytes = 0;
  const output = new Writable({
    write(chunk: Buffer, _enc, cb) { writes.push(performance.now()); bytes += chunk.length; cb(); },
  }) as Writable & { isTTY: boolean; columns: number; rows: number };
  output.isTTY = true;
  output.columns = W;
  output.rows = H;
  return { input, output, writes, bytes: () => bytes };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

/** When the terminal's first write happened (waits for it). */
async function firstWrite(term: ReturnType<typeof fakeTerminal>): Promise<number> {
  for (;;) {
    const t = term.writes[0];
    if (t !== undefined) return t;
    await tick();
  }
}

interface Measure { name: string; keys: () => string[] }

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

async function run(ctx: BenchContext): Promise<void> {
  const given = process.env.CSFTRACE_BENCH_TUI_TRACE;
  const target = ctx.quick ? 1_000_000 : 10_000_000;
  let path = given ?? join(ctx.tmpDir, 'tui-bench.csft');
  if (!given) {
    const t0 = performance.now();
    const n = writeTrace(path, target);
    ctx.note(`synthetic trace (not simulated): ${n} events written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } else {
    ctx.note(`trace ${given}`);
    path = given;
  }

  const { trace, replayer } = openReplay(path);
  const term = fakeTerminal();
  const t0 = performance.now();
  const ui: TuiHandle = startTui({
    api: replayApi, replayer, input: term.input, output: term.output, terminal: 'xterm-256color',
    env: { LANG: 'C.UTF-8', TERM: 'xterm-256color' },
  });
  ctx.report(`open ${trace.eventCount} events to first screen written`, await firstWrite(term) - t0, 'ms');

  // Keys while keyframes are still being built in the background.
  const during: number[] = [];
  for (let k = 0; k < 50 && !replayer.keyframesReady; k++) during.push(await press(ui, term, '\x1b[C'));
  if (during.length) ctx.report(`→ while keyframes build (${during.length} keys), p99`, pct(during, 99), 'ms');
  const tb = performance.now();
  while (!replayer.keyframesReady) await tick();
  ctx.report('keyframes built in the background (after first screen)', (performance.now() - tb) / 1000, 's');
  // Keys while the timeline's columns are sampled (the first time after the keyframes).
  const sampling: number[] = [];
  for (let k = 0; k < 50 && !ui.idle; k++) sampling.push(await press(ui, term, k % 2 ? '\x1b[D' : '\x1b[C'));
  if (sampling.length) ctx.report(`→/← while the timeline fills (${sampling.length} keys), p99`, pct(sampling, 99), 'ms');
  while (!ui.idle) await tick();

  const n = trace.eventCount;
  let seed = 12345;
  const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
  const measures: Measure[] = [
    { name: '→ / ← step', keys: () => (rnd() < 0.75 ? ['\x1b[C'] : ['\x1b[D']) },
    { name: '↓ / PgDn in the list', keys: () => (rnd() < 0.5 ? ['\x1b[B'] : ['\x1b[6~']) },
    { name: 'g <random index> Enter (jump)', keys: () => ['g', ...String(Math.floor(rnd() * n)).split(''), '\r'] },
    { name: '] / } next mode switch / decision', keys: () => (rnd() < 0.5 ? [']'] : ['}']) },
    { name: 'Enter (cause) / Backspace (back)', keys: () => (rnd() < 0.5 ? ['\r'] : ['\x7f']) },
  ];
  const rounds = ctx.quick ? 100 : 300;
  const measureAll = async (label: string, roundsEach: number, perClass: boolean): Promise<number[]> => {
    const nav: number[] = [];
    for (const m of measures) {
      const xs: number[] = [];
      for (let k = 0; k < roundsEach; k++) {
        const seq = m.keys();
        // the prompt's characters are typed first; the measured key is the one that acts (Enter)
        for (const s of seq.slice(0, -1)) await press(ui, term, s);
        const acting = seq.at(-1);
        if (acting === undefined) throw new Error(`${m.name}: no keys`);
        xs.push(await press(ui, term, acting));
      }
      if (!m.name.startsWith(']')) nav.push(...xs);
      if (perClass) {
        ctx.report(`${m.name}${label}: p50`, pct(xs, 50), 'ms');
        ctx.report(`${m.name}${label}: p99`, pct(xs, 99), 'ms');
      }
    }
    return nav;
  };
  const nav = await measureAll('', rounds, true);
  ctx.report('keystroke to screen written, navigation keys (all but searches): p99', pct(nav, 99), 'ms', '≤ 16 ms');
  // The same keys with two busy processes beside the UI: the machine's two cores are taken.
  const busy = [0, 1].map(() => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
  try {
    await new Promise((r) => setTimeout(r, 300));
    const loaded = await measureAll(' (2 busy processes)', Math.round(rounds / 2), false);
    ctx.report('keystroke to screen written, navigation keys, beside two busy processes: p50', pct(loaded, 50), 'ms');
    ctx.report('keystroke to screen written, navigation keys, beside two busy processes: p99', pct(loaded, 99), 'ms', '≤ 16 ms');
    ctx.note(`load average ${loadavg()[0]!.toFixed(1)} with the two busy processes`);
  } finally {
    for (const b of busy) b.kill('SIGKILL');
  }
  ctx.note(`${term.bytes()} bytes written to the terminal in total; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs during the run (tails grow with load: GC and scheduling)`);
  ui.quit();
  trace.close();
  await diffView(ctx);
}

/**
 * The diff view on two synthetic traces of 1M decisions each (100k with CSFTRACE_BENCH_QUICK=1):
 * open to first screen written, and to the alignment done (computed in a background slice).
 */
async function diffView(ctx: BenchContext): Promise<void> {
  const n = ctx.quick ? 100_000 : 1_000_000;
  const pa = join(ctx.tmpDir, 'tui-diff-a.csft'), pb = join(ctx.tmpDir, 'tui-diff-b.csft');
  const o = (policy: 'shared' | 'sole', extra: Partial<SyntheticOptions> = {}): SyntheticOptions => ({ ticks: n, policy, decisionsOnly: true, ...extra });
  writeEvents(pa, 'shared', syntheticStream(o('shared')));
  writeEvents(pb, 'sole', syntheticStream(o('sole', { handleBase: 5 })));
  const a = openReplay(pa), b = openReplay(pb);
  const term = fakeTerminal();
  let view: DiffView | undefined;
  const t0 = performance.now();
  const ui = startTui({
    api: replayApi, replayer: a.replayer, input: term.input, output: term.output, terminal: 'xterm-256color',
    env: { LANG: 'C.UTF-8', TERM: 'xterm-256color' },
    composer: (p) => (view = diffComposer(replayApi, diffApi, b.replayer)(p)),
  });
  ctx.report(`diff view, ${n} decisions each: open to first screen written`, await firstWrite(term) - t0, 'ms');
  // keys while the decisions are aligned (in a worker thread): the UI answers meanwhile
  const during: number[] = [];
  while (!view?.model && !view?.error) {
    if (during.length < 200) during.push(await press(ui, term, during.length % 2 ? '\x1b[D' : '\x1b[C'));
    else await tick();
  }
  ctx.report(`diff view, ${n} decisions each: open to the alignment done (in a worker thread)`, (performance.now() - t0) / 1000, 's');
  if (during.length) ctx.report(`diff view: → / ← while the decisions are aligned (${during.length} keys), p99`, pct(during, 99), 'ms');
  ui.quit();
  a.trace.close();
  b.trace.close();
}

/** Sends one key's bytes; resolves with ms until the frame showing its result was written. */
async function press(ui: TuiHandle, term: ReturnType<typeof fakeTerminal>, bytes: string): Promise<number> {
  const frames = ui.keyFrames;
  const t0 = performance.now();
  term.input.write(bytes);
  while (ui.keyFrames === frames || ui.busy) await tick();
  const rendered = ui.lastKeyFrameAt;
  // the frame goes out on the next turn; a frame identical to the last one writes nothing
  for (let k = 0; k < 5; k++) {
    let first: number | undefined;
    for (let j = term.writes.length - 1; j >= 0 && term.writes[j]! >= rendered; j--) first = term.writes[j];
    if (first !== undefined) return first - t0;
    await tick();
  }
  return rendered - t0;
}

export const tuiBench: Bench = { name: 'tui', run };
