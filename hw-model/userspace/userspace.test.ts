import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CsOpcode, type ScenarioConfig } from '../contract.js';
import { IoctlCmd, JobPhase, ProcessOp, type EventInit, type IoctlInit } from '../../proto/index.js';
import { parseScenario } from '../scenario/index.js';
import { ms, sec } from '../sim/index.js';
import { simulate, type SimKernel } from '../world.js';
import { CsBuilder, SB_ALL_MASK, hasProtRegion } from './index.js';
import { FakeKernel, type FakeKernelOptions } from '../testing.js';

function collect(cfg: ScenarioConfig, opts: FakeKernelOptions = {}) {
  const events: EventInit[] = [];
  let kernel: FakeKernel | undefined;
  const res = simulate(cfg, {
    sinks: [{ onEvent: (ev) => { events.push(structuredClone(ev)); } }],
    kernel: (sim, c): SimKernel => (kernel = new FakeKernel(sim, c, opts)),
  });
  return { events, res, kernel: kernel! };
}

type ArgsValue = NonNullable<NonNullable<IoctlInit['args']>['value']>;
type Merge<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
/** An ioctl with its args seen as one record of every uAPI struct's fields (a test reads a few). */
interface IoctlView { ret: number; args: { value: { [K in keyof Merge<ArgsValue>]-?: Exclude<Merge<ArgsValue>[K], undefined> } } }

const ioctls = (events: EventInit[], cmd: number): IoctlView[] =>
  events.flatMap((e) => (e.body?.case === 'ioctl' && e.body.value.cmd === cmd ? [e.body.value as unknown as IoctlView] : []));

test('PROT_REGION is bracketed by waits and its size covers the protected instructions', () => {
  const b = new CsBuilder();
  b.move48(0x1000).protRegion((p) => { p.runFragment(ms(5)); });
  const s = b.finish();
  assert.deepEqual(s.map((i) => i.op), [CsOpcode.MOVE48, CsOpcode.WAIT, CsOpcode.PROT_REGION, CsOpcode.RUN_FRAGMENT, CsOpcode.WAIT]);
  assert.equal(s[1]!.sbMask, SB_ALL_MASK);
  assert.equal(s[2]!.size, 16, 'Mesa: PROT_REGION(2×8 bytes), RUN_FRAGMENT, WAIT');
  assert.equal(s[3]!.duration, ms(5));
  assert.ok(hasProtRegion(s));
  assert.equal(b.length, 0, 'finish() starts over');
  const s2 = b.protRegion((p) => { p.runTiling(1).runFragment(2).finishFragment(); }).finish();
  assert.equal(s2[1]!.size, 4 * 8);
  assert.ok(!hasProtRegion(new CsBuilder().runCompute(1).wait().finish()));
});

test('apps run closed loop: one frame in flight, paced at their fps', () => {
  const cfg = parseScenario(`
duration: 1s
apps:
  - { name: ui, kind: compositor, fps: 60, job_duration: 2ms }
  - { name: crunch, kind: compute, job_duration: 30ms }
`, 't.yaml');
  const { events, res } = collect(cfg);
  const ui = res.apps.find((a) => a.name === 'ui')!;
  // 60 Hz for 1 s: ~60 frames, never more than one submitted and not yet done.
  assert.ok(ui.framesDone >= 58 && ui.framesDone <= 61, `ui frames ${ui.framesDone}`);
  assert.ok(ui.framesSubmitted - ui.framesDone <= 1);
  assert.equal(ui.framesMissed, 0);
  const crunch = res.apps.find((a) => a.name === 'crunch')!;
  assert.ok(crunch.framesDone >= 25 && crunch.framesDone <= 36, `compute jobs ${crunch.framesDone}`);
  // Closed loop: each GROUP_SUBMIT of a pid comes after the previous job of that pid completed.
  const inFlight = new Map<number, number>();
  for (const e of events) {
    if (e.body?.case === 'ioctl' && e.body.value.cmd === IoctlCmd.GROUP_SUBMIT && e.body.value.ret === 0) {
      const pid = e.body.value.pid!;
      assert.equal(inFlight.get(pid) ?? 0, 0, `pid ${pid} submitted with a frame in flight at ${e.t}`);
      inFlight.set(pid, 1);
    }
    if (e.body?.case === 'job' && e.body.value.phase === JobPhase.JOB_DONE) inFlight.set(e.body.value.pid!, 0);
  }
  // Submits carry a timeline-syncobj signal and a 64-byte aligned stream.
  const sub = ioctls(events, IoctlCmd.GROUP_SUBMIT)[0]!.args.value.queueSubmits[0]!;
  assert.equal(sub.streamAddr! % 64, 0);
  assert.equal(sub.streamSize! % 8, 0);
  assert.equal(sub.syncs![0]!.flags! >>> 0, 0x8000_0001);
});

