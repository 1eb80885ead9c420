import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { memoryTrace, type TraceFile } from '../trace-file.js';
import type { EventInit, SchedRule } from '../../proto/index.js';
import { diffReport, diffTraces } from './diff.js';
import { DiffNavigator } from './navigator.js';
import { renderDiffText } from './render.js';
import { syntheticEvents, syntheticHeader, type SyntheticOptions } from './synthetic.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MS = 1_000_000;

function trace(o: SyntheticOptions, policy = o.policy ?? 'shared'): TraceFile {
  return memoryTrace(syntheticHeader(policy), syntheticEvents(o), { chunkEvents: 64 });
}

test('diff(a, a) is empty and same', () => {
  const a = trace({ ticks: 40 });
  const d = diffTraces(a, a);
  assert.equal(d.same, true);
  assert.deepEqual(d.hunks, []);
  const r = diffReport(d);
  assert.equal(r.firstDivergence, null);
  assert.equal(r.decisions.matched, 40);
  assert.match(renderDiffText(r).join('\n'), /^same: /m);
});

test('groups are matched by identity, not by handle', () => {
  const a = trace({ ticks: 30 });
  const b = trace({ ticks: 30, handleBase: 7, reverseCreate: true });
  const d = diffTraces(a, b);
  assert.deepEqual(d.hunks, []);
  assert.equal(d.same, true);
});

test('two policies: the first divergence is the first protected-mode decision', () => {
  // Hand check: with protmEvery = 10 the video player asks for protected mode at ticks 9, 19, 29;
  // 'shared' keeps the others resident, 'sole' suspends them: decisions 9, 19 and 29 differ.
  const a = trace({ ticks: 30, policy: 'shared' });
  const b = trace({ ticks: 30, policy: 'sole', handleBase: 4 });
  const d = diffTraces(a, b);
  assert.equal(d.same, false);
  assert.deepEqual(d.hunks.map((h) => [h.aStart, h.aEnd, h.bStart, h.bEnd]), [[9, 10, 9, 10], [19, 20, 19, 20], [29, 30, 29, 30]]);
  const r = diffReport(d);
  const f = r.firstDivergence!;
  assert.equal(f.a.decision!.decision, 9);
  assert.equal(f.b.decision!.decision, 9);
  assert.equal(f.a.decision!.t, 3_000 + 100 * MS);
  assert.match(f.a.decision!.text, /TRIGGER_PROTM_PENDING .*PROTM_GRANTED video-player:0 \(RULE_FIRST_OF_HIGHEST_LIST\)/);
  assert.match(f.b.decision!.text, /evict\[compositor:0, game:0\] PROTM_GRANTED video-player:0 \(RULE_KBASE_SOLE_RESIDENT\)/);
  assert.equal(f.a.lastCommon!.decision, 8);
  assert.ok(f.a.inputs.some((l) => /^video-player:0: .*protm_pending, protected/.test(l)), f.a.inputs.join('\n'));
  // Events since the last common decision: tick 8's job start/done, then tick 9's queued job.
  assert.deepEqual(f.a.eventsSince.map((e) => e.event), [f.a.lastCommon!.event + 1, f.a.lastCommon!.event + 2, f.a.lastCommon!.event + 3]);
  assert.match(f.a.eventsSince[2]!.text, /job .*JOB_QUEUED/);
  assert.deepEqual(r.header, [{ field: 'policy', a: 'shared', b: 'sole' }]);
});

