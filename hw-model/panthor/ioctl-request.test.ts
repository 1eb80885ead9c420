import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IoctlCmd } from '../../proto/index.js';
import { IOCTL_REQUEST, sizeofStruct } from './ioctl-request.js';
import { Client, bodies, boot, computeStream, testConfig } from './testing.js';
import { ms } from '../sim/index.js';

test('ioctl request numbers are those of the 6.18 headers (_IOWR with the struct sizes)', () => {
  assert.equal(IOCTL_REQUEST[IoctlCmd.GROUP_SUBMIT], 0xc0186449);
  assert.equal(IOCTL_REQUEST[IoctlCmd.DMA_HEAP_IOCTL_ALLOC], 0xc0184800);
  assert.equal(IOCTL_REQUEST[IoctlCmd.DEV_QUERY], 0xc0106440);
  assert.equal(IOCTL_REQUEST[IoctlCmd.GROUP_CREATE], 0xc0386447);      // 56-byte drm_panthor_group_create
  assert.equal(IOCTL_REQUEST[IoctlCmd.TILER_HEAP_CREATE], 0xc028644b); // 40 bytes
  assert.equal(IOCTL_REQUEST[IoctlCmd.SET_USER_MMIO_OFFSET], 0xc008644e);
  assert.equal(IOCTL_REQUEST[IoctlCmd.PRIME_HANDLE_TO_FD], 0xc00c642d);
  assert.equal(IOCTL_REQUEST[IoctlCmd.SYNCOBJ_CREATE], 0xc00864bf);
  assert.equal(IOCTL_REQUEST[IoctlCmd.SYNCOBJ_TIMELINE_WAIT], 0xc03064ca);
  assert.equal(IOCTL_REQUEST[IoctlCmd.BO_QUERY_INFO], undefined, 'not in 6.18');
  assert.equal(sizeofStruct(['u32', 'u64']), 16);
  assert.equal(sizeofStruct(['u64', 'u32']), 16, 'tail padding');
  assert.equal(sizeofStruct(['u32', 'u32', 'u32']), 12);
});

test('every traced ioctl carries its request number', () => {
  const b = boot(testConfig());
  const c = new Client(b.k, 100);
  const g = c.groupCreate().handle;
  c.submit(g, computeStream(ms(1)));
  c.heapAlloc('system', 4096);
  b.sim.run(b.sim.now + ms(5));
  const io = bodies(b.events, 'ioctl');
  assert.ok(io.length >= 6);
  for (const x of io) assert.equal(x.request, IOCTL_REQUEST[x.cmd ?? 0], `cmd ${x.cmd}`);
  assert.ok(io.some((x) => x.cmd === IoctlCmd.GROUP_SUBMIT && x.request === 0xc0186449));
  assert.ok(io.some((x) => x.cmd === IoctlCmd.DMA_HEAP_IOCTL_ALLOC && x.request === 0xc0184800));
});
