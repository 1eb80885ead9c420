/**
 * What the devices of this folder need of the rest of the kernel model: the dma-heap registry
 * (dma-buf references), the fd table (dma_buf_get(fd)) and, for attributing a missed vblank, what
 * the panthor scheduler knows of a group. The panthor device implements it (panthor/device.ts).
 */
import type { DmaBuf, HeapRegistry } from '../dma-heap/index.js';

export interface DeviceHost {
  readonly heaps: HeapRegistry;
  /** dma_buf_get(fd): the dma-buf an fd of `pid` refers to, or undefined (-EBADF). */
  dmaBufOf(pid: number, fd: number): DmaBuf | undefined;
  /** A queue of the group waits for protected mode: CS_PROTM_PENDING raised and not yet granted. */
  protmWaiting(groupHandle: number): boolean;
  /** The GPU driver's own protected heap (DT property / module parameter; "" = none). */
  readonly gpuProtectedHeap: string;
}
