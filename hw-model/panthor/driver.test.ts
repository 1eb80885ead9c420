/**
 * The kernel model, driven through the uAPI with hand-made CS streams: one test per modelled rule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DevQueryType, FwIface, FwReqKind, GpuMode, GroupStateKind, HeapOp, ModeSwitchCause, ProbeStage, ProtmVerdict, ResetCause, ResetKind, ResetPhase,
  SchedRule, WatchdogOp, type EventInit, EACCES, EINVAL, ENOENT, EPERM,
} from '../../proto/index.js';
import type { ProtmPolicy } from '../contract.js';
import * as R from '../../proto/index.js';
import { DRI_RENDER_NODE } from '../contract.js';
import { ms, sec } from '../sim/index.js';
import { Client, bodies, boot, computeStream, protectedStream, testConfig } from './testing.js';
import * as U from './uapi.js';

/** Groups resident (ACTIVE) whenever the GPU is protected, per protected interval. */
function residentWhileProtected(events: EventInit[]): Set<number>[] {
  const resident = new Set<number>();
  const out: Set<number>[] = [];
  let cur: Set<number> | null = null;
  for (const e of events) {
    const b = e.body;
    if (!b) continue;
    if (b.case === 'groupState') {
      if (b.value.to === GroupStateKind.PANTHOR_CS_GROUP_ACTIVE) resident.add(b.value.group ?? 0);
      else if (b.value.from === GroupStateKind.PANTHOR_CS_GROUP_ACTIVE) resident.delete(b.value.group ?? 0);
      if (cur) for (const g of resident) cur.add(g);
    } else if (b.case === 'modeSwitch') {
      if (b.value.to === GpuMode.MODE_PROTECTED) { cur = new Set(resident); out.push(cur); }
      else if (b.value.from === GpuMode.MODE_PROTECTED) cur = null;
    }
  }
  return out;
}

/** A protected MEDIUM player and a busy LOW compute group under `policy`. */
function protectedVsCompute(policy: ProtmPolicy, pingInterval = sec(12)) {
  const b = boot(testConfig({ driver: { protmPolicy: policy, pingInterval } }));
  const video = new Client(b.k, 100, 'video');
  const compute = new Client(b.k, 101, 'compute');
  const vg = video.groupCreate({ protected: true, priority: U.PANTHOR_GROUP_PRIORITY_MEDIUM });
  const cg = compute.groupCreate({ priority: U.PANTHOR_GROUP_PRIORITY_LOW });
  assert.equal(vg.ret, 0);
  assert.equal(cg.ret, 0);
  for (let i = 0; i < 4; i++) compute.submit(cg.handle, computeStream(ms(30)));
  b.sim.run(b.sim.now + ms(5));
  assert.equal(video.submit(vg.handle, protectedStream(ms(40))), 0);
  return { ...b, video, compute, vg: vg.handle, cg: cg.handle };
}

test('kbase: no other CSG is resident while the GPU is protected', () => {
  const r = protectedVsCompute('kbase');
  r.sim.run(r.sim.now + ms(300));
  const intervals = residentWhileProtected(r.events);
  assert.ok(intervals.length > 0, 'the GPU entered protected mode');
  for (const s of intervals) assert.deepEqual([...s], [r.vg]);
  assert.ok(bodies(r.events, 'decision').some((d) => d.protmRule === SchedRule.RULE_KBASE_SOLE_RESIDENT));
  assert.equal(r.video.done, 1, 'the protected frame completed');
});

test('rfc-2025: other CSGs stay resident (stalled) while protected', () => {
  const r = protectedVsCompute('rfc-2025');
  r.sim.run(r.sim.now + ms(300));
  const intervals = residentWhileProtected(r.events);
  assert.ok(intervals.length > 0);
  assert.ok(intervals.some((s) => s.has(r.cg)), 'the compute group was resident during protected mode');
});