test('consequences per app and group, A / B / delta', () => {
  const a = trace({ ticks: 20, policy: 'shared' });
  const b = trace({ ticks: 20, policy: 'sole' });
  const r = diffReport(diffTraces(a, b));
  const t = r.consequences.total;
  assert.equal(t.a.protectedNs, 2 * 6 * MS);
  assert.equal(t.b.protectedNs, 2 * 3 * MS);
  assert.equal(t.delta.protectedNs, -6 * MS);
  assert.equal(t.a.protmEnters, 2);
  assert.equal(t.b.protmExits, 2);
  const video = r.consequences.apps.find((x) => x.name === 'video-player')!;
  assert.equal(video.a!.protectedNs, 12 * MS);
  assert.equal(video.a!.protmEnters, 2);
  assert.equal(video.a!.jobsDone, 2);
  assert.equal(video.a!.latencyMaxNs, 2 * MS + 2000);
  const comp = r.consequences.groups.find((x) => x.name === 'compositor:0')!;
  assert.equal(comp.a!.jobsDone, 10); // even ticks 0, 2, ..., 18 (protected-mode ticks are 9 and 19)
  assert.equal(comp.a!.latencyP50Ns, 2 * MS + 1000);
  assert.equal(comp.delta.jobsDone, 0);
  assert.equal(comp.a!.lateFrames, 0);
  assert.equal(r.consequences.apps.find((x) => x.name === 'game')!.a!.jobsDone, 8);
});

test('one extra decision in B yields exactly one hunk (a pure insertion)', () => {
  const a = trace({ ticks: 50 });
  const b = trace({ ticks: 50, extraAt: 23 });
  const d = diffTraces(a, b);
  assert.equal(d.hunks.length, 1);
  const h = d.hunks[0];
  assert.ok(h);
  assert.equal(h.aEnd - h.aStart, 0);
  assert.equal(h.bEnd - h.bStart, 1);
  const r = diffReport(d);
  assert.equal(r.firstDivergence!.a.decision, null);
  assert.match(r.firstDivergence!.b.decision!.text, /TRIGGER_SYNC_UPDATE/);
});

test('navigator links positions through the alignment and walks the differences', () => {
  const a = trace({ ticks: 30, policy: 'shared' });
  const b = trace({ ticks: 30, policy: 'sole', extraAt: 4 });
  const d = diffTraces(a, b);
  const nav = new DiffNavigator(d);
  assert.equal(nav.hunkCount, 4);
  // Decision 12 of A is decision 13 of B (one extra decision in B at tick 4).
  assert.equal(nav.linkedDecision('a', 12), 13);
  assert.equal(nav.linkedDecision('b', 13), 12);
  // Inside the insertion hunk, B's extra decision links to A's last common decision.
  assert.equal(nav.linkedDecision('b', 4), 3);
  const ea = d.trackA.eventIndex[12]!, eb = d.trackB.eventIndex[13]!;
  assert.equal(nav.linkedEvent('a', ea), eb);
  assert.equal(nav.linkedEvent('a', ea + 1), eb + 1);
  assert.equal(nav.linkedEvent('b', eb + 1), ea + 1);
  const first = nav.nextDifference('a', -1)!;
  assert.equal(first.index, 0);
  const second = nav.nextDifference('a', first.aEvent)!;
  assert.equal(second.index, 1);
  assert.equal(second.aFrom, 9);
  assert.equal(nav.prevDifference('a', second.aEvent)!.index, 0);
  assert.equal(nav.prevDifference('a', first.aEvent), undefined);
  assert.equal(nav.nextDifference('b', d.trackB.eventIndex[d.trackB.count - 1]!), undefined);
  assert.equal(nav.isDifferent('a', d.trackA.eventIndex[9]!), true);
  assert.equal(nav.isDifferent('a', d.trackA.eventIndex[8]!), false);
});

test('JSON report is stable (snapshot)', () => {
  const a = trace({ ticks: 24, policy: 'shared' });
  const b = trace({ ticks: 24, policy: 'sole', extraAt: 15, handleBase: 9 });
  const r = diffReport(diffTraces(a, b), { context: 2, eventsShown: 5 });
  const text = JSON.stringify(r, null, 2) + '\n';
  const file = `${ROOT}replayer/diff/diff-report.snapshot.json`;
  if (process.env.UPDATE_SNAPSHOTS === '1') writeFileSync(file, text);
  const want = readFileSync(file, 'utf8');
  if (text !== want) {
    const x = text.split('\n'), y = want.split('\n');
    let k = 0;
    while (k < x.length && x[k] === y[k]) k++;
    assert.fail(`report differs from ${file} at line ${k + 1}:\n  got:  ${x[k]}\n  want: ${y[k]}\n(UPDATE_SNAPSHOTS=1 to accept)`);
  }
});