test('each app emits Process events through spawn/open, with its name and kind', () => {
  const cfg = parseScenario('duration: 100ms\napps:\n  - { name: weston, kind: compositor }\n  - { name: v, kind: video-player }\n', 't.yaml');
  const { events } = collect(cfg);
  const procs = events.flatMap((e) => (e.body?.case === 'process' ? [e.body.value] : []));
  const starts = procs.filter((p) => p.op === ProcessOp.PROC_START);
  assert.deepEqual(starts.map((p) => [p.pid, p.comm, p.appKind, p.privileged]),
    [[1001, 'weston', 'compositor', true], [1002, 'v', 'video-player', false]]);
  const opens = procs.filter((p) => p.op === ProcessOp.PROC_OPEN).map((p) => `${p.pid} ${p.path}`);
  assert.deepEqual(opens, ['1001 /dev/dri/renderD128', '1002 /dev/dri/renderD128', '1002 /dev/dma_heap/protected']);
});

test('the protected video player: heap buffers, PRIME import, PROTECTED group, PROT_REGION frames', () => {
  const cfg = parseScenario('duration: 500ms\napps:\n  - { name: v, kind: video-player, fps: 24, buffers: 3 }\n', 't.yaml');
  const { events, res } = collect(cfg);
  const allocs = ioctls(events, IoctlCmd.DMA_HEAP_IOCTL_ALLOC);
  assert.equal(allocs.length, 3);
  for (const a of allocs) {
    assert.equal(a.ret, 0);
    assert.equal(a.args.value.heap, 'protected');
    assert.equal(a.args.value.len % 4096, 0);
    assert.equal(a.args.value.heapFlags, 0);
  }
  const imports = ioctls(events, IoctlCmd.PRIME_FD_TO_HANDLE);
  assert.deepEqual(imports.map((i) => i.args.value.fd), allocs.map((a) => a.args.value.fd));
  const create = ioctls(events, IoctlCmd.GROUP_CREATE)[0]!;
  assert.equal(create.args.value.flags, 1, 'DRM_PANTHOR_GROUP_CREATE_PROTECTED');
  const submits = ioctls(events, IoctlCmd.GROUP_SUBMIT);
  assert.ok(submits.length >= 11 && submits.length <= 13, `${submits.length} frames at 24 fps in 0.5 s`);
  assert.ok(submits.every((s) => s.args.value.queueSubmits[0]!.protRegion === true));
  const enters = res.summary.modeSwitches.enters;
  assert.ok(enters >= res.apps[0]!.framesDone && enters <= submits.length, `enters ${enters}`);
  assert.ok(res.summary.protectedResidency > 0.12 && res.summary.protectedResidency < 0.17, `${res.summary.protectedResidency}`);
});

test('setup retries until the render node and the heap exist', () => {
  const cfg = parseScenario(`
duration: 2s
heaps:
  - { name: system }
  - { name: protected, kind: protected-carveout, size: 64MiB, appear_at: 1s }
apps:
  - { name: ui, kind: compositor }
  - { name: v, kind: video-player }
`, 't.yaml');
  const { events, res } = collect(cfg, { renderNodeAt: ms(300) });
  const ui = res.apps.find((a) => a.name === 'ui')!;
  const v = res.apps.find((a) => a.name === 'v')!;
  assert.ok(ui.setupRetries >= 2, `ui retries ${ui.setupRetries}`);
  assert.ok(ui.firstFrameAt >= ms(300) && ui.firstFrameAt < ms(600), `ui first frame ${ui.firstFrameAt}`);
  assert.ok(v.firstFrameAt >= sec(1) && v.firstFrameAt <= sec(1.3), `video first frame ${v.firstFrameAt}`);
  const failedOpens = events.filter((e) => e.body?.case === 'process' && e.body.value.op === ProcessOp.PROC_OPEN && e.body.value.fd! < 0);
  assert.ok(failedOpens.length >= 3);
  // Retries are logged once per distinct failure, not once per attempt.
  const logs = events.flatMap((e) => (e.body?.case === 'log' ? [e.body.value.msg ?? ''] : []));
  assert.ok(logs.some((m) => m.startsWith('open /dev/dma_heap/protected: ENOENT')), logs.join('\n'));
  assert.ok(logs.length < 6, logs.join('\n'));
});

