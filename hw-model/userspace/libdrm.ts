/**
 * A thin libdrm-like layer over the uAPI: one method per ioctl, building the request struct,
 * calling `UapiKernel.ioctl` and returning the result code with the out fields the kernel filled.
 * Each call builds a fresh args object: sinks may keep the traced event, so requests are never reused.
 */
import {
  DMA_HEAP_DIR, DRI_RENDER_NODE, type CsInstr, type IoctlArgs, type UapiKernel,
} from '../contract.js';
import {
  DevQueryType, type DevQueryInit, type GroupCreateInit, type QueueCreateInit, type QueueSubmitInit,
  type SyncOpInit, type VmBindOpInit,
} from '../../proto/index.js';
import type { Ns } from '../sim/index.js';
import { DRM_PANTHOR_VM_BIND_OP_TYPE_MAP, DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP, O_CLOEXEC, O_RDWR } from './uapi.js';

/** Result of a call with one out value: `ret` is 0 / an fd, or -errno. */
export interface Out<T> { ret: number; value: T }

/** An open render node of one process (/dev/dri/renderD128). */
export class DrmDevice {
  private constructor(readonly k: UapiKernel, readonly pid: number, readonly fd: number) {}

  /** open("/dev/dri/renderD128"): the device, or -errno (e.g. -ENOENT before the probe succeeds). */
  static open(k: UapiKernel, pid: number): DrmDevice | number {
    const fd = k.open(pid, DRI_RENDER_NODE);
    return fd < 0 ? fd : new DrmDevice(k, pid, fd);
  }

  close(): number { return this.k.close(this.pid, this.fd); }

  private call(args: IoctlArgs): number { return this.k.ioctl(this.pid, this.fd, args); }

  /** DEV_QUERY with a buffer (pointer != 0): the out struct is in the returned DevQuery. */
  devQuery(type: DevQueryType, size: number): Out<DevQueryInit> {
    const value: DevQueryInit = { type, size, pointer: 0x7fff_0000_0000 };
    return { ret: this.call({ case: 'devQuery', value }), value };
  }

  vmCreate(userVaRange = 0): Out<number> {
    const value = { flags: 0, id: 0, userVaRange };
    const ret = this.call({ case: 'vmCreate', value });
    return { ret, value: value.id };
  }

  vmDestroy(id: number): number { return this.call({ case: 'vmDestroy', value: { id } }); }

  /** VM_BIND with one synchronous MAP op. */
  vmMap(vmId: number, boHandle: number, va: number, size: number, flags = 0): number {
    return this.vmBind(vmId, [mapOp(boHandle, va, size, flags)]);
  }

  /** Synchronous VM_BIND with the given ops (all-or-nothing in the kernel). */
  vmBind(vmId: number, ops: VmBindOpInit[]): number {
    return this.call({ case: 'vmBind', value: { vmId, flags: 0, ops } });
  }

  /** BO_CREATE: `size` is page-aligned by the kernel; returns the handle. */
  boCreate(size: number, flags: number, exclusiveVmId: number): Out<number> {
    const value = { size, flags, exclusiveVmId, handle: 0 };
    const ret = this.call({ case: 'boCreate', value });
    return { ret, value: value.handle };
  }

  /** TILER_HEAP_CREATE: the handle, and the heap context's GPU VA (what HEAP_SET takes). */
  tilerHeapCreate(vmId: number, chunkSize: number, initialChunks: number, maxChunks: number, targetInFlight: number): Out<number> & { ctxVa: number } {
    const value = {
      vmId, initialChunkCount: initialChunks, chunkSize, maxChunks, targetInFlight,
      handle: 0, tilerHeapCtxGpuVa: 0, firstHeapChunkGpuVa: 0,
    };
    const ret = this.call({ case: 'tilerHeapCreate', value });
    return { ret, value: value.handle, ctxVa: value.tilerHeapCtxGpuVa };
  }

  tilerHeapDestroy(handle: number): number { return this.call({ case: 'tilerHeapDestroy', value: { handle } }); }