test('panthor-2026: a watchdog PING while protected forces an exit; -reviewed and kbase skip the PING', () => {
  const posted = protectedVsCompute('panthor-2026', ms(20));
  posted.sim.run(posted.sim.now + ms(200));
  const exitsPosted = bodies(posted.events, 'modeSwitch').filter((m) => m.cause === ModeSwitchCause.CAUSE_WATCHDOG_PING);
  assert.ok(exitsPosted.some((m) => m.from === GpuMode.MODE_PROTECTED), 'PING knocked the GPU out of protected mode');
  assert.ok(bodies(posted.events, 'watchdog').some((w) => w.op === WatchdogOp.WD_PING_SENT && w.gpuProtected));

  for (const p of ['panthor-2026-reviewed', 'kbase'] as const) {
    const r = protectedVsCompute(p, ms(20));
    r.sim.run(r.sim.now + ms(200));
    assert.equal(bodies(r.events, 'modeSwitch').filter((m) => m.cause === ModeSwitchCause.CAUSE_WATCHDOG_PING).length, 0, p);
    assert.ok(bodies(r.events, 'watchdog').some((w) => w.op === WatchdogOp.WD_PING_SKIPPED), p);
    assert.ok(!bodies(r.events, 'watchdog').some((w) => w.op === WatchdogOp.WD_PING_SENT && w.gpuProtected), p);
  }
});

test('probe-defer: the probe defers while the heap is missing, then succeeds when it appears', () => {
  const cfg = testConfig();
  cfg.heaps[1]!.appearAt = ms(100);
  const b = boot(cfg, ms(50));
  const probes = bodies(b.events, 'probe');
  assert.ok(probes.some((p) => p.stage === ProbeStage.PROBE_DEFER && p.result === -517));
  assert.ok(!probes.some((p) => p.stage === ProbeStage.PROBE_DONE));
  b.k.spawn(7, 'early', 'system', false);
  assert.equal(b.k.open(7, DRI_RENDER_NODE), -ENOENT, 'no render node before the probe succeeds');
  b.sim.run(ms(200));
  const after = bodies(b.events, 'probe');
  const done = after.filter((p) => p.stage === ProbeStage.PROBE_DONE);
  assert.equal(done.length, 1);
  assert.equal(done[0]!.attempt, 2);
  assert.ok(b.k.open(7, DRI_RENDER_NODE) >= 3);
  // The PROT section came from the heap on the second attempt.
  assert.ok(bodies(b.events, 'heap').some((h) => h.op === HeapOp.DMA_HEAP_BUFFER_ALLOC && h.purpose === 1 && h.result === 0));
});

test('lazy-slow-reset: probe without the heap, slow reset (RESET_CAUSE_LAZY_HEAP) at the first protected group', () => {
  const cfg = testConfig({ driver: { heapPolicy: 'lazy-slow-reset' } });
  cfg.heaps[1]!.appearAt = ms(50);
  const b = boot(cfg, ms(100));
  assert.ok(bodies(b.events, 'probe').some((p) => p.stage === ProbeStage.PROBE_FW_SECTION && p.skipped));
  assert.equal(bodies(b.events, 'reset').length, 0);
  const c = new Client(b.k, 100, 'video');
  const g = c.groupCreate({ protected: true });
  assert.equal(g.ret, 0);
  assert.equal(c.submit(g.handle, protectedStream(ms(5))), 0);
  b.sim.run(b.sim.now + ms(100));
  const resets = bodies(b.events, 'reset');
  assert.equal(resets[0]!.kind, ResetKind.RESET_SLOW);
  assert.equal(resets[0]!.cause, ResetCause.RESET_CAUSE_LAZY_HEAP);
  const end = resets.find((r) => r.phase === ResetPhase.RESET_END);
  assert.ok(end && end.success && end.protectedSectionsLoaded);
  assert.ok(bodies(b.events, 'modeSwitch').some((m) => m.to === GpuMode.MODE_PROTECTED), 'protected mode after the reset');
  assert.equal(c.done, 1);
});

test('GROUP_CREATE with PROTECTED fails with -EINVAL without a protected heap', () => {
  for (const driver of [{ protectedHeapName: '' }, { heapPolicy: 'disabled' as const }]) {
    const b = boot(testConfig({ driver }));
    const c = new Client(b.k, 100);
    assert.equal(c.groupCreate({ protected: true }).ret, -EINVAL);
    assert.equal(c.groupCreate({ protected: false }).ret, 0);
    const q = { type: DevQueryType.DRM_PANTHOR_DEV_QUERY_PROTECTED_INFO, size: 8, pointer: 1, protectedFeatures: 9 };
    assert.equal(b.k.ioctl(100, c.fd, { case: 'devQuery', value: q }), 0);
    assert.equal(q.protectedFeatures, 0, 'PROTECTED_INFO.features = 0 without a heap');
  }
  const ok = boot(testConfig());
  const c = new Client(ok.k, 100);
  assert.equal(c.groupCreate({ protected: true }).ret, 0);
  assert.ok(bodies(ok.events, 'heap').some((h) => h.purpose === 2 && h.op === HeapOp.DMA_HEAP_BUFFER_ALLOC && h.result === 0),
    'the protm suspend buffer comes from the heap');
});