test('HIGH without privilege: GROUP_CREATE fails with EACCES and the app falls back to MEDIUM', () => {
  const cfg = parseScenario('duration: 100ms\napps:\n  - { name: g, kind: game, priority: high, privileged: false }\n', 't.yaml');
  const { events, res } = collect(cfg);
  const creates = ioctls(events, IoctlCmd.GROUP_CREATE);
  assert.deepEqual(creates.map((c) => [c.args.value.priority, c.ret]), [[2, -13], [1, 0]]);
  assert.ok(res.apps[0]!.framesDone > 0);
  assert.equal(res.summary.ioctlErrors[0]!.cmd, 'GROUP_CREATE');
  assert.equal(res.summary.ioctlErrors[0]!.errno, 'EACCES');
});

test('a fatal group is destroyed and recreated after the failed submit', () => {
  const cfg = parseScenario(`
duration: 1s
apps:
  - { name: g, kind: game, fps: 60 }
faults:
  - { at: 500ms, kind: cs-fatal, app: g }
`, 't.yaml');
  const { events, res, kernel } = collect(cfg);
  assert.equal(kernel.injected.length, 1);
  assert.equal(res.apps[0]!.recoveries, 1);
  assert.equal(ioctls(events, IoctlCmd.GROUP_CREATE).length, 2);
  assert.equal(ioctls(events, IoctlCmd.GROUP_GET_STATE)[0]!.args.value.state, 2, 'FATAL_FAULT seen');
  assert.equal(ioctls(events, IoctlCmd.GROUP_DESTROY).length, 1);
  const lastDone = events.filter((e) => e.body?.case === 'job' && e.body.value.phase === JobPhase.JOB_DONE).pop()!;
  assert.ok(lastDone.t! > ms(900), 'frames continue on the new group');
});

test('apps start and stop at scenario times; the kernel is started and shut down', () => {
  const cfg = parseScenario('duration: 1s\napps:\n  - { name: g, kind: game, start: 200ms, stop: 600ms }\n', 't.yaml');
  const { events, kernel } = collect(cfg);
  const procs = events.filter((e) => e.body?.case === 'process');
  assert.equal(procs[0]!.t, ms(200));
  const exit = procs.find((e) => e.body?.case === 'process' && e.body.value.op === ProcessOp.PROC_EXIT)!;
  assert.equal(exit.t, ms(600));
  assert.ok(!events.some((e) => e.body?.case === 'ioctl' && e.body.value.cmd === IoctlCmd.GROUP_SUBMIT && e.t! > ms(600)));
  assert.equal(ioctls(events, IoctlCmd.GROUP_DESTROY).length, 1, 'the app destroys its group on the way out');
  assert.ok(kernel.started && kernel.shutDown);
});

test('two-queue games order fragment after geometry with SYNC_SET64 / SYNC_WAIT64', () => {
  const cfg = parseScenario('duration: 50ms\napps:\n  - { name: g, kind: game, queues: 2 }\n', 't.yaml');
  const { events } = collect(cfg);
  const sub = ioctls(events, IoctlCmd.GROUP_SUBMIT)[0]!.args.value.queueSubmits;
  assert.equal(sub.length, 2);
  assert.deepEqual(sub.map((s) => s.syncs?.length ?? 0), [0, 1], 'the frame signal rides on the last queue');
});

test('userspace-dmabuf: the player hands a protected dma-buf to GROUP_CREATE and closes it after', () => {
  const cfg = parseScenario(`
duration: 100ms
driver: { heap_policy: userspace-dmabuf }
apps:
  - { name: v, kind: video-player, buffers: 1 }
`, 't.yaml');
  const { events } = collect(cfg);
  const allocs = ioctls(events, IoctlCmd.DMA_HEAP_IOCTL_ALLOC);
  assert.equal(allocs.length, 2, 'one frame buffer + one protm buffer');
  assert.equal(allocs[1]!.args.value.len, 0x5_0000);
  const create = ioctls(events, IoctlCmd.GROUP_CREATE)[0]!;
  assert.equal(create.args.value.protmBufFd, allocs[1]!.args.value.fd);
  const closeIdx = events.findIndex((e) => e.body?.case === 'process' && e.body.value.op === ProcessOp.PROC_CLOSE &&
    e.body.value.fd === allocs[1]!.args.value.fd);
  const createIdx = events.findIndex((e) => e.body?.case === 'ioctl' && e.body.value.cmd === IoctlCmd.GROUP_CREATE);
  assert.ok(closeIdx > createIdx, 'closed after the group holds its reference');
  // Without that design no buffer is handed over.
  const plain = collect(parseScenario('duration: 100ms\napps:\n  - { name: v, kind: video-player, buffers: 1 }\n', 't.yaml'));
  assert.equal(ioctls(plain.events, IoctlCmd.GROUP_CREATE)[0]!.args.value.protmBufFd, undefined);
});
