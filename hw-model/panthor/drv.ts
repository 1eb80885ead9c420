/**
 * panthor_drv.c: the render node's file operations and ioctl dispatch. panthor_open /
 * panthor_postclose (a panthor_file per open; groups, tiler heaps, BOs, VMs and syncobjs released
 * at close), the ioctl table (panthor_ioctl_* with their argument checks), DEV_QUERY
 * (panthor_ioctl_dev_query), GROUP_CREATE / GROUP_DESTROY / GROUP_GET_STATE / GROUP_SUBMIT
 * (panthor_ioctl_group_*, with panthor_group_create's checks from panthor_sched.c and the submit
 * context's sync operations, panthor_submit_ctx_*). BOs live in gem.ts, VMs in mmu.ts, tiler
 * heaps in heap.ts, syncobjs in syncobj.ts, PRIME and DMA_HEAP_IOCTL_ALLOC in prime.ts.
 *
 *   ioctl(pid, fd, args) ──► file kind ──► handler (checks → errno | objects) ──► ioctl event
 *                                                 └─ deferred step (ctx.post) with the event's index
 */
import { type DevQueryInit, type GroupCreateInit, type GroupSubmitInit, IoctlCmd, type IoctlInit, EACCES, EBADF, EBUSY, EINVAL, ENOTTY } from '../../proto/index.js';
import { IOCTL_CMD_OF, type IoctlArgs } from '../contract.js';
import { type DmaBuf, type HeapRegistry } from '../dma-heap/index.js';
import type { Sim } from '../sim/index.js';
import type { FdTable, Proc } from './fd-table.js';
import type { PanthorFw } from './fw.js';
import type { PanthorGem } from './gem.js';
import { IOCTL_REQUEST } from './ioctl-request.js';
import { tilerHeapCreate, tilerHeapDestroy } from './heap.js';
import type { DeviceCtl, IoctlCtx } from './interfaces.js';
import type { PanthorMmu } from './mmu.js';
import { Group, Job, PanthorFile, Queue, type SyncSignal, type Syncobj } from './objects.js';
import type { Prime } from './prime.js';
import type { Scheduler } from './sched.js';
import type { SyncobjTable } from './syncobj.js';
import type { PanthorTrace } from './trace.js';
import * as U from './uapi.js';

const CMD = IOCTL_CMD_OF;
/** GENMASK(30, 24) of drm_panthor_queue_submit.latest_flush. */
const LATEST_FLUSH_RESERVED = 0x7f000000;

/** What the ioctl layer dispatches to. */
export interface DrvDeps {
  sim: Sim;
  dev: DeviceCtl;
  trace: PanthorTrace;
  fds: FdTable;
  pfw: PanthorFw;
  gem: PanthorGem;
  mmu: PanthorMmu;
  sched: Scheduler;
  sync: SyncobjTable;
  prime: Prime;
  heaps: HeapRegistry;
  csgSlotCount: number;
}

export class PanthorDrv {
  private readonly ctx: IoctlCtx = { post: null };
  private readonly groupsById = new Map<number, Group>();
  private nextGroupId = 1;
  // What the post-ioctl step of the last GROUP_SUBMIT works on (no closure per call).
  private submitJobs: Job[] = [];
  private readonly postSubmitCb = (ev: number): void => {
    const jobs = this.submitJobs;
    this.submitJobs = [];
    for (const j of jobs) { (j as { submitEv: number }).submitEv = ev; this.d.sched.queueJob(j); }
  };

  constructor(private readonly d: DrvDeps) {}

  /** Model accessor for tests and tools: a group by its handle. */
  group(handle: number): Group | undefined { return this.groupsById.get(handle); }

  // ───────────── file operations ─────────────

  /** panthor_open: a new panthor_file on the lowest free fd. */
  open(p: Proc): number {
    let fd = 3;
    while (p.files.has(fd)) fd++;
    p.files.set(fd, { kind: 'render', pf: new PanthorFile(p.pid, fd, p.privileged) });
    return fd;
  }

  /** panthor_postclose: groups destroyed, tiler heaps, VMs and BOs released. */
  postclose(pf: PanthorFile, ev: number): void {
    const d = this.d;
    for (const g of [...pf.groups.values()]) { pf.groups.delete(g.id); this.groupsById.delete(g.id); d.sched.destroyGroup(g, ev); }
    pf.tilerHeaps.clear();
    for (const bo of pf.bos.values()) if (bo.dmabuf) d.heaps.bufPut(bo.dmabuf, pf.pid, ev);
    pf.bos.clear();
    for (const vm of pf.vms.values()) d.mmu.destroyVm(vm);
    pf.vms.clear();
    d.sync.closeFile(pf);
  }

