/**
 * The heap debates on recorded model runs: check (R33, R34 and no false positives), the replayed
 * platform state (GPU probes, freed heaps, EGL errors), and diff's devices rows between the
 * variants of each debate point.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeapOp, type EventInit } from '../../proto/index.js';
import { applyOverrides, loadBuiltin, runModel, type ScenarioConfig } from '../../hw-model/index.js';
import { diffReport, diffTraces } from '../diff/diff.js';
import { renderDiffText } from '../diff/render.js';
import { Replayer } from '../replayer.js';
import { renderState } from '../render-state.js';
import { decodeStateSnapshot, encodeStateSnapshot, SNAPSHOT_ENCODING_JSON } from '../snapshot.js';
import { memoryTrace, type TraceFile } from '../trace-file.js';
import { normalizeEventInit } from '../verify.js';
import { checkTrace } from './check.js';

function trace(cfg: ScenarioConfig): TraceFile {
  const events: EventInit[] = [];
  runModel(cfg, { sinks: [{ onEvent: (ev: EventInit) => { events.push(normalizeEventInit(ev)); } }] });
  return memoryTrace({ policy: cfg.driver.protmPolicy, heapPolicy: cfg.driver.heapPolicy, scenarioName: cfg.name, durationNs: cfg.duration }, events);
}
const rules = (tr: TraceFile): string[] => checkTrace(tr).findings.map((f) => f.rule);
const finalState = (tr: TraceFile) => { const r = Replayer.open(tr); return r.stateAt(tr.eventCount - 1); };
/** The state before the teardown at the end of the run (the last event earlier than `t`). */
const stateBefore = (tr: TraceFile, t: number) => {
  let i = tr.eventCount - 1;
  while (i > 0 && tr.event(i).t >= t) i--;
  return Replayer.open(tr).stateAt(i);
};

const held = trace(loadBuiltin('heap-remove-held'));
const revoke = trace(loadBuiltin('heap-remove-revoke'));

