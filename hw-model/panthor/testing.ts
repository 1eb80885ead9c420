/**
 * Test support for the kernel model: a complete ScenarioConfig with small defaults, a booted kernel
 * with an event log, and a tiny libdrm-like client that drives the uAPI with hand-made CS streams.
 * Used by the kernel, firmware, policy and dma-heap tests (not by the simulator itself).
 */
import type { EventInit } from '../../proto/index.js';
import { CsOpcode, DMA_HEAP_DIR, DRI_RENDER_NODE, type CsInstr, type ScenarioConfig } from '../contract.js';
import { O_CLOEXEC, O_RDWR } from '../dma-heap/index.js';
import { DEFAULT_FW_ASSUMPTIONS } from '../firmware/index.js';
import { Sim, ms, sec, type Ns } from '../sim/index.js';
import { createKernel, type Kernel } from './device.js';
import * as U from './uapi.js';

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** A scenario with one 64 MiB protected carve-out, the reviewed 2026 policy and no apps. */
export function testConfig(over: {
  driver?: Partial<ScenarioConfig['driver']>; gpu?: Partial<ScenarioConfig['gpu']>;
  heaps?: ScenarioConfig['heaps']; seed?: number;
} = {}): ScenarioConfig {
  return {
    name: 'test', description: '', duration: sec(1), seed: over.seed ?? 1, firmware: { ...DEFAULT_FW_ASSUMPTIONS },
    gpu: { gpuId: 0xa867, shaderPresent: 0x50005, asPresent: 0xff, groupNum: 8, streamNum: 8, fwVersion: '1.5.0', clockMhz: 1000, ...over.gpu },
    heaps: over.heaps ?? [
      { name: 'system', kind: 'system', size: 0, appearAt: 0, allocLatency: 0, failAllocsAfter: -1 },
      { name: 'protected', kind: 'protected-carveout', size: 64 << 20, appearAt: 0, allocLatency: 0, failAllocsAfter: -1 },
    ],
    driver: {
      protmPolicy: 'panthor-2026-reviewed', heapPolicy: 'probe-defer', heapNameSource: 'module-param',
      protectedHeapName: 'protected', tickPeriod: ms(10), pingInterval: sec(12), jobTimeout: sec(5),
      // Runtime PM off unless a test asks for it (its own tests do: pm.test.ts).
      runtimePm: false, autosuspendDelay: ms(50), ...over.driver,
    },
    apps: [], faults: [],
  };
}

export interface Booted { sim: Sim; k: Kernel; events: EventInit[] }

/** Creates the kernel, records every event, starts it and runs until `until` (boot done by 20 ms). */
export function boot(cfg: ScenarioConfig, until: Ns = ms(20)): Booted {
  const sim = new Sim(cfg.seed);
  const events: EventInit[] = [];
  sim.bus.subscribe({ onEvent(ev) { events.push(ev); } });
  const k = createKernel(sim, cfg);
  k.start();
  sim.run(until);
  return { sim, k, events };
}

type Body = NonNullable<EventInit['body']>;
type ValueOf<C extends Body['case']> = NonNullable<Extract<Body, { case: C }>['value']>;

/** Events of one family, with their values. */
export function bodies<C extends Body['case']>(events: EventInit[], c: C): ValueOf<C>[] {
  const out: ValueOf<C>[] = [];
  for (const e of events) if (e.body && e.body.case === c) out.push(e.body.value as ValueOf<C>);
  return out;
}

const CS_VA = 0x10_0000;
const CS_BO_SIZE = 0x1_0000;

/** A process with the render node open: VM, a command-stream BO mapped at CS_VA, one syncobj. */
export class Client {
  readonly fd: number;
  vm = 0;
  csBo = 0;
  syncobj = 0;
  point = 0;
  private nextOffset = 0;

  constructor(readonly k: Kernel, readonly pid: number, comm = `p${pid}`, privileged = false) {
    k.spawn(pid, comm, 'system', privileged);
    this.fd = k.open(pid, DRI_RENDER_NODE);
    if (this.fd < 0) return;
    const vc = { flags: 0, id: 0, userVaRange: 0 };
    k.ioctl(pid, this.fd, { case: 'vmCreate', value: vc });
    this.vm = vc.id;
    this.csBo = this.boCreate(CS_BO_SIZE).handle;
    this.map(this.csBo, CS_VA, CS_BO_SIZE);
    const sc = { flags: 0, handle: 0 };
    k.ioctl(pid, this.fd, { case: 'syncobjCreate', value: sc });
    this.syncobj = sc.handle;
  }

  boCreate(size: number, flags = 0, exclusiveVmId = 0): { ret: number; handle: number } {
    const v = { size, flags, exclusiveVmId, handle: 0 };
    const ret = this.k.ioctl(this.pid, this.fd, { case: 'boCreate', value: v });
    return { ret, handle: v.handle };
  }