test('GROUP_SUBMIT checks alignment, sync points and queue index', () => {
  const b = boot(testConfig());
  const c = new Client(b.k, 100);
  const g = c.groupCreate().handle;
  const s = computeStream(ms(1));
  assert.equal(c.submit(g, s, { addr: 0x10_0000 + 8 }), -EINVAL, 'addr % 64');
  assert.equal(c.submit(g, s, { size: 12 }), -EINVAL, 'size % 8');
  assert.equal(c.submit(g, s, { addr: 0 }), -EINVAL, 'size without addr');
  assert.equal(c.submit(g, s, { queue: 1 }), -EINVAL, 'queue_index out of range');
  assert.equal(c.submit(g, s, { addr: 0, size: 0 }), 0, 'a pure sync point');
  assert.equal(c.submit(g, s), 0);
  b.sim.run(b.sim.now + ms(20));
  assert.equal(c.done, 2);
});

test('GROUP_CREATE: HIGH/REALTIME need privilege (-EACCES), priority < 4, ring and queue limits', () => {
  const b = boot(testConfig());
  const user = new Client(b.k, 100, 'user', false);
  const root = new Client(b.k, 101, 'compositor', true);
  assert.equal(user.groupCreate({ priority: U.PANTHOR_GROUP_PRIORITY_HIGH }).ret, -EACCES);
  assert.equal(user.groupCreate({ priority: U.PANTHOR_GROUP_PRIORITY_REALTIME }).ret, -EACCES);
  assert.equal(root.groupCreate({ priority: U.PANTHOR_GROUP_PRIORITY_HIGH }).ret, 0);
  assert.equal(root.groupCreate({ priority: 4 }).ret, -EINVAL);
  assert.equal(user.groupCreate({ ringbufSize: 3000 }).ret, -EINVAL);
  assert.equal(user.groupCreate({ ringbufSize: 128 * 1024 }).ret, -EINVAL);
  assert.equal(user.groupCreate({ queuePriority: 16 }).ret, -EINVAL);
  const q = { type: DevQueryType.DRM_PANTHOR_DEV_QUERY_GROUP_PRIORITIES_INFO, size: 4, pointer: 1, groupPrioritiesAllowedMask: 0 };
  b.k.ioctl(100, user.fd, { case: 'devQuery', value: q });
  assert.equal(q.groupPrioritiesAllowedMask, 0b0011);
  b.k.ioctl(101, root.fd, { case: 'devQuery', value: q });
  assert.equal(q.groupPrioritiesAllowedMask, 0b1111);
});

test('at most 128 groups per file (MAX_GROUPS_PER_POOL)', () => {
  const b = boot(testConfig());
  const c = new Client(b.k, 100);
  for (let i = 0; i < 128; i++) assert.equal(c.groupCreate().ret, 0);
  assert.ok(c.groupCreate().ret < 0);
});