test('check on heap-remove-held: only R33, once, at the allocation from the removed heap; revoke is clean', () => {
  const r = checkTrace(held);
  assert.deepEqual(r.findings.map((f) => f.rule), ['R33']);
  const f = r.findings[0];
  assert.ok(f);
  const ev = held.event(f.index);
  assert.ok(ev.body.case === 'heap' && ev.body.value.op === HeapOp.DMA_HEAP_BUFFER_ALLOC && ev.body.value.groupHandle === 3);
  assert.match(f.message, /allocated by the kernel for group 3 from heap "protected" after its removal at #\d+/);
  const rm = held.event(f.related[0]!);
  assert.ok(rm.body.case === 'heap' && rm.body.value.op === HeapOp.DMA_HEAP_REMOVE);
  assert.deepEqual(rules(revoke), []);
});

test('R34: under kref a heap without device references is freed at removal while its buffers live; revoke frees it after the last', () => {
  const base = applyOverrides(loadBuiltin('userspace-dmabuf'), { duration: 2_000_000_000 });
  const cfg = (heapLifetime: 'kref' | 'revoke'): ScenarioConfig => ({
    ...base, driver: { ...base.driver, heapLifetime },
    faults: [{ at: 1_200_000_000, kind: 'heap-remove', app: '', heap: 'restricted_mtk_cma', count: 1 }],
  });
  const k = checkTrace(trace(cfg('kref'))).findings.filter((f) => f.rule === 'R34');
  assert.ok(k.length >= 2, `R34 findings ${k.length}`);
  assert.match(k[0]!.message, /heap "restricted_mtk_cma" freed \(last reference dropped\) while \d+ of its buffers are alive/);
  assert.ok(k.slice(1).every((f) => /after the heap was freed at #\d+: a use after free/.test(f.message)));
  assert.deepEqual(checkTrace(trace(cfg('revoke'))).findings.filter((f) => f.rule === 'R34' || f.rule === 'R33'), []);
});

test('replayed state: both GPUs\' probe outcomes, a freed heap, EGL errors', () => {
  const dt = stateBefore(trace(applyOverrides(loadBuiltin('two-gpus-dt'), { duration: 1_000_000_000 })), 1_000_000_000);
  assert.equal(dt.platform.gpus['0']?.outcome, 'probed');
  assert.equal(dt.platform.gpus['0']?.protectedHeap, 'protected');
  assert.equal(dt.platform.gpus['1']?.outcome, 'deferred');
  assert.equal(dt.platform.gpus['1']?.heapName, 'restricted_mtk_cma');
  const rows = renderState(dt).find((t) => t.title === 'GPU probes')!.rows;
  assert.deepEqual(rows.map((r) => [r[0], r[1], r[4]]), [['0', 'probed', 'protected'], ['1', 'deferred', 'none']]);
  const h = finalState(held);
  assert.ok((h.platform.heapsReleased.protected ?? 0) > 0);
  assert.match(renderState(h).find((t) => t.title === 'Heaps')!.rows.find((r) => r[0] === 'protected')![9] ?? '', /^freed at #\d+$/);
  const egl = finalState(trace(loadBuiltin('egl-protected')));
  assert.equal(egl.platform.eglErrors, 1);
  assert.equal(egl.platform.lastEglError?.error, 'EGL_BAD_ACCESS');
  assert.equal(egl.platform.egl['1002']?.protected, true);
  assert.equal(egl.platform.egl['1003']?.context, 0, 'the browser exited: its context is gone');
});

test('a snapshot from before the platform state replays with an empty one', () => {
  const s = finalState(held);
  const old = JSON.parse(new TextDecoder().decode(encodeStateSnapshot(s))) as Record<string, unknown>;
  delete old.platform;
  const back = decodeStateSnapshot({ eventIndex: 5, timeNs: 0, state: new TextEncoder().encode(JSON.stringify(old)), encoding: SNAPSHOT_ENCODING_JSON });
  assert.deepEqual(back.platform, { gpus: {}, heapsReleased: {}, heapRemovalsRefused: 0, egl: {}, eglErrors: 0, lastEglError: null });
});

test('diff of the variants: the devices table shows each debate point\'s consequence per device, heap and app', () => {
  const rep = diffReport(diffTraces(held, revoke));
  const row = (s: string, m: string) => rep.devices.find((d) => d.subject === s && d.metric === m);
  assert.deepEqual(row('heap protected', 'allocations after removal'), { subject: 'heap protected', metric: 'allocations after removal', a: '1', b: '0' });
  assert.equal(row('app video-2', 'protected GROUP_CREATE failures')!.a, '-');
  assert.match(row('app video-2', 'protected GROUP_CREATE failures')!.b, /^\d+ × ENODEV$/);
  assert.ok(rep.consequences.apps.some((a) => a.name === 'video-2' && a.a && !a.b), 'video-2 ran only under kref');
  const dt = trace(loadBuiltin('two-gpus-dt')), mp = trace(loadBuiltin('two-gpus-module-param'));
  const r2 = diffReport(diffTraces(dt, mp));
  const g0 = r2.devices.filter((d) => d.subject === 'gpu 0');
  assert.deepEqual(g0.map((d) => [d.metric, d.a, d.b]), [
    ['probe outcome', 'probed at 8.000ms', 'probed at 1.508000s'], ['probe attempts', '1', '2'], ['protected heap', 'protected', 'restricted_mtk_cma']]);
  assert.deepEqual(r2.devices.filter((d) => d.subject === 'gpu 1').map((d) => d.a === d.b), [true, true, true]);
  const text = renderDiffText(r2).join('\n');
  assert.match(text, /devices, heaps and app errors/);
  assert.match(text, /gpu 0 +probe outcome +probed at 8\.000ms +probed at 1\.508000s +≠/);
});