  // ───────────── ioctl ─────────────

  ioctl(pid: number, fd: number, args: IoctlArgs): number {
    const c = args.case;
    const cmd = c ? CMD[c] : IoctlCmd.DEV_QUERY;
    const p = this.d.fds.procs.get(pid);
    const f = p?.files.get(fd);
    const ctx = this.ctx;
    let ret: number;
    ctx.post = null;
    if (!p || !f) ret = -EBADF;
    else if (c === 'dmaHeapAlloc') ret = f.kind === 'heap' ? this.d.prime.dmaHeapAlloc(p, f.heap, args.value) : -ENOTTY;
    else if (f.kind !== 'render') ret = -ENOTTY;
    else ret = this.drmIoctl(p, f.pf, args);
    const ev = this.d.sim.bus.emitBody({ case: 'ioctl', value: { pid, fd, cmd, ret, durationNs: 0, args, request: IOCTL_REQUEST[cmd] } as IoctlInit });
    const post = ctx.post as ((ev: number) => void) | null;
    ctx.post = null;
    // Set only by work that took effect (a failing synchronous VM_BIND may have applied some ops).
    if (post) post(ev);
    return ret;
  }

  private drmIoctl(p: Proc, pf: PanthorFile, args: IoctlArgs): number {
    const d = this.d;
    switch (args.case) {
      case 'devQuery': return this.devQuery(pf, args.value);
      case 'vmCreate': return d.mmu.vmCreate(pf, args.value);
      case 'vmDestroy': return args.value.pad ? -EINVAL : d.mmu.vmDestroyIoctl(pf, args.value.id ?? 0);
      case 'vmBind': return d.mmu.vmBind(pf, args.value, this.ctx);
      case 'vmGetState': return d.mmu.vmGetState(pf, args.value);
      case 'boCreate': return d.gem.boCreate(pf, args.value);
      case 'boMmapOffset': return d.gem.boMmapOffset(pf, args.value);
      case 'boSetLabel': return d.gem.boSetLabel(pf, args.value);
      // Not in 6.18's ioctl table: drm_ioctl() answers an unknown driver ioctl with -EINVAL.
      case 'boQueryInfo': return -EINVAL;
      case 'groupCreate': return this.groupCreate(p, pf, args.value);
      case 'groupDestroy': {
        if (args.value.pad) return -EINVAL;
        const g = pf.groups.get(args.value.groupHandle ?? 0);
        if (!g) return -EINVAL;
        pf.groups.delete(g.id);
        this.groupsById.delete(g.id);
        this.ctx.post = (ev) => d.sched.destroyGroup(g, ev);
        return 0;
      }
      case 'groupSubmit': return this.groupSubmit(pf, args.value);
      case 'groupGetState': {
        if (args.value.pad) return -EINVAL;
        const g = pf.groups.get(args.value.groupHandle ?? 0);
        if (!g) return -EINVAL;
        let st = 0;
        if (g.timedout) st |= U.DRM_PANTHOR_GROUP_STATE_TIMEDOUT;
        if (g.fatalQueues) st |= U.DRM_PANTHOR_GROUP_STATE_FATAL_FAULT;
        if (g.innocent) st |= U.DRM_PANTHOR_GROUP_STATE_INNOCENT;
        args.value.state = st;
        args.value.fatalQueues = g.fatalQueues;
        return 0;
      }
      case 'tilerHeapCreate': return tilerHeapCreate(pf, args.value);
      case 'tilerHeapDestroy': return args.value.pad ? -EINVAL : tilerHeapDestroy(pf, args.value.handle ?? 0);
      case 'primeFdToHandle': return d.prime.fdToHandle(p, pf, args.value);
      case 'primeHandleToFd': return d.prime.handleToFd(p, pf, args.value);
      case 'syncobjCreate': return d.sync.create(pf, args.value);
      case 'syncobjDestroy': return args.value.pad ? -EINVAL : d.sync.destroy(pf, args.value.handle ?? 0);
      case 'syncobjWait': return d.sync.waitNow(pf, args.value);
      case 'setUserMmioOffset': {
        const off = args.value.offset ?? 0;
        if (off !== U.DRM_PANTHOR_USER_MMIO_OFFSET_32BIT && off !== U.DRM_PANTHOR_USER_MMIO_OFFSET_64BIT) return -EINVAL;
        pf.userMmioOffset = off;
        return 0;
      }
      case 'dmaHeapAlloc': return -ENOTTY;
      default: return -EINVAL;
    }
  }

