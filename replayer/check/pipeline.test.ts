/**
 * R30–R32 on the secure pipeline's traces: the GPU driver's heap taken for a pool outside the
 * intersection (pipeline-gpu-heap-disagrees), an ordinary heap listed for protected buffers, and a
 * flip before the frame's fences (a hand-made trace: the model never does it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeviceKind, FenceOp, ScanoutOp, type EventInit } from '../../proto/index.js';
import { findBuiltin, loadBuiltin, parseScenario, runModel, type ScenarioConfig } from '../../hw-model/index.js';
import { memoryTrace } from '../trace-file.js';
import { checkTrace } from './check.js';
import type { CheckReport } from './engine.js';

function check(cfg: ScenarioConfig): CheckReport {
  const events: EventInit[] = [];
  runModel(cfg, { sinks: [{ onEvent: (ev: EventInit) => { events.push(ev); } }] });
  return checkTrace(memoryTrace({ policy: cfg.driver.protmPolicy, heapPolicy: cfg.driver.heapPolicy }, events), { only: ['R30', 'R31', 'R32'] });
}

const rulesOf = (r: CheckReport): string[] => r.findings.map((f) => f.rule);

test('R30: the GPU driver\'s heap for the scanout pool, which the display does not list', () => {
  const r = check(loadBuiltin('pipeline-gpu-heap-disagrees'));
  assert.deepEqual(rulesOf(r), ['R30']);
  assert.match(r.findings[0]!.message, /pool "scanout" of pid 1002 allocated from protected \(the GPU driver's own heap\), outside the intersection \[restricted_mtk_cma\]: lcd \[restricted_mtk_cma\] cannot import it/);
});

test('R30–R32 hold on the secure pipeline and the intersect allocator', () => {
  assert.deepEqual(rulesOf(check(loadBuiltin('secure-video-pipeline'))), []);
  const b = findBuiltin('pipeline-gpu-heap-disagrees')!;
  assert.deepEqual(rulesOf(check(parseScenario(b.text.replace('allocator: gpu-heap', 'allocator: intersect'), 'x.yaml'))), []);
});

test('R31: a decoder that lists the system heap for protected frames gets ordinary memory in a protected pool', () => {
  const text = findBuiltin('secure-video-pipeline')!.text
    .replace('protected_heaps: "restricted_mtk_cma, protected" }', 'protected_heaps: "system, restricted_mtk_cma" }')
    .replace('{ name: gpu, kind: gpu, heaps: system, protected_heaps: "protected, restricted_mtk_cma" }', '{ name: gpu, kind: gpu, heaps: system, protected_heaps: "system, restricted_mtk_cma" }');
  const r = check(parseScenario(text, 'leaky.yaml'));
  const r31 = r.findings.filter((f) => f.rule === 'R31');
  assert.equal(r31.length, 4, rulesOf(r).join());
  assert.match(r31[0]!.message, /vdec attached buffer \d+ from system into the protected pool "decoded"/);
});

test('R32: a flip before the GPU fence of its frame', () => {
  const fence = (t: number, device: string, kind: DeviceKind, op: FenceOp, frame: number): EventInit =>
    ({ t, body: { case: 'fence', value: { op, device, kind, frame, bufferId: 1, waiter: '', seqno: frame } } });
  const flip = (t: number, frame: number): EventInit =>
    ({ t, body: { case: 'scanout', value: { op: ScanoutOp.SCANOUT_FLIP, device: 'lcd', frame, vblank: 1, bufferId: 5, reason: 0, lateNs: 0, detail: '' } } });
  const events = [
    fence(1, 'vdec', DeviceKind.DEVICE_DECODER, FenceOp.FENCE_SIGNAL, 1),
    fence(2, 'gpu', DeviceKind.DEVICE_GPU, FenceOp.FENCE_SIGNAL, 1),
    flip(3, 1),
    fence(4, 'vdec', DeviceKind.DEVICE_DECODER, FenceOp.FENCE_SIGNAL, 2),
    flip(5, 2),
  ];
  const r = checkTrace(memoryTrace({ policy: 'panthor-2026', heapPolicy: 'probe-defer' }, events), { only: ['R32'] });
  assert.deepEqual(r.findings.map((f) => [f.rule, f.index]), [['R32', 4]]);
  assert.match(r.findings[0]!.message, /lcd flipped frame 2 before the GPU's fence of it signalled/);
});