test('skimming raw chunks and iterating decoded events extract the same decisions and consequences', async () => {
  const { extractDecisions, DiffContext } = await import('./extract.js');
  const { LabelInterner } = await import('./identity.js');
  const t = trace({ ticks: 80, policy: 'sole', extraAt: 30, handleBase: 3 });
  const iterOnly = { header: t.header, eventCount: t.eventCount, iterate: t.iterate.bind(t), event: t.event.bind(t) };
  const ctx = new DiffContext(new LabelInterner());
  const skim = extractDecisions(t, ctx);
  const iter = extractDecisions(iterOnly, ctx);
  assert.equal(skim.count, 81);
  assert.deepEqual([...skim.outcome], [...iter.outcome]);
  assert.deepEqual([...skim.eventIndex], [...iter.eventIndex]);
  assert.deepEqual([...skim.timeNs], [...iter.timeNs]);
  assert.deepEqual(skim.consequences, iter.consequences);
  assert.deepEqual(skim.identities.created, iter.identities.created);
});

test('skimming and iterating agree on random event sequences (long varints, big bodies, far causes)', async () => {
  const { extractDecisions, DiffContext } = await import('./extract.js');
  const { LabelInterner } = await import('./identity.js');
  const fc = (await import('fast-check')).default;
  const { arbEvents } = await import('../test-events.js');
  let decisions = 0, seen = 0;
  // runs of random events one after the other (fast-check's arrays are short by default)
  // and, so that the skim meets varints of two bytes in the events' heads, every seventh event past
  // the 140th caused from 128–139 events back, and after each run a decision of 20 run-queue
  // entries and a log line of 200 characters (events and bodies of 128 bytes or more)
  const inputs = Array.from({ length: 20 }, (_, k) => ({ group: k + 1, priority: k % 4, csgSlot: k % 8, canRun: true, vmId: k }));
  const long = fc.array(arbEvents(300), { minLength: 10, maxLength: 40 }).map((runs) => {
    const out: EventInit[] = [];
    for (const run of runs) {
      const t0 = out.at(-1)?.t ?? 0;
      for (const e of run) out.push({ ...e, t: t0 + (e.t ?? 0), cause: out.length >= 140 && out.length % 7 === 0 ? 128 + (out.length % 12) : e.cause });
      const t = out.at(-1)!.t ?? 0;
      out.push({ t, body: { case: 'decision', value: { tick: out.length, trigger: 1, inputs, slots: [{ slot: 0, group: 1, csgPriority: 3, action: 1 }] } } });
      out.push({ t, body: { case: 'log', value: { level: 1, msg: 'x'.repeat(200), source: 'test' } } });
    }
    return out;
  });
  const { encodeEvent, Writer } = await import('../../proto/index.js');
  let farCauses = 0, longEvents = 0, longDeltas = 0;
  fc.assert(fc.property(long, fc.integer({ min: 3, max: 64 }), (events: EventInit[], chunkEvents: number) => {
    const t = memoryTrace({ policy: 'panthor-2026' }, events, { chunkEvents });
    const iterOnly = { header: t.header, eventCount: t.eventCount, iterate: t.iterate.bind(t), event: t.event.bind(t) };
    const ctx = new DiffContext(new LabelInterner());
    const skim = extractDecisions(t, ctx), iter = extractDecisions(iterOnly, ctx);
    decisions += skim.count;
    seen += t.eventCount;
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!, w = new Writer(64);
      encodeEvent(w, e);
      if ((e.cause ?? 0) >= 128) farCauses++;
      if (w.finish().length >= 128) longEvents++;
      if ((e.t ?? 0) - (events[i - 1]?.t ?? 0) >= 128) longDeltas++;
    }
    assert.deepEqual([skim.count, [...skim.outcome], [...skim.eventIndex], [...skim.timeNs], [...skim.trigger], [...skim.rule], [...skim.noop]],
      [iter.count, [...iter.outcome], [...iter.eventIndex], [...iter.timeNs], [...iter.trigger], [...iter.rule], [...iter.noop]]);
    assert.deepEqual(skim.consequences, iter.consequences);
    assert.deepEqual(skim.platform, iter.platform);
    assert.deepEqual(skim.identities.created, iter.identities.created);
  }), { numRuns: 40, seed: 41 });
  assert.ok(decisions >= 100 && seen >= 3000, `only ${decisions} decisions in ${seen} random events`);
  // the heads' longer varints were met, which the skim leaves to the Reader
  assert.ok(farCauses >= 50 && longEvents >= 100 && longDeltas >= 1000, `${farCauses} far causes, ${longEvents} events of 128 bytes or more, ${longDeltas} long time deltas`);
});