  private devQuery(pf: PanthorFile, a: DevQueryInit): number {
    const type = a.type ?? 0;
    const sz = U.DEV_QUERY_SIZES[type];
    if (!sz) return -EINVAL;
    if (!a.pointer) { a.size = sz.size; return 0; }
    if ((a.size ?? 0) < sz.min) return -EINVAL;
    const g = this.d.dev.cfg.gpu;
    switch (type) {
      case 0: a.gpuInfo = {
        gpuId: (g.gpuId <= 0xffff ? g.gpuId * 0x10000 : g.gpuId) >>> 0, gpuRev: 0, csfId: 0x40a0412,
        l2Features: 0x07120206, tilerFeatures: 0x809, memFeatures: 0x1, mmuFeatures: 0x2830,
        threadFeatures: 0x4000400, maxThreads: 2048, threadMaxWorkgroupSize: 1024, threadMaxBarrierSize: 1024,
        coherencyFeatures: 0x1, textureFeatures: [0xc1ffff9e, 0, 0, 0], asPresent: g.asPresent,
        shaderPresent: g.shaderPresent, l2Present: 1, tilerPresent: 1, coreFeatures: 0, gpuFeatures: 0,
      }; break;
      case 1: a.csifInfo = { csgSlotCount: this.d.csgSlotCount, csSlotCount: this.d.pfw.fw.streamNum, csRegCount: 96,
        scoreboardSlotCount: 8, unpreservedCsRegCount: 4 }; break;
      case 2: a.timestampInfo = { timestampFrequency: U.TIMESTAMP_FREQUENCY,
        currentTimestamp: Math.floor(this.d.sim.now * U.TIMESTAMP_FREQUENCY / 1e9), timestampOffset: 0 }; break;
      case 3: a.groupPrioritiesAllowedMask = pf.privileged ? 0xf : 0x3; break;
      case 4: a.protectedFeatures = this.protmAdvertised ? U.DRM_PANTHOR_PROTECTED_FEATURE_BASIC : 0; break;
      default: return -EINVAL;
    }
    return 0;
  }

  /** PROTECTED_INFO.features: BASIC only when a protected heap is known (invariant 4). */
  private get protmAdvertised(): boolean {
    const dev = this.d.dev;
    if (dev.heapPol.disabled || !dev.cfg.driver.protectedHeapName) return false;
    if (dev.protHeap) return true;
    if (dev.heapPol.lazySlowReset) return this.d.heaps.lookup(dev.cfg.driver.protectedHeapName) !== undefined;
    return dev.heapPol.userSupplied;
  }

  /**
   * panthor_ioctl_group_create + panthor_group_create, in their order: the queue count (only
   * > MAX_CS_PER_CSG is refused, not > the FW's stream count), group_priority_permit, pad (the
   * series' flags), core masks, the VM, the pool (xa_alloc: -EBUSY when full, before any queue is
   * looked at), then each queue (group_create_queue: pad, ring size, priority).
   */
  private groupCreate(p: Proc, pf: PanthorFile, a: GroupCreateInit): number {
    const d = this.d;
    const queues = a.queues ?? [];
    const gpu = d.dev.cfg.gpu;
    if (queues.length === 0 || queues.length > U.MAX_CS_PER_CSG) return -EINVAL;
    // group_priority_permit(): invalid → -EINVAL; HIGH/REALTIME need CAP_SYS_NICE or DRM master.
    const prio = a.priority ?? 0;
    if (prio > U.PANTHOR_GROUP_PRIORITY_REALTIME) return -EINVAL;
    if (prio > U.PANTHOR_GROUP_PRIORITY_MEDIUM && !p.privileged) return -EACCES;
    const flags = a.flags ?? 0;
    if (flags & ~U.DRM_PANTHOR_GROUP_CREATE_FLAGS) return -EINVAL;
    const cm = a.computeCoreMask ?? 0, fm = a.fragmentCoreMask ?? 0, tm = a.tilerCoreMask ?? 0;
    const sp = gpu.shaderPresent;
    if ((cm & ~sp) || (fm & ~sp) || (tm & ~1)) return -EINVAL;
    if (U.popcount(cm) < (a.maxComputeCores ?? 0) || U.popcount(fm) < (a.maxFragmentCores ?? 0) ||
        U.popcount(tm) < (a.maxTilerCores ?? 0)) return -EINVAL;
    const vm = pf.vms.get(a.vmId ?? 0);
    if (!vm) return -EINVAL;
    if (pf.groups.size >= U.MAX_GROUPS_PER_POOL) return -EBUSY;
    for (const q of queues) {
      const rs = q.ringbufSize ?? 0;
      if (q.pad && q.pad.some((x) => x !== 0)) return -EINVAL;
      if (!U.isPow2(rs) || rs < U.MIN_RINGBUF_SIZE || rs > U.MAX_RINGBUF_SIZE) return -EINVAL;
      if ((q.priority ?? 0) > U.MAX_CSG_PRIO) return -EINVAL;
    }
    const prot = (flags & U.DRM_PANTHOR_GROUP_CREATE_PROTECTED) !== 0;
    let suspend: DmaBuf | null = null;
    const id = this.nextGroupId;
    if (prot) {
      const r = d.dev.protectedSuspendBuffer(p, a.protmBufFd ?? 0, id);
      if (typeof r === 'number') return r;
      suspend = r;
    }
    this.nextGroupId++;
    const g = new Group(id, pf, p.pid, prio, prot, vm);
    for (const [i, qc] of queues.entries()) {
      g.queues.push(new Queue(g, i, qc.priority ?? 0, qc.ringbufSize ?? 0, vm, d.sched));
    }
    g.suspendVa = 0x1_0000_0000 + id * U.CSG_SUSPEND_SIZE;
    if (suspend) { g.protmSuspendBuf = suspend; g.protmSuspendVa = 0x2_0000_0000 + id * U.CSG_PROTM_SUSPEND_SIZE; }
    pf.groups.set(id, g);
    this.groupsById.set(id, g);
    d.sched.addGroup(g);
    a.groupHandle = id;
    this.ctx.post = (ev) => d.trace.emitGroupState(g, g.state, g.state, ev);
    return 0;
  }

