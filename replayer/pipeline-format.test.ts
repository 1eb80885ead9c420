import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeviceKind, ENODEV, ImportOp, MissReason, PipelineAllocator, ScanoutOp, type Event } from '../proto/index.js';
import { eventToJson, eventTypeNames, formatEvent } from './format.js';

const ev = (body: Event['body']): Event => ({ t: 1_000_000, cause: 0, body } as Event);

test('pipeline events as text, JSON and --type names', () => {
  const miss = ev({ case: 'scanout', value: { op: ScanoutOp.SCANOUT_MISS, device: 'lcd', frame: 7, vblank: 12, bufferId: 5, reason: MissReason.MISS_GPU_PROTM_DENIED, lateNs: 0, detail: 'frame 7: composition waits for protected mode' } });
  assert.equal(formatEvent(miss, 3), '#3 1.000ms scanout SCANOUT_MISS lcd vblank=12 frame=7 buf=5 GPU_PROTM_DENIED "frame 7: composition waits for protected mode"');
  assert.deepEqual(eventTypeNames(miss).slice(2), ['SCANOUT_MISS', 'MISS_GPU_PROTM_DENIED']);
  const choice = ev({ case: 'heapChoice', value: {
    pid: 1002, pool: 'decoded', protected: true, allocator: PipelineAllocator.ALLOC_INTERSECT,
    devices: [{ device: 'vdec', kind: DeviceKind.DEVICE_DECODER, heaps: ['a'] }, { device: 'gpu', kind: DeviceKind.DEVICE_GPU, heaps: ['b'] }],
    intersection: [], chosen: '', result: -ENODEV, reason: 'no heap', gpuHeap: 'b',
  } });
  assert.equal(formatEvent(choice, 0), '#0 1.000ms heap_choice pool=decoded protected ALLOC_INTERSECT vdec[a] gpu[b] ∩=[] chosen=- gpu_heap=b pid=1002 ret=-ENODEV "no heap"');
  const j = eventToJson(choice, 0) as { heap_choice: { result: number; errno: string; allocator: string; devices: { kind: string }[] } };
  assert.equal(j.heap_choice.result, -ENODEV);
  assert.equal(j.heap_choice.errno, 'ENODEV');
  assert.equal(j.heap_choice.allocator, 'ALLOC_INTERSECT');
  assert.equal(j.heap_choice.devices[0]?.kind, 'DEVICE_DECODER');
  const refused = ev({ case: 'devImport', value: { device: 'lcd', kind: DeviceKind.DEVICE_DISPLAY, op: ImportOp.IMPORT_REFUSED, pid: 1002, bufferId: 5, heapName: 'protected', protected: true, result: -22, refcount: 1, pool: 'scanout' } });
  assert.equal(formatEvent(refused, 9), '#9 1.000ms dev_import IMPORT_REFUSED lcd (DISPLAY) buf=5 heap=protected protected pool=scanout pid=1002 refs=1 ret=-EINVAL');
});