  groupCreate(req: {
    queues: QueueCreateInit[]; priority: number; flags: number; vmId: number;
    coreMask: number; tilerMask: number; maxCores: number; protmBufFd?: number;
  }): Out<number> {
    const value: GroupCreateInit = {
      queues: req.queues,
      maxComputeCores: req.maxCores, maxFragmentCores: req.maxCores, maxTilerCores: 1,
      priority: req.priority, flags: req.flags,
      computeCoreMask: req.coreMask, fragmentCoreMask: req.coreMask, tilerCoreMask: req.tilerMask,
      vmId: req.vmId, groupHandle: 0,
    };
    if (req.protmBufFd) value.protmBufFd = req.protmBufFd;
    const ret = this.call({ case: 'groupCreate', value });
    return { ret, value: value.groupHandle ?? 0 };
  }

  groupDestroy(groupHandle: number): number { return this.call({ case: 'groupDestroy', value: { groupHandle } }); }

  groupSubmit(groupHandle: number, queueSubmits: QueueSubmitInit[]): number {
    return this.call({ case: 'groupSubmit', value: { groupHandle, queueSubmits } });
  }

  /** GROUP_GET_STATE: DRM_PANTHOR_GROUP_STATE_* flags and the fatal queue mask. */
  groupGetState(groupHandle: number): Out<{ state: number; fatalQueues: number }> {
    const value = { groupHandle, state: 0, fatalQueues: 0 };
    const ret = this.call({ case: 'groupGetState', value });
    return { ret, value: { state: value.state, fatalQueues: value.fatalQueues } };
  }

  syncobjCreate(flags = 0): Out<number> {
    const value = { flags, handle: 0 };
    const ret = this.call({ case: 'syncobjCreate', value });
    return { ret, value: value.handle };
  }

  syncobjDestroy(handle: number): number { return this.call({ case: 'syncobjDestroy', value: { handle } }); }

  /** DRM_IOCTL_PRIME_FD_TO_HANDLE: import a dma-buf into a GEM handle. */
  primeFdToHandle(fd: number): Out<number> {
    const value = { fd, flags: 0, handle: 0 };
    const ret = this.call({ case: 'primeFdToHandle', value });
    return { ret, value: value.handle };
  }

  /** mmap + memcpy of a command stream into a BO. */
  writeStream(boHandle: number, offset: number, instrs: CsInstr[]): number {
    return this.k.writeStream(this.pid, this.fd, boHandle, offset, instrs);
  }

  /** DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT; `cb(ret)` runs when every point is reached or at the timeout. */
  syncobjWait(handles: number[], points: number[], timeoutAbs: Ns, cb: (ret: number) => void): void {
    this.k.syncobjWait(this.pid, this.fd, handles, points, timeoutAbs, cb);
  }

  syncobjValue(handle: number): number { return this.k.syncobjValue(this.pid, this.fd, handle); }
}

export function mapOp(boHandle: number, va: number, size: number, flags = 0): VmBindOpInit {
  return { flags: DRM_PANTHOR_VM_BIND_OP_TYPE_MAP | flags, boHandle, boOffset: 0, va, size, syncs: [] };
}

export function unmapOp(va: number, size: number): VmBindOpInit {
  return { flags: DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP, boHandle: 0, boOffset: 0, va, size, syncs: [] };
}

/** A timeline-syncobj signal op for a queue submit. */
export function signalOp(handle: number, point: number, flags: number): SyncOpInit {
  return { flags, handle, timelineValue: point };
}

/** An open /dev/dma_heap/<name> node of one process. */
export class DmaHeapNode {
  private constructor(readonly k: UapiKernel, readonly pid: number, readonly fd: number, readonly name: string) {}

  static open(k: UapiKernel, pid: number, name: string): DmaHeapNode | number {
    const fd = k.open(pid, DMA_HEAP_DIR + name);
    return fd < 0 ? fd : new DmaHeapNode(k, pid, fd, name);
  }

  close(): number { return this.k.close(this.pid, this.fd); }

  /** DMA_HEAP_IOCTL_ALLOC: a dma-buf fd of `len` bytes, or -errno. */
  alloc(len: number, fdFlags = O_RDWR | O_CLOEXEC): Out<number> {
    const value = { len, fd: 0, fdFlags, heapFlags: 0, heap: this.name, bufferId: 0 };
    const ret = this.k.ioctl(this.pid, this.fd, { case: 'dmaHeapAlloc', value });
    return { ret, value: ret < 0 ? ret : value.fd };
  }
}

export { DevQueryType };
