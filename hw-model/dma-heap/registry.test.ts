/** dma-heap: registry references, allocators, DMA_HEAP_IOCTL_ALLOC validation, dma-buf lifetime. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeapOp, HeapPurpose, type EventInit, EEXIST, EINVAL, ENOMEM } from '../../proto/index.js';
import type { HeapConfig } from '../contract.js';
import { Client, bodies, boot, testConfig } from '../panthor/testing.js';
import { Sim, ms } from '../sim/index.js';
import { FirstFit } from './heaps.js';
import { DmaBuf, HeapRegistry, O_CLOEXEC, O_RDWR } from './registry.js';

const heap = (name: string, kind: HeapConfig['kind'], size = 0, allocLatency = 0): HeapConfig =>
  ({ name, kind, size, appearAt: 0, allocLatency, failAllocsAfter: -1 });

function registry(): { reg: HeapRegistry; events: EventInit[] } {
  const sim = new Sim(1);
  const events: EventInit[] = [];
  sim.bus.subscribe({ onEvent(ev) { events.push(ev); } });
  return { reg: new HeapRegistry(sim), events };
}

test('dma_heap_add rejects empty and duplicate names', () => {
  const { reg } = registry();
  assert.equal(reg.add(heap('system', 'system')), 0);
  assert.equal(reg.add(heap('system', 'cma', 1 << 20)), -EEXIST);
  assert.equal(reg.add(heap('', 'cma', 1 << 20)), -EINVAL);
  assert.deepEqual(reg.list().map((h) => h.name), ['system']);
});

test('dma_heap_find / dma_heap_put count references; a removed heap is not found', () => {
  const { reg, events } = registry();
  reg.add(heap('protected', 'protected-carveout', 1 << 20));
  const h = reg.find('protected', HeapPurpose.PURPOSE_PROBE);
  assert.ok(h);
  assert.equal(h.refcount, 2);
  reg.put(h, HeapPurpose.PURPOSE_PROBE);
  assert.equal(h.refcount, 1);
  assert.equal(reg.find('missing', HeapPurpose.PURPOSE_PROBE), null);
  reg.remove('protected');
  assert.equal(reg.find('protected', HeapPurpose.PURPOSE_PROBE), null);
  const ops = bodies(events, 'heap').map((e) => e.op);
  // The registration's reference was the last one: the removal frees the heap (kref release).
  assert.deepEqual(ops, [HeapOp.DMA_HEAP_ADD, HeapOp.DMA_HEAP_FIND, HeapOp.DMA_HEAP_PUT, HeapOp.DMA_HEAP_FIND,
    HeapOp.DMA_HEAP_REMOVE, HeapOp.DMA_HEAP_RELEASE, HeapOp.DMA_HEAP_FIND]);
});

test('first fit fragments: -1 when no hole is large enough even with enough free bytes', () => {
  const ff = new FirstFit(1024);
  const a = ff.alloc(256), b = ff.alloc(256), c = ff.alloc(256), d = ff.alloc(256);
  assert.deepEqual([a, b, c, d], [0, 256, 512, 768]);
  ff.free(b, 256); ff.free(d, 256);
  assert.equal(ff.used, 512);
  assert.equal(ff.alloc(512), -1, '512 free but in two holes');
  ff.free(c, 256);                       // coalesces 256..1024
  assert.equal(ff.holes(), 1);
  assert.equal(ff.alloc(768), 256);
});

test('CMA carve-out: -ENOMEM when full, memory returns on the last dma_buf_put', () => {
  const { reg } = registry();
  reg.add(heap('cma', 'cma', 1 << 20));
  const h = reg.lookup('cma');
  assert.ok(h);
  const bufs: DmaBuf[] = [];
  for (let i = 0; i < 4; i++) {
    const b = reg.bufferAlloc(h, 256 << 10, O_RDWR, 0, 1, HeapPurpose.PURPOSE_USER_BUFFER);
    assert.ok(b instanceof DmaBuf);
    bufs.push(b);
  }
  assert.equal(reg.bufferAlloc(h, 4096, O_RDWR, 0, 1, HeapPurpose.PURPOSE_USER_BUFFER), -ENOMEM);
  reg.importBuf(bufs[1]!, 2, HeapPurpose.PURPOSE_USER_BUFFER);
  reg.bufPut(bufs[1]!, 1);
  assert.equal(reg.bufferAlloc(h, 4096, O_RDWR, 0, 1, HeapPurpose.PURPOSE_USER_BUFFER), -ENOMEM, 'importer still holds it');
  reg.bufPut(bufs[1]!, 2);
  assert.ok(reg.bufferAlloc(h, 4096, O_RDWR, 0, 1, HeapPurpose.PURPOSE_USER_BUFFER) instanceof DmaBuf);
});

test('restricted TEE heap: a TEE call with its latency precedes each allocation and release', () => {
  const { reg, events } = registry();
  reg.add(heap('restricted_mtk_cma', 'restricted-tee', 8 << 20, ms(2)));
  const h = reg.lookup('restricted_mtk_cma');
  assert.ok(h && h.isProtected);
  const b = reg.bufferAlloc(h, 1 << 20, O_RDWR, 0, 5, HeapPurpose.PURPOSE_USER_BUFFER);
  assert.ok(b instanceof DmaBuf);
  reg.bufPut(b, 5);
  const hc = bodies(events, 'heap');
  const tee = hc.filter((e) => e.op === HeapOp.TEE_CALL);
  assert.equal(tee.length, 2);
  assert.equal(tee[0]!.latencyNs, ms(2));
  assert.equal(hc[hc.indexOf(tee[0]!) + 1]!.op, HeapOp.DMA_HEAP_BUFFER_ALLOC);
  assert.equal(hc[hc.length - 1]!.op, HeapOp.DMA_BUF_RELEASE);
});

test('DMA_HEAP_IOCTL_ALLOC validation: len 0, bad fd_flags, heap_flags != 0, nonzero input fd → -EINVAL', () => {
  const b = boot(testConfig());
  const c = new Client(b.k, 100);
  assert.equal(c.heapAlloc('system', 0).ret, -EINVAL);
  assert.equal(c.heapAlloc('system', 4096, { fdFlags: 0o100 /* O_CREAT */ }).ret, -EINVAL);
  assert.equal(c.heapAlloc('system', 4096, { heapFlags: 1 }).ret, -EINVAL);
  assert.equal(c.heapAlloc('system', 4096, { fd: 7 }).ret, -EINVAL);
  const ok = c.heapAlloc('system', 100, { fdFlags: O_RDWR | O_CLOEXEC });
  assert.equal(ok.ret, 0);
  assert.ok(ok.fd >= 3);
  const alloc = bodies(b.events, 'heap').filter((h) => h.op === HeapOp.DMA_HEAP_BUFFER_ALLOC && h.callerPid === 100);
  assert.equal(alloc[alloc.length - 1]!.size, 4096, 'len is page-aligned');
  assert.ok(c.heapAlloc('nope', 4096).ret < 0, 'no such /dev/dma_heap node');
});

test('DMA_HEAP_IOCTL_ALLOC on a full CMA heap returns -ENOMEM; closing the fd frees it', () => {
  const cfg = testConfig();
  cfg.heaps.push({ name: 'cma', kind: 'cma', size: 1 << 20, appearAt: 0, allocLatency: 0, failAllocsAfter: -1 });
  const b = boot(cfg);
  const c = new Client(b.k, 100);
  const a = c.heapAlloc('cma', 1 << 20);
  assert.equal(a.ret, 0);
  assert.equal(c.heapAlloc('cma', 4096).ret, -ENOMEM);
  assert.equal(b.k.close(100, a.fd), 0);
  assert.equal(c.heapAlloc('cma', 4096).ret, 0);
});

test('injected heap-alloc-fail makes the next allocations fail with -ENOMEM', () => {
  const b = boot(testConfig());
  const c = new Client(b.k, 100);
  b.k.inject({ at: 0, kind: 'heap-alloc-fail', app: '', heap: 'protected', count: 1 });
  assert.equal(c.groupCreate({ protected: true }).ret, -ENOMEM, 'the protm suspend buffer allocation failed');
  assert.equal(c.groupCreate({ protected: true }).ret, 0);
});