test('a CS_UNRECOVERABLE fault: slow reset; the FW suspends the good group (not innocent), terminates the faulty one', () => {
  const b = boot(testConfig());
  const bad = new Client(b.k, 100, 'bad');
  const good = new Client(b.k, 101, 'good');
  const bg = bad.groupCreate().handle, gg = good.groupCreate().handle;
  good.submit(gg, computeStream(ms(20)));
  b.sim.run(b.sim.now + ms(1));
  b.k.inject({ at: b.sim.now, kind: 'cs-unrecoverable', app: 'bad', heap: '', count: 1 });
  bad.submit(bg, computeStream(ms(5)));
  b.sim.run(b.sim.now + ms(100));
  const resets = bodies(b.events, 'reset');
  assert.ok(resets.some((r) => r.phase === ResetPhase.RESET_BEGIN && r.cause === ResetCause.RESET_CAUSE_CS_UNRECOVERABLE));
  assert.ok(resets.some((r) => r.phase === ResetPhase.RESET_END && r.success));
  assert.ok(bodies(b.events, 'fault').some((f) => f.exceptionType === 0x41 && f.group === bg));
  assert.equal(bad.groupState(bg).state & U.DRM_PANTHOR_GROUP_STATE_FATAL_FAULT, U.DRM_PANTHOR_GROUP_STATE_FATAL_FAULT);
  assert.equal(bad.submit(bg, computeStream(ms(1))), -EINVAL, 'submits to a dead group fail');
  assert.equal(good.groupState(gg).state & U.DRM_PANTHOR_GROUP_STATE_FATAL_FAULT, 0);
  // Every runtime reset is slow (panthor_fw_pre_reset(ptdev, true)).
  assert.ok(resets.every((r) => r.kind === ResetKind.RESET_SLOW));
  // panthor_sched_suspend: SUSPEND for the group that can run, TERMINATE for the faulty one, before the reset.
  const begin = b.events.findIndex((e) => e.body?.case === 'reset' && e.body.value.phase === ResetPhase.RESET_BEGIN);
  const reqs = b.events.slice(begin).flatMap((e) => e.body?.case === 'fwReq' && ((e.body.value.bits ?? 0) & R.CSG_STATE_MASK) ? [e.body.value] : []);
  assert.equal(reqs.find((r) => r.group === gg)?.state, R.CSG_STATE_SUSPEND);
  assert.equal(reqs.find((r) => r.group === bg)?.state, R.CSG_STATE_TERMINATE);
  // INNOCENT only for a group whose suspension failed: this one was suspended fine.
  assert.equal(good.groupState(gg).state & U.DRM_PANTHOR_GROUP_STATE_INNOCENT, 0);
  assert.equal(good.done, 1, 'the good group finished its job after the reset');
});

test('pre-reset: a group whose suspension times out is innocent and timed out, and terminated', () => {
  const b = boot(testConfig());
  const a = new Client(b.k, 100, 'a'), c = new Client(b.k, 101, 'c');
  const ga = a.groupCreate().handle, gc = c.groupCreate().handle;
  a.submit(ga, computeStream(ms(50)));
  c.submit(gc, computeStream(ms(50)));
  b.sim.run(b.sim.now + ms(2));
  b.k.fw.dropCsgAcks = 1;     // the FW never answers the first state request it sees
  b.k.scheduleReset(ResetKind.RESET_SLOW, ResetCause.RESET_CAUSE_PING_TIMEOUT, -1);
  b.sim.run(b.sim.now + ms(400));
  const sa = a.groupState(ga).state, sc = c.groupState(gc).state;
  const innocentTimedout = U.DRM_PANTHOR_GROUP_STATE_INNOCENT | U.DRM_PANTHOR_GROUP_STATE_TIMEDOUT;
  const flagged = [sa, sc].filter((st) => (st & innocentTimedout) === innocentTimedout);
  assert.equal(flagged.length, 1, `exactly one group failed to suspend (states ${sa}, ${sc})`);
  assert.ok(bodies(b.events, 'log').some((l) => l.msg === 'CSG suspend failed, escalating to termination'));
  const other = (sa & innocentTimedout) ? c : a;
  assert.equal(other.done, 1, 'the suspended group resumed after the reset and finished');
});

test('FW init: group_num outside [3, 31] fails the probe with -EINVAL (no clamp)', () => {
  const b = boot(testConfig({ gpu: { groupNum: 2 } }));
  const failed = bodies(b.events, 'probe').find((p) => p.stage === ProbeStage.PROBE_FAILED);
  assert.equal(failed?.result, -EINVAL);
  assert.ok(!bodies(b.events, 'probe').some((p) => p.stage === ProbeStage.PROBE_DONE));
});

test('global init: GLB_IDLE_EN is written as a level, only the CFG requests are toggled', () => {
  const b = boot(testConfig());
  const glb = bodies(b.events, 'fwReq').filter((r) => (r.iface ?? FwIface.GLB) === FwIface.GLB);
  const toggle = glb.find((r) => r.kind === FwReqKind.REQ_TOGGLE);
  assert.ok(toggle);
  assert.equal((toggle.bits ?? 0) & R.GLB_IDLE_EN, 0);
  assert.ok(glb.some((r) => r.kind === FwReqKind.REQ_WRITE && r.bits === R.GLB_IDLE_EN));
});

test('a hung job times out after 5 s: the group is timed out, the fence fails with -ETIMEDOUT', () => {
  const b = boot(testConfig());
  const c = new Client(b.k, 100, 'hang');
  const g = c.groupCreate().handle;
  b.k.inject({ at: 0, kind: 'job-hang', app: 'hang', heap: '', count: 1 });
  c.submit(g, computeStream(ms(1)));
  b.sim.run(b.sim.now + sec(6));
  assert.equal(c.groupState(g).state & U.DRM_PANTHOR_GROUP_STATE_TIMEDOUT, U.DRM_PANTHOR_GROUP_STATE_TIMEDOUT);
  assert.ok(bodies(b.events, 'job').some((j) => j.fenceError === -110));
});