  /** panthor_ioctl_group_submit + panthor_job_create's checks + the submit context's sync ops. */
  private groupSubmit(pf: PanthorFile, a: GroupSubmitInit): number {
    if (a.pad) return -EINVAL;
    const g = pf.groups.get(a.groupHandle ?? 0);
    if (!g) return -EINVAL;
    const subs = a.queueSubmits ?? [];
    for (const s of subs) {
      const qi = s.queueIndex ?? 0, size = s.streamSize ?? 0, addr = s.streamAddr ?? 0;
      if (s.pad) return -EINVAL;
      if ((size === 0) !== (addr === 0)) return -EINVAL;
      if (addr % 64 !== 0 || size % 8 !== 0) return -EINVAL;
      // latest_flush bits 24:30 must be zero.
      if ((s.latestFlush ?? 0) & LATEST_FLUSH_RESERVED) return -EINVAL;
      if (qi >= g.queues.length) return -EINVAL;
      for (const so of s.syncs ?? []) {
        const fl = so.flags ?? 0;
        if ((fl & U.DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_MASK) > U.DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_TIMELINE_SYNCOBJ) return -EINVAL;
        if (fl & ~(U.DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_MASK | U.DRM_PANTHOR_SYNC_OP_SIGNAL)) return -EINVAL;
        if (!pf.syncobjs.has(so.handle ?? 0)) return -EINVAL;
      }
    }
    // group_can_run(): submits to a dead group fail (invariant 16).
    if (!g.canRun) return -EINVAL;
    const jobs: Job[] = [];
    for (const s of subs) {
      const q = g.queues[s.queueIndex ?? 0]!;   // checked above: qi < g.queues.length
      const signals: SyncSignal[] = [];
      let deps = 0;
      let waits: { obj: Syncobj; point: number }[] | null = null;
      for (const so of s.syncs ?? []) {
        const obj = pf.syncobjs.get(so.handle ?? 0) as Syncobj;
        const timeline = ((so.flags ?? 0) & U.DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_MASK) === U.DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_TIMELINE_SYNCOBJ;
        const point = timeline ? (so.timelineValue ?? 0) : 1;
        if ((so.flags ?? 0) & U.DRM_PANTHOR_SYNC_OP_SIGNAL) {
          if (!timeline) obj.value = 0;           // the binary syncobj gets the job's (unsignalled) fence
          signals.push({ obj, point });
        } else if (obj.value < point) { deps++; (waits ??= []).push({ obj, point }); }
      }
      const j = new Job(q, ++q.seqno, s.streamAddr ?? 0, s.streamSize ?? 0, signals, s.protRegion ?? false, s.frame ?? 0, -1, s.deadlineNs ?? 0);
      j.deps = deps;
      s.jobSeqno = j.seqno;
      jobs.push(j);
      if (waits) for (const w of waits) this.d.sync.waitSyncobj(w.obj, w.point, j);
    }
    this.submitJobs = jobs;
    this.ctx.post = this.postSubmitCb;
    return 0;
  }
}
