/**
 * The heap debates and the EGL layer as the model runs them: heap lifetime on removal (kref /
 * revoke / pinned), the protected heap name read from a DT property or a module parameter (with a
 * second GPU), and EGL_EXT_protected_content contexts. Each test asserts the traced sequence and
 * the outcome.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DevQueryType, EglOp, HeapOp, HeapPurpose, IoctlCmd, ProbeStage, EBUSY, EINVAL, ENODATA, ENODEV, EPROBE_DEFER,
  DRM_PANTHOR_GROUP_CREATE_PROTECTED, type EventInit,
} from '../proto/index.js';
import { applyOverrides, loadBuiltin, parseScenario } from './scenario/index.js';
import { runModel, type ModelRun } from './index.js';
import type { ScenarioConfig } from './contract.js';
import { EGL_BAD_ACCESS, EGL_SUCCESS, Egl } from './userspace/index.js';
import { Sim, ms } from './sim/index.js';

interface Ev { i: number; t: number; body: NonNullable<EventInit['body']> }

function record(cfg: ScenarioConfig): { events: Ev[]; run: ModelRun } {
  const events: Ev[] = [];
  const run = runModel(cfg, { sinks: [{ onEvent: (ev: EventInit) => { if (ev.body) events.push({ i: events.length, t: ev.t ?? 0, body: ev.body }); } }] });
  return { events, run };
}
const yaml = (text: string): ScenarioConfig => parseScenario(text, 'test.yaml');

function heapOps(events: Ev[], op: HeapOp, name?: string) {
  const out: { i: number; t: number; result: number; refcount: number; purpose: number; device: number; group: number }[] = [];
  for (const e of events) {
    if (e.body.case !== 'heap' || (e.body.value.op ?? 0) !== op) continue;
    const v = e.body.value;
    if (name !== undefined && v.heapName !== name) continue;
    out.push({ i: e.i, t: e.t, result: v.result ?? 0, refcount: v.refcount ?? 0, purpose: v.purpose ?? 0, device: v.device ?? 0, group: v.groupHandle ?? 0 });
  }
  return out;
}
function probes(events: Ev[], device = 0) {
  const out: { i: number; t: number; stage: number; result: number; heapName: string; nameSet: boolean }[] = [];
  for (const e of events) {
    if (e.body.case !== 'probe' || (e.body.value.device ?? 0) !== device) continue;
    const v = e.body.value;
    out.push({ i: e.i, t: e.t, stage: v.stage ?? 0, result: v.result ?? 0, heapName: v.heapName ?? '', nameSet: v.nameSet ?? false });
  }
  return out;
}
function groupCreates(events: Ev[], pid: number) {
  const out: { t: number; ret: number; flags: number }[] = [];
  for (const e of events) {
    if (e.body.case !== 'ioctl' || e.body.value.cmd !== IoctlCmd.GROUP_CREATE || e.body.value.pid !== pid) continue;
    const a = e.body.value.args;
    out.push({ t: e.t, ret: e.body.value.ret ?? 0, flags: a?.case === 'groupCreate' ? a.value.flags ?? 0 : 0 });
  }
  return out;
}
const stages = (p: { stage: number }[]): number[] => p.map((x) => x.stage);

// ───────────────────────────── heap lifetime ─────────────────────────────

test('heap-remove-held (kref as posted): the device keeps its reference; a new protected group still allocates from the removed heap', () => {
  const { events, run } = record(loadBuiltin('heap-remove-held'));
  const [rm] = heapOps(events, HeapOp.DMA_HEAP_REMOVE, 'protected');
  assert.ok(rm, 'DMA_HEAP_REMOVE');
  assert.equal(rm.t, ms(1000));
  assert.equal(rm.result, 0);
  assert.equal(rm.refcount, 1, 'the registration reference is gone, the device\'s dma_heap_find reference is held');
  // No dma_heap_put until the device goes away; the struct is freed by that put, at teardown.
  const puts = heapOps(events, HeapOp.DMA_HEAP_PUT, 'protected');
  assert.deepEqual(puts.map((p) => p.t), [ms(3000)]);
  const rel = heapOps(events, HeapOp.DMA_HEAP_RELEASE, 'protected');
  assert.equal(rel.length, 1);
  assert.ok(rel[0]!.i > puts[0]!.i);
  // video-2 (pid 1003) starts at 1.5 s: its PROTECTED group gets a suspend buffer from the removed heap.
  const gc = groupCreates(events, 1003);
  assert.deepEqual(gc.map((g) => [g.t, g.ret]), [[ms(1500), 0]]);
  assert.ok(gc[0]!.flags & DRM_PANTHOR_GROUP_CREATE_PROTECTED);
  const late = heapOps(events, HeapOp.DMA_HEAP_BUFFER_ALLOC, 'protected').filter((a) => a.t >= ms(1000));
  assert.deepEqual(late.map((a) => [a.purpose, a.result]), [[HeapPurpose.PURPOSE_PROTM_SUSPEND_BUF, 0]]);
  const v2 = run.apps.find((a) => a.name === 'video-2')!;
  assert.ok(v2.framesDone > 30, `video-2 frames ${v2.framesDone}`);
  assert.ok(run.apps.find((a) => a.name === 'video')!.framesDone > 80, 'the running player keeps its buffers and frames');
});

test('heap-remove-revoke: new protected groups fail with -ENODEV, the running player goes on', () => {
  const { events, run } = record(loadBuiltin('heap-remove-revoke'));
  const gc = groupCreates(events, 1003);
  assert.ok(gc.length >= 5, `retries ${gc.length}`);
  assert.ok(gc.every((g) => g.ret === -ENODEV));
  const late = heapOps(events, HeapOp.DMA_HEAP_BUFFER_ALLOC, 'protected').filter((a) => a.t >= ms(1000));
  assert.ok(late.length === gc.length && late.every((a) => a.result === -ENODEV && a.purpose === HeapPurpose.PURPOSE_PROTM_SUSPEND_BUF));
  assert.equal(run.apps.find((a) => a.name === 'video-2')!.framesDone, 0);
  assert.ok(run.apps.find((a) => a.name === 'video')!.framesDone > 80);
  // The device's reference still holds the heap until teardown.
  assert.deepEqual(heapOps(events, HeapOp.DMA_HEAP_RELEASE, 'protected').map((r) => r.t), [ms(3000)]);
});

test('heap_lifetime pinned: the removal is refused with -EBUSY and nothing changes for the apps', () => {
  const cfg = loadBuiltin('heap-remove-held');
  const { events } = record({ ...cfg, driver: { ...cfg.driver, heapLifetime: 'pinned' } });
  const [rm] = heapOps(events, HeapOp.DMA_HEAP_REMOVE, 'protected');
  assert.ok(rm, 'DMA_HEAP_REMOVE');
  assert.equal(rm.result, -EBUSY);
  assert.equal(rm.refcount, 2);
  assert.deepEqual(groupCreates(events, 1003).map((g) => g.ret), [0]);
});

test('userspace-dmabuf (the device holds no heap reference): kref frees the heap at removal with buffers alive; revoke waits for the last buffer', () => {
  const base = applyOverrides(loadBuiltin('userspace-dmabuf'), { duration: ms(2000) });
  const cfg = (lifetime: 'kref' | 'revoke'): ScenarioConfig => ({
    ...base, driver: { ...base.driver, heapLifetime: lifetime },
    faults: [{ at: ms(1200), kind: 'heap-remove', app: '', heap: 'restricted_mtk_cma', count: 1 }],
  });
  const kref = record(cfg('kref')).events;
  const rk = heapOps(kref, HeapOp.DMA_HEAP_RELEASE, 'restricted_mtk_cma');
  assert.deepEqual(rk.map((r) => r.t), [ms(1200)], 'freed at the removal');
  const after = kref.filter((e) => e.i > rk[0]!.i && e.body.case === 'heap' && e.body.value.heapName === 'restricted_mtk_cma'
    && e.body.value.op === HeapOp.DMA_BUF_RELEASE);
  assert.ok(after.length > 0, 'buffers of the freed heap are released later (use after free)');
  const revoke = record(cfg('revoke')).events;
  const rr = heapOps(revoke, HeapOp.DMA_HEAP_RELEASE, 'restricted_mtk_cma');
  assert.equal(rr.length, 1);
  const lastBuf = revoke.filter((e) => e.body.case === 'heap' && e.body.value.op === HeapOp.DMA_BUF_RELEASE && e.body.value.heapName === 'restricted_mtk_cma').at(-1)!;
  assert.ok(rr[0]!.i > lastBuf.i, 'freed after its last buffer');
});

// ───────────────────────────── DT property vs module parameter ─────────────────────────────

const APPS = `
heaps: [{ name: system, kind: system }, { name: protected, kind: protected-carveout, size: 64MiB }]
apps: [{ name: video, kind: video-player, buffers: 0 }]
duration: 400ms
`;

function probeCase(driver: string) {
  const { events, run } = record(yaml(`driver: { ${driver} }\n${APPS}`));
  const gc = groupCreates(events, 1001);
  const info = events.find((e) => e.body.case === 'ioctl' && e.body.value.args?.case === 'devQuery'
    && e.body.value.args.value.type === DevQueryType.DRM_PANTHOR_DEV_QUERY_PROTECTED_INFO && (e.body.value.args.value.pointer ?? 0) !== 0);
  const features = info && info.body.case === 'ioctl' && info.body.value.args?.case === 'devQuery' ? info.body.value.args.value.protectedFeatures ?? 0 : -1;
  return { p: probes(events), gc, features, run };
}

test('module parameter present and found: probe with the heap, protected groups work', () => {
  const r = probeCase('heap_name_source: module-param, protected_heap_name: protected');
  assert.deepEqual(stages(r.p).slice(0, 3), [ProbeStage.PROBE_START, ProbeStage.PROBE_HEAP_LOOKUP, ProbeStage.PROBE_FW_LOAD]);
  assert.ok(stages(r.p).includes(ProbeStage.PROBE_DONE));
  assert.equal(r.features, 1);
  assert.equal(r.gc[0]!.ret, 0);
});

test('module parameter absent or empty: no protected support (PROBE_NO_PROTECTED); PROTECTED_INFO 0, protected groups -EINVAL', () => {
  for (const d of ['heap_name_source: module-param, heap_name_state: absent', 'heap_name_source: module-param, protected_heap_name: ""']) {
    const r = probeCase(d);
    assert.deepEqual(stages(r.p).slice(0, 4), [ProbeStage.PROBE_START, ProbeStage.PROBE_HEAP_NAME, ProbeStage.PROBE_NO_PROTECTED, ProbeStage.PROBE_FW_LOAD], d);
    assert.equal(r.p[1]!.nameSet, !d.includes('absent'), d);
    assert.ok(stages(r.p).includes(ProbeStage.PROBE_DONE), d);
    assert.ok(!stages(r.p).includes(ProbeStage.PROBE_HEAP_LOOKUP), `${d}: no lookup`);
    assert.equal(r.features, 0, d);
    assert.ok(r.gc.length > 0 && r.gc.every((g) => g.ret === -EINVAL), d);
  }
});

test('DT property absent: of_property_read_string -EINVAL, no protected support', () => {
  const r = probeCase('heap_name_source: dt, heap_name_state: absent');
  assert.deepEqual(stages(r.p).slice(0, 3), [ProbeStage.PROBE_START, ProbeStage.PROBE_HEAP_NAME, ProbeStage.PROBE_NO_PROTECTED]);
  assert.equal(r.p[1]!.result, -EINVAL);
  assert.equal(r.p[1]!.nameSet, false);
  assert.ok(stages(r.p).includes(ProbeStage.PROBE_DONE));
  assert.ok(r.gc.every((g) => g.ret === -EINVAL));
});

test('DT property without a value: -ENODATA, the probe fails and the render node never appears', () => {
  const r = probeCase('heap_name_source: dt, heap_name_state: no-value');
  assert.deepEqual(stages(r.p), [ProbeStage.PROBE_START, ProbeStage.PROBE_HEAP_NAME, ProbeStage.PROBE_FAILED]);
  assert.equal(r.p[2]!.result, -ENODATA);
  assert.equal(r.gc.length, 0);
  assert.ok(r.run.apps[0]!.setupRetries > 0);
});

test('DT property "" is looked up (no strlen check) and never found: the probe stays deferred; the module parameter "" is no protected support', () => {
  const r = probeCase('heap_name_source: dt, protected_heap_name: ""');
  assert.deepEqual(stages(r.p), [ProbeStage.PROBE_START, ProbeStage.PROBE_HEAP_NAME, ProbeStage.PROBE_HEAP_LOOKUP, ProbeStage.PROBE_DEFER]);
  assert.equal(r.p[3]!.result, -EPROBE_DEFER);
  assert.equal(r.gc.length, 0);
});

test('a name that matches no heap: deferred for good under either source', () => {
  for (const src of ['dt', 'module-param']) {
    const r = probeCase(`heap_name_source: ${src}, protected_heap_name: nosuchheap`);
    assert.deepEqual(stages(r.p), [ProbeStage.PROBE_START, ProbeStage.PROBE_HEAP_LOOKUP, ProbeStage.PROBE_DEFER], src);
    assert.equal(r.p[0]!.heapName, 'nosuchheap');
    assert.equal(r.gc.length, 0, src);
  }
});

test('two GPUs: DT properties per device vs one module parameter for both', () => {
  const dt = record(loadBuiltin('two-gpus-dt')).events;
  const mp = record(loadBuiltin('two-gpus-module-param')).events;
  const done = (ev: Ev[], d: number) => probes(ev, d).find((p) => p.stage === ProbeStage.PROBE_DONE)!.t;
  // DT: GPU 0 probes at once with its carve-out; GPU 1 defers until its TEE heap registers at 1.5 s.
  assert.ok(done(dt, 0) < ms(20));
  assert.deepEqual(stages(probes(dt, 1)).slice(0, 4), [ProbeStage.PROBE_START, ProbeStage.PROBE_HEAP_LOOKUP, ProbeStage.PROBE_DEFER, ProbeStage.PROBE_START]);
  assert.equal(done(dt, 1), ms(1500));
  assert.deepEqual(heapOps(dt, HeapOp.DMA_HEAP_FIND).filter((f) => f.result === 0).map((f) => [f.device]), [[0], [1]]);
  // Module parameter: both read restricted_mtk_cma; GPU 0 defers too and probes only after 1.5 s.
  assert.equal(probes(mp, 0)[0]!.heapName, 'restricted_mtk_cma');
  assert.ok(done(mp, 0) >= ms(1500));
  assert.equal(done(mp, 1), ms(1500));
  const firstFrame = (ev: Ev[]) => ev.find((e) => e.body.case === 'job' && e.body.value.phase === 2 && (e.body.value.group ?? 0) > 0)?.t ?? -1;
  assert.ok(firstFrame(dt) < ms(300) && firstFrame(mp) > ms(1500), `first job done ${firstFrame(dt)} vs ${firstFrame(mp)}`);
  // Both GPUs drop their references at teardown.
  assert.deepEqual(heapOps(mp, HeapOp.DMA_HEAP_PUT).map((p) => p.device).sort(), [0, 1]);
});

// ───────────────────────────── EGL_EXT_protected_content ─────────────────────────────

test('eglMakeCurrent: protected surfaces need a protected context, draw and read agree', () => {
  const sim = new Sim(1);
  const egl = new Egl(sim, 1, false);
  const prot = egl.contextCreated(true, 0, 7)!;
  const norm = egl.contextCreated(false, 0, 8)!;
  const ps = egl.surfaceCreated(true, [1], true)!, ns = egl.surfaceCreated(false, [], true)!;
  assert.equal(egl.makeCurrent(prot, ps, ps), EGL_SUCCESS);
  assert.equal(egl.makeCurrent(norm, ps, ps), EGL_BAD_ACCESS);
  assert.equal(egl.current?.ctx, prot, 'a failed eglMakeCurrent leaves the binding');
  assert.equal(egl.makeCurrent(norm, ps, ns), EGL_BAD_ACCESS);
  assert.equal(egl.makeCurrent(prot, ps, ns), EGL_BAD_ACCESS);
  assert.equal(egl.makeCurrent(norm, ns, ns), EGL_SUCCESS);
  assert.equal(egl.errors, 3);
  assert.equal(egl.contextCreated(true, -ENODEV, 0), null);
});

test('egl-protected: a protected context is a PROTECTED group with PROT_REGION frames; a protected surface in a normal context is EGL_BAD_ACCESS', () => {
  const { events, run } = record(loadBuiltin('egl-protected'));
  const egl = events.filter((e) => e.body.case === 'egl').map((e) => e.body.case === 'egl' ? e.body.value : null)!;
  const of = (pid: number) => egl.filter((v) => v!.pid === pid).map((v) => [v!.op ?? 0, v!.protectedContent ?? false, v!.error ?? 0]);
  // The player: protected surface over its 4 protected buffers, protected context, made current.
  assert.deepEqual(of(1002).slice(0, 3), [
    [EglOp.EGL_CREATE_SURFACE, true, EGL_SUCCESS], [EglOp.EGL_CREATE_CONTEXT, true, EGL_SUCCESS], [EglOp.EGL_MAKE_CURRENT, true, EGL_SUCCESS]]);
  const ctx = egl.find((v) => v!.pid === 1002 && v!.op === EglOp.EGL_CREATE_CONTEXT)!;
  const gc = groupCreates(events, 1002);
  assert.ok(gc[0]!.flags & DRM_PANTHOR_GROUP_CREATE_PROTECTED);
  const protSubmits = events.filter((e) => e.body.case === 'ioctl' && e.body.value.args?.case === 'groupSubmit'
    && e.body.value.args.value.groupHandle === ctx!.groupHandle && e.body.value.args.value.queueSubmits?.[0]?.protRegion);
  assert.ok(protSubmits.length > 40, `PROT_REGION submits ${protSubmits.length}`);
  // The browser: normal context, a protected pbuffer from the heap, then the mixed eglMakeCurrent fails.
  assert.deepEqual(of(1003).slice(0, 5), [
    [EglOp.EGL_CREATE_SURFACE, false, EGL_SUCCESS], [EglOp.EGL_CREATE_CONTEXT, false, EGL_SUCCESS], [EglOp.EGL_MAKE_CURRENT, false, EGL_SUCCESS],
    [EglOp.EGL_CREATE_SURFACE, true, EGL_SUCCESS], [EglOp.EGL_MAKE_CURRENT, false, EGL_BAD_ACCESS]]);
  assert.ok(!(groupCreates(events, 1003)[0]!.flags & DRM_PANTHOR_GROUP_CREATE_PROTECTED));
  const browser = run.apps.find((a) => a.name === 'browser')!;
  assert.ok(browser.framesDone > 40, 'the browser goes on without the video');
  // The browser exits at 1.8 s: its context and window surface are destroyed after its group.
  assert.deepEqual(of(1003).slice(-2).map((x) => x[0]), [EglOp.EGL_DESTROY_CONTEXT, EglOp.EGL_DESTROY_SURFACE]);
});

test('EGL calls are traced only when asked: the same ioctls either way', () => {
  const cfg = loadBuiltin('egl-protected');
  const off = { ...cfg, apps: cfg.apps.map((a) => ({ ...a, egl: false })) };
  const a = record(cfg).events.filter((e) => e.body.case !== 'egl');
  const b = record(off).events;
  assert.equal(b.filter((e) => e.body.case === 'egl').length, 0);
  assert.equal(a.length, b.length);
  assert.deepEqual(a.map((e) => e.body.case), b.map((e) => e.body.case));
});