test('protected BOs are never mappable nor exportable; imported heap buffers are not mmapable', () => {
  const b = boot(testConfig());
  const c = new Client(b.k, 100);
  // 6.18 has no user-visible protected BO flag (nor WB_MMAP): BO_CREATE accepts NO_MMAP only.
  assert.equal(c.boCreate(4096, 1 << 2, c.vm).ret, -EINVAL);
  assert.equal(c.boCreate(4096, 1 << 1).ret, -EINVAL);
  assert.equal(c.boCreate(4096, U.DRM_PANTHOR_BO_NO_MMAP, c.vm).ret, 0);
  const a = c.heapAlloc('protected', 1 << 20);
  assert.equal(a.ret, 0);
  const imp = { fd: a.fd, flags: 0, handle: 0 };
  assert.equal(b.k.ioctl(100, c.fd, { case: 'primeFdToHandle', value: imp }), 0);
  assert.equal(b.k.ioctl(100, c.fd, { case: 'boMmapOffset', value: { handle: imp.handle, offset: 0 } }), -EPERM);
  assert.equal(b.k.ioctl(100, c.fd, { case: 'primeHandleToFd', value: { handle: imp.handle, flags: 0, fd: 0 } }), -EINVAL,
    'a protected dma-buf is not re-exported');
  // BO_QUERY_INFO is not in 6.18's ioctl table: -EINVAL (drm_ioctl).
  const info = { handle: imp.handle, extraFlags: 0, createFlags: 0 };
  assert.equal(b.k.ioctl(100, c.fd, { case: 'boQueryInfo', value: info }), -EINVAL);
  const again = { fd: a.fd, flags: 0, handle: 0 };
  b.k.ioctl(100, c.fd, { case: 'primeFdToHandle', value: again });
  assert.equal(again.handle, imp.handle, 'PRIME returns the same handle for the same dma-buf');
});

test('teardown balances heap references and releases every protected buffer', () => {
  const b = boot(testConfig());
  const c = new Client(b.k, 100, 'video');
  const g = c.groupCreate({ protected: true }).handle;
  const a = c.heapAlloc('protected', 1 << 20);
  b.k.ioctl(100, c.fd, { case: 'primeFdToHandle', value: { fd: a.fd, flags: 0, handle: 0 } });
  b.k.close(100, a.fd);
  c.submit(g, protectedStream(ms(2)));
  b.sim.run(b.sim.now + ms(50));
  b.k.shutdown();
  const heap = bodies(b.events, 'heap');
  const finds = heap.filter((h) => h.op === HeapOp.DMA_HEAP_FIND && h.result === 0).length;
  const puts = heap.filter((h) => h.op === HeapOp.DMA_HEAP_PUT).length;
  assert.equal(finds, puts, 'each dma_heap_find matched by one dma_heap_put');
  const allocs = heap.filter((h) => h.op === HeapOp.DMA_HEAP_BUFFER_ALLOC && h.result === 0).map((h) => h.bufferId);
  const released = new Set(heap.filter((h) => h.op === HeapOp.DMA_BUF_RELEASE).map((h) => h.bufferId));
  for (const id of allocs) assert.ok(released.has(id), `buffer ${id} released`);
  assert.equal(b.k.heaps.buffers.size, 0);
});