  map(bo: number, va: number, size: number, flags = 0): number {
    return this.k.ioctl(this.pid, this.fd, { case: 'vmBind', value: { vmId: this.vm, flags: 0,
      ops: [{ flags: U.DRM_PANTHOR_VM_BIND_OP_TYPE_MAP | flags, boHandle: bo, boOffset: 0, va, size, syncs: [] }] } });
  }

  groupCreate(o: { priority?: number; protected?: boolean; queues?: number; ringbufSize?: number; queuePriority?: number;
    protmBufFd?: number } = {}): { ret: number; handle: number } {
    const queues = [];
    for (let i = 0; i < (o.queues ?? 1); i++) queues.push({ priority: o.queuePriority ?? 1, ringbufSize: o.ringbufSize ?? 16384 });
    const v = {
      queues, maxComputeCores: 4, maxFragmentCores: 4, maxTilerCores: 1, priority: o.priority ?? U.PANTHOR_GROUP_PRIORITY_MEDIUM,
      flags: o.protected ? U.DRM_PANTHOR_GROUP_CREATE_PROTECTED : 0, computeCoreMask: 0x50005, fragmentCoreMask: 0x50005,
      tilerCoreMask: 1, vmId: this.vm, groupHandle: 0, protmBufFd: o.protmBufFd ?? 0,
    };
    const ret = this.k.ioctl(this.pid, this.fd, { case: 'groupCreate', value: v });
    return { ret, handle: v.groupHandle };
  }

  /** Copies `stream` into the CS BO and submits it on `queue`, signalling the next syncobj point. */
  submit(group: number, stream: CsInstr[], o: { queue?: number; addr?: number; size?: number } = {}): number {
    const off = this.nextOffset;
    this.nextOffset = (this.nextOffset + 0x400) % CS_BO_SIZE;
    this.k.writeStream(this.pid, this.fd, this.csBo, off, stream);
    const point = this.point + 1;
    const prot = stream.some((i) => i.op === CsOpcode.PROT_REGION);
    const ret = this.k.ioctl(this.pid, this.fd, { case: 'groupSubmit', value: { groupHandle: group, queueSubmits: [{
      queueIndex: o.queue ?? 0, streamSize: o.size ?? stream.length * 8, streamAddr: o.addr ?? CS_VA + off, latestFlush: 0,
      syncs: [{ flags: U.DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_TIMELINE_SYNCOBJ | U.DRM_PANTHOR_SYNC_OP_SIGNAL, handle: this.syncobj, timelineValue: point }],
      protRegion: prot, frame: point,
    }] } });
    if (ret === 0) this.point = point;
    return ret;
  }

  /** Signalled timeline point of the client's syncobj. */
  get done(): number { return this.k.syncobjValue(this.pid, this.fd, this.syncobj); }

  groupState(group: number): { ret: number; state: number; fatalQueues: number } {
    const v = { groupHandle: group, state: 0, fatalQueues: 0 };
    const ret = this.k.ioctl(this.pid, this.fd, { case: 'groupGetState', value: v });
    return { ret, state: v.state, fatalQueues: v.fatalQueues };
  }

  /** open(/dev/dma_heap/<name>) + DMA_HEAP_IOCTL_ALLOC; returns the ioctl result and the dma-buf fd. */
  heapAlloc(heap: string, len: number, o: { fd?: number; fdFlags?: number; heapFlags?: number } = {}): { ret: number; fd: number } {
    const hfd = this.k.open(this.pid, DMA_HEAP_DIR + heap);
    if (hfd < 0) return { ret: hfd, fd: -1 };
    const v = { len, fd: o.fd ?? 0, fdFlags: o.fdFlags ?? (O_RDWR | O_CLOEXEC), heapFlags: o.heapFlags ?? 0, heap: '', bufferId: 0 };
    const ret = this.k.ioctl(this.pid, hfd, { case: 'dmaHeapAlloc', value: v });
    this.k.close(this.pid, hfd);
    return { ret, fd: ret === 0 ? v.fd : -1 };
  }
}

/** A stream: one RUN_COMPUTE of `dur`. */
export const computeStream = (dur: Ns): CsInstr[] => [{ op: CsOpcode.RUN_COMPUTE, duration: dur }, { op: CsOpcode.WAIT, sbMask: 0xff }];

/** Mesa's protected sequence: WAIT(all), PROT_REGION(2×8), RUN_FRAGMENT, WAIT. */
export const protectedStream = (dur: Ns): CsInstr[] => [
  { op: CsOpcode.WAIT, sbMask: 0xff }, { op: CsOpcode.PROT_REGION, size: 16 },
  { op: CsOpcode.RUN_FRAGMENT, duration: dur }, { op: CsOpcode.WAIT, sbMask: 0xff },
];
