/**
 * Diff benchmark: two traces of ≥ 1M scheduling decisions each, diffed in ≤ 2 s.
 *
 * The traces are SYNTHETIC (replayer/diff/synthetic.ts): decisions written directly, one every
 * 10 ms of virtual time, for a compositor, a protected video player and a game, under two variants
 * of the protected-mode entry ('shared' keeps every group resident, 'sole' suspends the others, as
 * kbase does): every 10th decision differs, so the diff has 100k hunks per million decisions. The
 * simulator would need hours of virtual time to produce as many decisions.
 *
 * Figures: the alignment alone (hashed sequences), the whole diff on in-memory traces, and the whole
 * diff from .csft files (read + decode + identities + consequences + alignment).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ContainerWriter, type TraceHeaderInit } from '../proto/index.js';
import { alignSequences, diffReport, diffTraces, openTrace } from '../replayer/index.js';
import { syntheticHeader, syntheticStream, type SyntheticOptions } from '../replayer/testing.js';
import type { Bench, BenchContext } from './registry.js';

function writeTrace(path: string, header: TraceHeaderInit, o: SyntheticOptions): void {
  const fd = openSync(path, 'w');
  try {
    const w = new ContainerWriter(header, { write: (b) => { writeSync(fd, b); } });
    for (const ev of syntheticStream(o)) w.add(ev);
    w.finish();
  } finally { closeSync(fd); }
}

function seconds(f: () => void): number {
  const t0 = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function run(ctx: BenchContext): Promise<void> {
  const n = ctx.quick ? 100_000 : 1_000_000;
  ctx.note(`synthetic traces (not simulated): ${n} decisions each, every 10th differs ('shared' vs 'sole' protected-mode entry)`);

  // 1. Alignment alone, on interned decision ids.
  const a = new Int32Array(n), b = new Int32Array(n);
  for (let i = 0; i < n; i++) { const x = i % 10 === 9 ? 1 : (i % 2 ? 2 : 3); a[i] = x; b[i] = i % 10 === 9 ? 4 : x; }
  let hunks = 0, exact = true;
  const tAlign = seconds(() => { const r = alignSequences(a, b); hunks = r.hunks.length; exact = r.exact; });
  ctx.report(`align ${n} vs ${n} decisions, ${hunks} hunks (${exact ? 'exact' : 'windowed'})`, tAlign, 's', '≤ 2 s');
  const c = a.slice();
  for (let i = 0; i < n; i += 50_000) c[i] = 99;
  const tSparse = seconds(() => { const r = alignSequences(a, c); hunks = r.hunks.length; exact = r.exact; });
  ctx.report(`align ${n} vs ${n}, sparse edits, ${hunks} hunks (${exact ? 'exact' : 'windowed'})`, tSparse, 's');
  const d = new Int32Array(n + 1);
  d.set(a.subarray(0, n >> 1), 0); d[n >> 1] = 77; d.set(a.subarray(n >> 1), (n >> 1) + 1);
  const tInsert = seconds(() => { const r = alignSequences(a, d); hunks = r.hunks.length; exact = r.exact; });
  ctx.report(`align ${n} vs ${n + 1}, one inserted decision, ${hunks} hunk (${exact ? 'exact' : 'windowed'})`, tInsert, 's');

  // 2. The whole diff from .csft files.
  const pa = join(ctx.tmpDir, 'diff-a.csft'), pb = join(ctx.tmpDir, 'diff-b.csft');
  writeTrace(pa, syntheticHeader('shared'), { ticks: n, policy: 'shared', decisionsOnly: true });
  writeTrace(pb, syntheticHeader('sole'), { ticks: n, policy: 'sole', decisionsOnly: true, handleBase: 5 });
  const ta = openTrace(pa), tb = openTrace(pb);
  let read = 0;
  const tRead = seconds(() => {
    for (const ev of ta.iterate()) if (ev.body.case === 'decision') read++;
    for (const ev of tb.iterate()) if (ev.body.case === 'decision') read++;
  });
  ctx.report(`read + decode ${read} decision events from two .csft files`, tRead, 's');
  let hunkCount = 0;
  const tDiff = seconds(() => {
    const r = diffReport(diffTraces(ta, tb), { maxHunks: 50 });
    hunkCount = r.decisions.hunks;
  });
  ctx.report(`csftrace diff of two .csft files, ${n} decisions each, ${hunkCount} hunks`, tDiff, 's', '≤ 2 s');
  const tSame = seconds(() => { hunkCount = diffReport(diffTraces(ta, ta)).decisions.hunks; });
  ctx.report(`csftrace diff of a .csft file with itself, ${n} decisions, ${hunkCount} hunks`, tSame, 's', '≤ 2 s');
  ta.close(); tb.close();
}

export const diffBench: Bench = { name: 'diff', run };
