/**
 * The uAPI cases where 6.18 answers differently from what a careful reading might expect, each as
 * the real code returns it (panthor_drv.c, panthor_mmu.c, panthor_sched.c, panthor_heap.c).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DevQueryType, type DevQueryInit, EBUSY, EINVAL, ENOENT } from '../../proto/index.js';
import { ms } from '../sim/index.js';
import { Client, boot, computeStream, testConfig } from './testing.js';
import * as U from './uapi.js';

const MAP = U.DRM_PANTHOR_VM_BIND_OP_TYPE_MAP, UNMAP = U.DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP;

function setup() {
  const b = boot(testConfig());
  const c = new Client(b.k, 100);
  const io = (args: Parameters<typeof b.k.ioctl>[2]): number => b.k.ioctl(100, c.fd, args);
  return { ...b, c, io };
}

const queue = (o: { ringbufSize?: number; pad?: number[] } = {}) => ({ priority: 1, ringbufSize: o.ringbufSize ?? 16384, pad: o.pad ?? [] });
function groupArgs(vmId: number, queues: ReturnType<typeof queue>[]) {
  return { queues, maxComputeCores: 1, maxFragmentCores: 1, maxTilerCores: 1, priority: 1, flags: 0,
    computeCoreMask: 1, fragmentCoreMask: 1, tilerCoreMask: 1, vmId, groupHandle: 0, protmBufFd: 0 };
}

test('GROUP_CREATE: more queues than the FW has streams is accepted (only > MAX_CS_PER_CSG fails)', () => {
  const { c, io } = setup();
  const nine = Array.from({ length: 9 }, () => queue());      // stream_num is 8
  assert.equal(io({ case: 'groupCreate', value: groupArgs(c.vm, nine) }), 0);
  const many = Array.from({ length: U.MAX_CS_PER_CSG + 1 }, () => queue());
  assert.equal(io({ case: 'groupCreate', value: groupArgs(c.vm, many) }), -EINVAL);
});

test('GROUP_CREATE: a full pool answers -EBUSY before the queues are checked; queue pads must be 0', () => {
  const { c, io } = setup();
  assert.equal(io({ case: 'groupCreate', value: groupArgs(c.vm, [queue({ pad: [0, 1, 0] })]) }), -EINVAL);
  for (let i = 0; i < U.MAX_GROUPS_PER_POOL; i++) assert.equal(io({ case: 'groupCreate', value: groupArgs(c.vm, [queue()]) }), 0);
  assert.equal(io({ case: 'groupCreate', value: groupArgs(c.vm, [queue({ ringbufSize: 1000 })]) }), -EBUSY);
});

test('VM_BIND: unknown bind flags are ignored, size-0 sync ops are no-ops, syncs on a sync op and MAP_SPARSE fail', () => {
  const { c, io } = setup();
  const bo = c.boCreate(0x10000).handle;
  const op = (o: Partial<{ flags: number; boHandle: number; boOffset: number; va: number; size: number; syncs: { flags: number; handle: number; timelineValue: number }[] }>) =>
    ({ flags: MAP, boHandle: bo, boOffset: 0, va: 0x200000, size: 0x1000, syncs: [], ...o });
  assert.equal(io({ case: 'vmBind', value: { vmId: c.vm, flags: 2, ops: [op({})] } }), 0, 'flags other than ASYNC are not checked');
  assert.equal(io({ case: 'vmBind', value: { vmId: c.vm, flags: 0, ops: [op({ size: 0 })] } }), 0);
  assert.equal(io({ case: 'vmBind', value: { vmId: c.vm, flags: 0,
    ops: [op({ syncs: [{ flags: U.DRM_PANTHOR_SYNC_OP_SIGNAL, handle: c.syncobj, timelineValue: 0 }] })] } }), -EINVAL);
  assert.equal(io({ case: 'vmBind', value: { vmId: c.vm, flags: 0, ops: [op({ flags: MAP | (1 << 3) })] } }), -EINVAL, 'MAP_SPARSE is not in 6.18');
  assert.equal(io({ case: 'vmBind', value: { vmId: c.vm, flags: 0, ops: [op({ flags: UNMAP, boHandle: bo })] } }), -EINVAL,
    'UNMAP with a BO');
});

test('VM_BIND sync, ops [valid, bad]: -EINVAL with op 0 applied and ops.count = 1', () => {
  const { c, io, k } = setup();
  const bo = c.boCreate(0x10000).handle;
  const args = { vmId: c.vm, flags: 0, opsCount: 0, ops: [
    { flags: MAP, boHandle: bo, boOffset: 0, va: 0x400000, size: 0x1000, syncs: [] },
    { flags: MAP, boHandle: 999, boOffset: 0, va: 0x500000, size: 0x1000, syncs: [] },
  ] };
  assert.equal(io({ case: 'vmBind', value: args }), -EINVAL);
  assert.equal(args.opsCount, 1);
  const f = k.fds.file(100, c.fd);
  assert.ok(f && f.kind === 'render');
  const vm = f.pf.vms.get(c.vm);
  assert.ok(vm?.lookup(0x400000), 'op 0 is mapped');
  assert.equal(vm?.lookup(0x500000), undefined, 'op 1 is not');
});

test('VM_CREATE: a user VA range past the GPU VA space less the kernel part fails', () => {
  const { io } = setup();
  assert.equal(io({ case: 'vmCreate', value: { flags: 0, id: 0, userVaRange: 2 ** 60 } }), -EINVAL);
  assert.equal(io({ case: 'vmCreate', value: { flags: 0, id: 0, userVaRange: 2 ** 48 - U.PANTHOR_VM_MIN_KERNEL_VA_SIZE } }), 0);
});

test('BO_CREATE: NO_MMAP only; pads must be 0 (BO_CREATE, BO_MMAP_OFFSET, VM_DESTROY, GROUP_*, TILER_HEAP_DESTROY)', () => {
  const { c, io } = setup();
  assert.equal(c.boCreate(4096, U.DRM_PANTHOR_BO_NO_MMAP).ret, 0);
  assert.equal(c.boCreate(4096, 1 << 1).ret, -EINVAL, 'WB_MMAP is not in 6.18');
  assert.equal(io({ case: 'boCreate', value: { size: 4096, flags: 0, exclusiveVmId: 0, handle: 0, pad: 1 } }), -EINVAL);
  const bo = c.boCreate(4096).handle;
  assert.equal(io({ case: 'boMmapOffset', value: { handle: bo, offset: 0, pad: 1 } }), -EINVAL);
  assert.equal(io({ case: 'vmDestroy', value: { id: c.vm, pad: 1 } }), -EINVAL);
  const g = c.groupCreate().handle;
  assert.equal(io({ case: 'groupGetState', value: { groupHandle: g, state: 0, fatalQueues: 0, pad: 1 } }), -EINVAL);
  assert.equal(io({ case: 'groupDestroy', value: { groupHandle: g, pad: 1 } }), -EINVAL);
  assert.equal(io({ case: 'groupSubmit', value: { groupHandle: g, queueSubmits: [], pad: 1 } }), -EINVAL);
  assert.equal(io({ case: 'tilerHeapDestroy', value: { handle: 0, pad: 1 } }), -EINVAL);
});

test('GROUP_SUBMIT: latest_flush bits 24-30 set → -EINVAL; a queue submit pad → -EINVAL', () => {
  const { c, io } = setup();
  const g = c.groupCreate().handle;
  const sub = (o: { latestFlush?: number; pad?: number }) => ({ case: 'groupSubmit' as const, value: { groupHandle: g, queueSubmits: [{
    queueIndex: 0, streamSize: 0, streamAddr: 0, latestFlush: o.latestFlush ?? 0, syncs: [], pad: o.pad ?? 0 }] } });
  assert.equal(io(sub({ latestFlush: 1 << 24 })), -EINVAL);
  assert.equal(io(sub({ latestFlush: 1 << 31 })), 0, 'bit 31 is allowed');
  assert.equal(io(sub({ pad: 1 })), -EINVAL);
});

test('TILER_HEAP_CREATE: the handle is (vm_id << 16) | heap id, ids from 0 per VM', () => {
  const { c, io } = setup();
  const mk = () => { const v = { vmId: c.vm, initialChunkCount: 1, chunkSize: U.MIN_CHUNK_SIZE, maxChunks: 4, targetInFlight: 1, handle: 0,
    tilerHeapCtxGpuVa: 0, firstHeapChunkGpuVa: 0 }; return { ret: io({ case: 'tilerHeapCreate', value: v }), handle: v.handle }; };
  assert.deepEqual(mk(), { ret: 0, handle: (c.vm << 16) | 0 });
  assert.deepEqual(mk(), { ret: 0, handle: (c.vm << 16) | 1 });
  assert.equal(io({ case: 'tilerHeapDestroy', value: { handle: (c.vm << 16) | 1, pad: 0 } }), 0);
  assert.equal(io({ case: 'tilerHeapDestroy', value: { handle: (77 << 16) | 0, pad: 0 } }), -EINVAL, 'no such VM');
  const vc = { flags: 0, id: 0, userVaRange: 0 };
  assert.equal(io({ case: 'vmCreate', value: vc }), 0);
  assert.equal(io({ case: 'tilerHeapDestroy', value: { handle: vc.id << 16, pad: 0 } }), -ENOENT, 'a VM without a heap pool');
});

test('DEV_QUERY: GPU_INFO is 112 bytes with gpu_features; no type past 8/8\'s PROTECTED_INFO (4)', () => {
  const { io } = setup();
  const q: DevQueryInit = { type: DevQueryType.DRM_PANTHOR_DEV_QUERY_GPU_INFO, size: 0, pointer: 0 };
  assert.equal(io({ case: 'devQuery', value: q }), 0);
  assert.equal(q.size, 112);
  const full: DevQueryInit = { type: DevQueryType.DRM_PANTHOR_DEV_QUERY_GPU_INFO, size: 112, pointer: 1 };
  assert.equal(io({ case: 'devQuery', value: full }), 0);
  assert.equal(full.gpuInfo?.gpuFeatures, 0);
  assert.equal(io({ case: 'devQuery', value: { type: DevQueryType.DRM_PANTHOR_DEV_QUERY_PROTECTED_INFO, size: 0, pointer: 0 } }), 0);
  assert.equal(io({ case: 'devQuery', value: { type: 5 as DevQueryType, size: 0, pointer: 0 } }), -EINVAL);
});

test('SET_USER_MMIO_OFFSET: only the 32-bit or 64-bit offset is accepted', () => {
  const { io, c, sim } = setup();
  assert.equal(io({ case: 'setUserMmioOffset', value: { offset: U.DRM_PANTHOR_USER_MMIO_OFFSET_32BIT } }), 0);
  assert.equal(io({ case: 'setUserMmioOffset', value: { offset: U.DRM_PANTHOR_USER_MMIO_OFFSET_64BIT } }), 0);
  assert.equal(io({ case: 'setUserMmioOffset', value: { offset: 4096 } }), -EINVAL);
  // The file still works.
  const g = c.groupCreate().handle;
  c.submit(g, computeStream(ms(1)));
  sim.run(sim.now + ms(5));
  assert.equal(c.done, 1);
});
