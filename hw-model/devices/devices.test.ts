/**
 * The secure video pipeline and the central allocator on the built-in scenarios: the sequence of
 * imports, fences and page flips, and the outcome at the display with the reason of every missed
 * vblank, under the heap policies and allocators the 2026 debate compares.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DeviceKind, EINVAL, ENODEV, FenceOp, ImportOp, MissReason, ScanoutOp, type EventInit,
} from '../../proto/index.js';
import { applyOverrides, loadBuiltin, parseScenario, findBuiltin } from '../scenario/index.js';
import { ms, sec, type TraceSink } from '../sim/index.js';
import { runModel } from '../index.js';
import type { ScenarioConfig } from '../contract.js';
import { intersectLists } from './allocator.js';

type Body = NonNullable<EventInit['body']>;
interface Ev { i: number; t: number; cause: number; body: Body }

class Collect implements TraceSink {
  readonly evs: Ev[] = [];
  onEvent(ev: EventInit, index: number): void {
    const b = ev.body;
    if (!b) return;
    if (b.case === 'heapChoice' || b.case === 'devImport' || b.case === 'fence' || b.case === 'scanout') {
      this.evs.push({ i: index, t: ev.t ?? 0, cause: ev.cause ?? 0, body: b });
    }
  }
}

function record(cfg: ScenarioConfig): Ev[] {
  const c = new Collect();
  runModel(cfg, { sinks: [c] });
  return c.evs;
}

const of = <K extends Body['case']>(evs: Ev[], k: K): (Ev & { body: Extract<Body, { case: K }> })[] =>
  evs.filter((e): e is Ev & { body: Extract<Body, { case: K }> } => e.body.case === k);

function scanoutCounts(evs: Ev[]): { flips: number; misses: Map<number, number>; drops: number } {
  const misses = new Map<number, number>();
  let flips = 0, drops = 0;
  for (const e of of(evs, 'scanout')) {
    const v = e.body.value;
    if (v.op === ScanoutOp.SCANOUT_FLIP) flips++;
    else if (v.op === ScanoutOp.SCANOUT_DROP) drops++;
    else if (v.op === ScanoutOp.SCANOUT_MISS) misses.set(v.reason ?? 0, (misses.get(v.reason ?? 0) ?? 0) + 1);
  }
  return { flips, misses, drops };
}

test('secure-video-pipeline: heap choice, imports, then per frame decoder fence → GPU fence → commit → flip, in that order', () => {
  const cfg = applyOverrides(loadBuiltin('secure-video-pipeline'), { heapPolicy: 'userspace-dmabuf', duration: sec(1) });
  const evs = record(cfg);
  const choices = of(evs, 'heapChoice');
  assert.deepEqual(choices.map((e) => [e.body.value.pool, e.body.value.chosen, e.body.value.result]),
    [['decoded', 'restricted_mtk_cma', 0], ['scanout', 'restricted_mtk_cma', 0]]);
  // The scanout pool: the GPU prefers its own carve-out, the display the restricted heap; both list both.
  assert.deepEqual(choices[1]!.body.value.intersection, ['protected', 'restricted_mtk_cma']);
  assert.equal(choices[1]!.body.value.gpuHeap, 'protected');
  const attaches = of(evs, 'devImport').filter((e) => e.body.value.op === ImportOp.IMPORT_ATTACH);
  assert.deepEqual(attaches.map((e) => `${e.body.value.device}:${e.body.value.pool}`),
    [...Array(4).fill('vdec:decoded'), ...Array(4).fill('lcd:scanout')]);
  assert.ok(attaches.every((e) => e.body.value.protected && e.body.value.heapName === 'restricted_mtk_cma'));

  // Frame 5's way: decoder emit < decoder signal < GPU wait on it < GPU emit < commit < GPU signal < flip.
  const step = (pred: (e: Ev) => boolean, what: string): Ev => {
    const e = evs.find(pred);
    assert.ok(e, `frame 5: no ${what}`);
    return e;
  };
  const fence = (dev: string, op: FenceOp) => (e: Ev) => e.body.case === 'fence' && e.body.value.frame === 5 && e.body.value.device === dev && e.body.value.op === op;
  const scan = (op: ScanoutOp) => (e: Ev) => e.body.case === 'scanout' && e.body.value.frame === 5 && e.body.value.op === op;
  const seq = [
    step(fence('vdec', FenceOp.FENCE_EMIT), 'decode'), step(fence('vdec', FenceOp.FENCE_SIGNAL), 'decoded'),
    step(fence('vdec', FenceOp.FENCE_WAIT), 'GPU wait'), step(fence('gpu', FenceOp.FENCE_EMIT), 'GPU fence'),
    step(scan(ScanoutOp.SCANOUT_COMMIT), 'commit'), step(fence('gpu', FenceOp.FENCE_SIGNAL), 'GPU signal'),
    step(scan(ScanoutOp.SCANOUT_FLIP), 'flip'),
  ];
  for (let k = 1; k < seq.length; k++) assert.ok(seq[k]!.i > seq[k - 1]!.i, `frame 5 step ${k} out of order`);
  // Cause links: the decode's signal names its emit; the flip names the GPU's signal.
  assert.equal(seq[1]!.i - seq[1]!.cause, seq[0]!.i);
  assert.equal(seq[6]!.i - seq[6]!.cause, seq[5]!.i);
  // The flip is at a vblank of the 60 Hz display, at or after the frame's due vblank (start + (5 - 1 + 2) / 30 s).
  const flip = seq[6]!;
  const period = Math.round(1e9 / 60);
  assert.equal(flip.t % period, 0, `flip at ${flip.t}`);
  assert.ok(flip.t >= ms(200), `flip at ${flip.t}`);

  // Outcome: every frame due in the second is shown, no vblank missed.
  const c = scanoutCounts(evs);
  assert.equal(c.misses.size, 0, `misses ${[...c.misses]}`);
  assert.equal(c.flips, 28);   // frames due before 1 s: 30 - 2 frames of latency
});

test('secure-video-pipeline under probe-defer: the GPU waits for its carve-out, the display misses vblanks for want of a pipeline', () => {
  const cfg = applyOverrides(loadBuiltin('secure-video-pipeline'), { duration: sec(1) });
  const evs = record(cfg);
  const c = scanoutCounts(evs);
  const noPipe = c.misses.get(MissReason.MISS_NO_PIPELINE) ?? 0;
  assert.ok(noPipe >= 40, `NO_PIPELINE misses ${noPipe}`);
  const firstFlip = of(evs, 'scanout').find((e) => e.body.value.op === ScanoutOp.SCANOUT_FLIP);
  assert.ok(firstFlip && firstFlip.t >= ms(600), 'no flip before the carve-out registers at 600 ms');
  // Every NO_PIPELINE miss says what failed.
  const miss = of(evs, 'scanout').find((e) => e.body.value.reason === MissReason.MISS_NO_PIPELINE);
  assert.match(miss?.body.value.detail ?? '', /renderD128: ENOENT/);
  assert.ok(c.flips > 0 && c.flips < 28, `flips ${c.flips}`);
});

test('secure-video-pipeline under panthor-2026 as posted: missed vblanks are the GPU denied protected time', () => {
  const cfg = applyOverrides(loadBuiltin('secure-video-pipeline'), { protmPolicy: 'panthor-2026', heapPolicy: 'userspace-dmabuf', duration: sec(2) });
  const c = scanoutCounts(record(cfg));
  const denied = c.misses.get(MissReason.MISS_GPU_PROTM_DENIED) ?? 0;
  const total = [...c.misses.values()].reduce((a, b) => a + b, 0);
  assert.ok(denied > total / 2, `GPU_PROTM_DENIED ${denied} of ${total}`);
  assert.ok(c.flips < 40, `flips ${c.flips}`);
});

test('a slow decoder: the display names the decoder', () => {
  const text = findBuiltin('secure-video-pipeline')!.text.replace('decode_time: 12ms, jitter: 0.4', 'decode_time: 45ms, jitter: 0');
  const cfg = applyOverrides(parseScenario(text, 'slow.yaml'), { heapPolicy: 'userspace-dmabuf', duration: sec(1) });
  const c = scanoutCounts(record(cfg));
  assert.ok((c.misses.get(MissReason.MISS_DECODER_LATE) ?? 0) > 10, `misses ${[...c.misses]}`);
  assert.equal(c.misses.get(MissReason.MISS_GPU_PROTM_DENIED) ?? 0, 0);
});

test('pipeline-no-common-heap: the allocator fails with -ENODEV naming every list, and the display shows nothing', () => {
  const evs = record(loadBuiltin('pipeline-no-common-heap'));
  const choices = of(evs, 'heapChoice');
  assert.equal(choices.length, 1, 'an empty intersection is not retried');
  const v = choices[0]!.body.value;
  assert.equal(v.result, -ENODEV);
  assert.deepEqual(v.intersection, []);
  assert.equal(v.chosen, '');
  assert.match(v.reason ?? '', /vdec \[vdec_secure\], gpu \[protected\]/);
  assert.equal(of(evs, 'devImport').length, 0);
  const c = scanoutCounts(evs);
  assert.equal(c.flips, 0);
  assert.equal([...c.misses.keys()].join(), String(MissReason.MISS_NO_PIPELINE));
});

test('pipeline-gpu-heap-disagrees: the GPU heap for every buffer is refused by the display; the intersection works', () => {
  const b = findBuiltin('pipeline-gpu-heap-disagrees')!;
  const evs = record(loadBuiltin(b.name));
  const refused = of(evs, 'devImport').filter((e) => e.body.value.op === ImportOp.IMPORT_REFUSED);
  assert.equal(refused.length, 1);
  assert.deepEqual([refused[0]!.body.value.device, refused[0]!.body.value.heapName, refused[0]!.body.value.result, refused[0]!.body.value.kind],
    ['lcd', 'protected', -EINVAL, DeviceKind.DEVICE_DISPLAY]);
  assert.equal(scanoutCounts(evs).flips, 0);

  const good = record(parseScenario(b.text.replace('allocator: gpu-heap', 'allocator: intersect'), 'intersect.yaml'));
  const choices = of(good, 'heapChoice').map((e) => [e.body.value.pool, e.body.value.chosen, e.body.value.gpuHeap]);
  // The scanout pool: the pipeline's heap, not the GPU driver's own.
  assert.deepEqual(choices, [['decoded', 'restricted_mtk_cma', 'protected'], ['scanout', 'restricted_mtk_cma', 'protected']]);
  assert.equal(of(good, 'devImport').filter((e) => e.body.value.op === ImportOp.IMPORT_REFUSED).length, 0);
  assert.ok(scanoutCounts(good).flips > 20);
});

test('intersectLists keeps the first device\'s order and the property\'s lists', () => {
  const dev = (name: string, heaps: string[], prot: string[]) => ({ name, kind: 'decoder' as const, heaps, protectedHeaps: prot, decodeTime: 1, jitter: 0, refresh: 60, commitLatency: 0 });
  const a = dev('a', ['system', 'cma'], ['x', 'y', 'z']), b = dev('b', ['cma'], ['z', 'x']);
  assert.deepEqual(intersectLists([a, b], true), ['x', 'z']);
  assert.deepEqual(intersectLists([b, a], true), ['z', 'x']);
  assert.deepEqual(intersectLists([a, b], false), ['cma']);
  assert.deepEqual(intersectLists([], true), []);
});

test('the same pipeline scenario and seed give the same events', () => {
  const cfg = applyOverrides(loadBuiltin('secure-video-pipeline'), { duration: ms(700) });
  const a = record(cfg), b = record(cfg);
  assert.equal(JSON.stringify(a), JSON.stringify(b));
});