test('a malformed event met while skimming names the file, the chunk and the event', () => {
  const good = memoryTrace(syntheticHeader('panthor-2026'), syntheticEvents({ ticks: 20 }), { chunkEvents: 16 });
  const bad = {
    path: 'bad.csft', header: good.header, eventCount: good.eventCount,
    iterate: () => good.iterate(), event: (i: number) => good.event(i),
    chunks: good.chunks.map((c) => ({ ...c, offset: 1000 + c.firstEvent })),
    // chunk 1: its third event claims more bytes than the chunk holds
    chunkBytes: (k: number): Uint8Array => {
      const raw = good.chunkBytes(k).slice();
      if (k !== 1) return raw;
      let p = 0;
      for (let j = 0; j < 2; j++) p += 1 + raw[p]!;
      raw[p] = 0x7f;
      return raw;
    },
  };
  assert.throws(() => diffTraces(bad, good), (e: Error) => /^bad\.csft: chunk at byte 1016: event 18: .+ \(at byte \d+\)$/.test(e.message) && !/\(at byte \d+\).*\(at byte/.test(e.message));
  // an event count that disagrees with the chunk's header
  const short = { ...bad, chunkBytes: (k: number) => good.chunkBytes(k), chunks: bad.chunks.map((c, k) => (k === 2 ? { ...c, eventCount: c.eventCount + 1 } : c)) };
  assert.throws(() => diffTraces(short, good), /^TraceError: bad\.csft: chunk at byte 1032: holds 16 events, its header says 17$/);
});

test('same outcome, another rule: listed apart, never the first divergence; a stop for d only with reasons', () => {
  const decision = (rule: SchedRule): EventInit[] => [
    { t: 0, body: { case: 'process', value: { op: 0, pid: 7, comm: 'video' } } },
    { t: MS, body: { case: 'decision', value: { tick: 1, trigger: 5, protm: 1, protmRule: rule, protmGroup: 0,
      slots: [{ slot: 0, group: 0, csgPriority: 15, action: 2 }] } } },
  ];
  const a = memoryTrace({ policy: 'x' }, decision(3)), b = memoryTrace({ policy: 'y' }, decision(4));
  const d = diffTraces(a, b);
  assert.equal(d.hunks.length, 0);
  assert.deepEqual(d.reasons, [{ a: 0, b: 0 }]);
  const r = diffReport(d);
  assert.equal(r.firstDivergence, null);
  assert.equal(r.reasons.length, 1);
  assert.equal(new DiffNavigator(d).hunkCount, 0);
  assert.equal(new DiffNavigator(diffTraces(a, b, { reasons: true })).hunkCount, 1);
});