test('panthor-2026 as posted grants a top group without pending queues; under FW assumption ignore the enter times out, resets, and blames no group', () => {
  const run = (policy: ProtmPolicy) => {
    const cfg = testConfig({ driver: { protmPolicy: policy } });
    cfg.firmware = { ...cfg.firmware, protm_enter_without_pending: 'ignore' };
    const b = boot(cfg);
    const ui = new Client(b.k, 100, 'ui', true);
    const video = new Client(b.k, 101, 'video');
    const ug = ui.groupCreate({ priority: U.PANTHOR_GROUP_PRIORITY_HIGH }).handle;
    const vg = video.groupCreate({ protected: true, priority: U.PANTHOR_GROUP_PRIORITY_LOW }).handle;
    ui.submit(ug, computeStream(ms(50)));
    b.sim.run(b.sim.now + ms(1));
    video.submit(vg, protectedStream(ms(5)));
    b.sim.run(b.sim.now + ms(800));
    return { b, ui, ug };
  };
  const posted = run('panthor-2026');
  const d = bodies(posted.b.events, 'decision').find((x) => x.protm === ProtmVerdict.PROTM_GRANTED);
  assert.equal(d?.protmRule, SchedRule.RULE_FIRST_OF_HIGHEST_LIST);
  assert.equal(d?.protmGroup, posted.ug, 'the HIGH normal group was chosen');
  assert.ok(bodies(posted.b.events, 'reset').some((r) => r.cause === ResetCause.RESET_CAUSE_PROTM_ENTER_TIMEOUT));
  assert.equal(posted.ui.groupState(posted.ug).state & U.DRM_PANTHOR_GROUP_STATE_FATAL_FAULT, 0,
    'update-failed on every slot and a reset, but the UI group is not made fatal');

  const reviewed = run('panthor-2026-reviewed');
  assert.ok(bodies(reviewed.b.events, 'decision').some((x) => x.protm === ProtmVerdict.PROTM_DENIED && x.protmRule === SchedRule.RULE_NOT_TOP));
  assert.equal(bodies(reviewed.b.events, 'reset').length, 0);
  assert.equal(reviewed.ui.done, 1);
});

test('GPU_IRQ_PROTM_FAULT: reset, the active protected group ends fatal', () => {
  const b = boot(testConfig());
  const v = new Client(b.k, 100, 'video');
  const g = v.groupCreate({ protected: true }).handle;
  b.k.inject({ at: 0, kind: 'protm-fault', app: '', heap: '', count: 1 });
  v.submit(g, protectedStream(ms(5)));
  b.sim.run(b.sim.now + ms(100));
  assert.ok(bodies(b.events, 'fwIrq').some((i) => i.line === 1 && ((i.status ?? 0) & 2)));
  assert.ok(bodies(b.events, 'reset').some((r) => r.cause === ResetCause.RESET_CAUSE_PROTM_FAULT));
  assert.ok(v.groupState(g).state & U.DRM_PANTHOR_GROUP_STATE_FATAL_FAULT);
});

test('VM_BIND while protected: the 2026 series forces an exit before the MMU commands', () => {
  for (const [policy, forced] of [['panthor-2026-reviewed', true], ['rfc-2025', false]] as const) {
    const b = boot(testConfig({ driver: { protmPolicy: policy } }));
    const v = new Client(b.k, 100, 'video');
    const g = v.groupCreate({ protected: true }).handle;
    v.submit(g, protectedStream(ms(50)));
    b.sim.run(b.sim.now + ms(10));
    assert.equal(b.k.fw.mode, GpuMode.MODE_PROTECTED, policy);
    const bo = v.boCreate(4096).handle;
    assert.equal(v.map(bo, 0x200_0000, 4096), 0);
    b.sim.run(b.sim.now + ms(20));
    const mmu = bodies(b.events, 'mmu').filter((m) => m.cmd === 2);
    assert.ok(mmu.length > 0, policy);
    assert.equal(mmu.every((m) => !m.gpuProtected), forced, policy);
    assert.equal(bodies(b.events, 'modeSwitch').some((m) => m.cause === ModeSwitchCause.CAUSE_VM_BIND), forced, policy);
  }
});

test('the event sequence is deterministic; another workload seed gives another sequence', () => {
  const run = (seed: number) => {
    const b = boot(testConfig({ seed, driver: { protmPolicy: 'rfc-2025' } }));
    const rng = b.sim.rng('workload');
    const v = new Client(b.k, 100, 'video');
    const c = new Client(b.k, 101, 'compute');
    const vg = v.groupCreate({ protected: true }).handle, cg = c.groupCreate({ priority: 0 }).handle;
    for (let i = 0; i < 6; i++) {
      b.sim.at(ms(20 + 30 * i), () => { v.submit(vg, protectedStream(rng.jitter(ms(6), 0.3))); });
      b.sim.at(ms(25 + 30 * i), () => { c.submit(cg, computeStream(rng.jitter(ms(9), 0.3))); });
    }
    b.sim.run(ms(400));
    b.k.shutdown();
    return JSON.stringify(b.events);
  };
  const a = run(1), a2 = run(1), other = run(2);
  assert.equal(a, a2);
  assert.notEqual(a, other);
});
