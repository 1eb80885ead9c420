/**
 * The kernel side of the model: the panthor device (probe with the protected heap, FW load, boot,
 * global init, watchdog, reset), its uAPI (every ioctl of reference §1 with the kernel's checks),
 * the dma-heap character devices, processes and their fds, and the IRQ handlers that feed the
 * scheduler (sched.ts).
 *
 *   app ──ioctl──► Kernel.ioctl ──► validate ──► objects / Scheduler ──► FW requests + doorbells
 *   FW ──JOB_IRQ/GPU_IRQ──► handleJobIrq/handleGpuIrq ──► Scheduler (jobs, ticks) / reset
 *
 * Every call emits one `ioctl` tracepoint with the decoded args and the result.
 */
import {
  BlockedReason, FaultKind, FwIface, FwReqKind, GroupStateKind, HeapPurpose, IoctlCmd, IrqLine, JobPhase, LogLevel,
  ModeSwitchCause, ProbeStage, ProcessOp, ResetCause, ResetKind, ResetPhase, WatchdogOp, GpuMode, completeFwRequest,
  type FwRequestInit, type IoctlInit,
} from '../../proto/index.js';
import {
  DMA_HEAP_DIR, DRI_RENDER_NODE, IOCTL_CMD_OF, type AppKind, type CsInstr, type FaultConfig, type IoctlArgs,
  type ScenarioConfig, type UapiKernel,
} from '../contract.js';
import {
  DmaBuf, DmaHeap, HeapRegistry, checkAllocArgs, pageAlign, O_RDWR, O_CLOEXEC,
  E2BIG, EACCES, EBADF, EBUSY, EINVAL, ENOENT, ENOTTY, EOPNOTSUPP, EPERM, EPROBE_DEFER, ETIME, PAGE_SIZE,
} from '../dma-heap/index.js';
import * as R from '../firmware/regs.js';
import { Firmware, type FwHost } from '../firmware/index.js';
import { heapPolicy, protmPolicy, type HeapPolicyDesc, type ProtmPolicyDesc } from '../policies/index.js';
import type { Ns, Sim } from '../sim/index.js';
import { Bo, Group, Job, PanthorFile, Queue, Syncobj, Vm, type SyncSignal, type SyncWaiter } from './objects.js';
import { Scheduler, removeAt } from './sched.js';
import * as U from './uapi.js';
import { Worker, waitUntil, type Work } from './work.js';

type FileRef =
  | { kind: 'render'; pf: PanthorFile }
  | { kind: 'heap'; heap: DmaHeap }
  | { kind: 'dmabuf'; buf: DmaBuf };

interface Proc {
  pid: number;
  comm: string;
  kind: AppKind | 'system';
  privileged: boolean;
  files: Map<number, FileRef>;
  nextFd: number;
}

/** Model FW image: sections of mali_csffw.bin (the PROT one comes from the protected heap). */
const FW_SECTIONS: readonly { flags: number; size: number }[] = [
  { flags: R.CSF_FW_BINARY_IFACE_ENTRY_RD | R.CSF_FW_BINARY_IFACE_ENTRY_EX | R.CSF_FW_BINARY_IFACE_ENTRY_CACHE_MODE_CACHED, size: 0x60000 },
  { flags: R.CSF_FW_BINARY_IFACE_ENTRY_RD | R.CSF_FW_BINARY_IFACE_ENTRY_WR | R.CSF_FW_BINARY_IFACE_ENTRY_ZERO, size: 0x20000 },
  { flags: R.CSF_FW_BINARY_IFACE_ENTRY_RD | R.CSF_FW_BINARY_IFACE_ENTRY_WR | R.CSF_FW_BINARY_IFACE_ENTRY_SHARED, size: R.CSF_MCU_SHARED_REGION_SIZE >>> 4 },
  { flags: R.CSF_FW_BINARY_IFACE_ENTRY_RD | R.CSF_FW_BINARY_IFACE_ENTRY_WR | R.CSF_FW_BINARY_IFACE_ENTRY_EX | R.CSF_FW_BINARY_IFACE_ENTRY_PROT, size: 0x40000 },
];
const PROT_SECTION_SIZE = 0x40000;

const CMD = IOCTL_CMD_OF;

const popcount = (x: number): number => {
  let n = 0;
  for (let v = x; v > 0; v = Math.floor(v / 2)) n += v & 1;
  return n;
};
const isPow2 = (x: number): boolean => x > 0 && (x & (x - 1)) === 0;

export class Kernel implements UapiKernel, FwHost {
  readonly heaps: HeapRegistry;
  readonly fw: Firmware;
  readonly sched: Scheduler;
  readonly worker: Worker;
  readonly protm: ProtmPolicyDesc;
  readonly heapPol: HeapPolicyDesc;
  readonly csgSlotCount: number;
  readonly asCount: number;

  // device state
  probed = false;
  private probeAttempt = 0;
  private probing = false;
  /** Booted and not resetting: the scheduler may run. */
  ready = false;
  /** The device's reference on the protected heap (dma_heap_find at probe). */
  protHeap: DmaHeap | null = null;
  private protSections: DmaBuf[] = [];
  protSectionsLoaded = false;
  /** lazy-slow-reset / userspace-dmabuf: a slow reset that loads the protected sections is queued. */
  lazyResetPending = false;
  private resetPending: { kind: ResetKind; cause: ResetCause; ev: number } | null = null;
  resetCount = 0;
  private unusable = false;
  /** shutdown() in progress: groups are torn down without FW round trips. */
  shuttingDown = false;

  private readonly procs = new Map<number, Proc>();
  private readonly groupsById = new Map<number, Group>();
  private readonly vmsById = new Map<number, Vm>();
  private nextGroupId = 1;
  private nextVmId = 1;
  private postIoctl: ((ev: number) => void) | null = null;
  // What the post-ioctl step of the last VM_BIND / GROUP_SUBMIT works on (no closure per call).
  private bindVm: Vm | null = null;
  private bindAsNr = -1;
  private bindRegion = 0;
  private submitJobs: Job[] = [];
  private readonly postVmBindCb = (ev: number): void => {
    const vm = this.bindVm as Vm;
    this.bindVm = null;
    this.vmBindMmu(vm, this.bindAsNr, this.bindRegion, ev);
  };
  private readonly postSubmitCb = (ev: number): void => {
    const jobs = this.submitJobs;
    this.submitJobs = [];
    for (const j of jobs) { (j as { submitEv: number }).submitEv = ev; this.sched.queueJob(j); }
  };

  // watchdog
  private pingToken = -1;
  private pingTimeoutToken = -1;
  private pingEv = -1;
  private readonly pingCb = (): void => this.pingWork();
  private readonly pingTimeoutCb = (): void => this.pingTimeout();
  private readonly waiterCb = (w: SyncWaiter): void => this.fireWaiter(w, 0);
  /**
   * Blocking waits whose timeout is still scheduled, by id. The timeout callback carries the id,
   * not the waiter: a wait that completes early (nearly all of them) leaves nothing alive behind it
   * until its timeout time comes (no cancellation: the callback finds no waiter and does nothing).
   */
  private readonly timedWaits = new Map<number, SyncWaiter>();
  private nextWaitId = 1;
  private readonly waiterTimeoutCb = (id: number): void => {
    const w = this.timedWaits.get(id);
    if (w) this.fireWaiter(w, -ETIME);
  };

  constructor(readonly sim: Sim, readonly cfg: ScenarioConfig) {
    this.heaps = new HeapRegistry(sim);
    this.protm = protmPolicy(cfg.driver.protmPolicy);
    this.heapPol = heapPolicy(cfg.driver.heapPolicy);
    const groupNum = Math.max(3, Math.min(31, cfg.gpu.groupNum));
    this.csgSlotCount = Math.min(31, groupNum, 16);
    this.asCount = popcount(cfg.gpu.asPresent & ~1);
    this.fw = new Firmware(sim, this, this.csgSlotCount, Math.max(1, Math.min(32, cfg.gpu.streamNum)));
    this.sched = new Scheduler(this, this.csgSlotCount);
    this.worker = new Worker(sim);
    this.heaps.onAdd((heap, ev) => this.onHeapAdded(heap, ev));
  }

  // ═════════════════════════════ lifecycle ═════════════════════════════

  /** Heaps register at their appearAt; the GPU probes at t=0. */
  start(): void {
    for (const h of this.cfg.heaps) this.sim.at(h.appearAt, (c) => { this.heaps.add(c); }, h);
    this.sim.at(0, () => this.probe(-1));
  }

  /** Teardown at the end of the run: processes exit, the device drops its heap references. */
  shutdown(): void {
    this.shuttingDown = true;
    this.worker.flush();
    for (const pid of [...this.procs.keys()]) this.exit(pid);
    this.worker.flush();
    if (this.pingToken >= 0) this.sim.cancel(this.pingToken);
    if (this.pingTimeoutToken >= 0) this.sim.cancel(this.pingTimeoutToken);
    if (!this.probed) return;
    const ev = this.emitProbe({ stage: ProbeStage.PROBE_REMOVE, heapName: this.cfg.driver.protectedHeapName });
    for (const b of this.protSections) this.heaps.bufPut(b, 0, ev);
    this.protSections = [];
    if (this.protHeap) { this.heaps.put(this.protHeap, HeapPurpose.PURPOSE_PROBE, 0, ev); this.protHeap = null; }
  }

  /** A scenario fault at its time. */
  inject(f: FaultConfig): void {
    const ev = this.log(LogLevel.LOG_INFO, `inject ${f.kind}${f.app ? ` app=${f.app}` : ''}${f.heap ? ` heap=${f.heap}` : ''}`);
    const n = Math.max(1, f.count || 1);
    switch (f.kind) {
      case 'heap-alloc-fail': {
        const h = this.heaps.lookup(f.heap || this.cfg.driver.protectedHeapName);
        if (h) h.failNext += n;
        break;
      }
      case 'fw-ack-timeout': this.fw.dropCsgAcks += n; break;
      case 'protm-enter-timeout': this.fw.dropProtmEnterAcks += n; break;
      case 'ping-timeout': this.fw.dropPingAcks += n; break;
      case 'protm-fault': this.fw.injectProtmFault(ev); break;
      case 'cs-fatal': case 'cs-unrecoverable': case 'job-hang': {
        const type = f.kind === 'cs-unrecoverable' ? R.DRM_PANTHOR_EXCEPTION_CS_UNRECOVERABLE : R.DRM_PANTHOR_EXCEPTION_CS_BUS_FAULT;
        for (const g of this.groupsOf(f.app)) {
          const st = g.queues[0].st;
          if (f.kind === 'job-hang') st.injectHang = true; else st.injectFatal = type;
        }
        break;
      }
      case 'heap-remove': {
        const h = this.heaps.remove(f.heap || this.cfg.driver.protectedHeapName, ev);
        if (h && h.refcount > 0) this.log(LogLevel.LOG_WARN, `dma-heap ${h.name} removed with ${h.refcount} references held`, this.heaps.lastEvent, 'dma-heap');
        break;
      }
      default: break;
    }
  }

  private groupsOf(comm: string): Group[] {
    const out: Group[] = [];
    for (const g of this.sched.groups) {
      const p = this.procs.get(g.pid);
      if (p && p.comm === comm && g.canRun) out.push(g);
    }
    return out;
  }

  // ═════════════════════════════ tracing helpers ═════════════════════════════

  log(level: LogLevel, msg: string, cause = -1, source = 'panthor'): number {
    return this.sim.bus.emitBody({ case: 'log', value: { level, msg, source } }, cause);
  }

  private emitProbe(v: import('../../proto/index.js').ProbeInit, cause = -1): number {
    return this.sim.bus.emitBody({ case: 'probe', value: { heapNameSource: this.cfg.driver.heapNameSource, attempt: this.probeAttempt, ...v } }, cause);
  }

  emitFwReq(v: FwRequestInit, cause: number): number {
    return this.sim.bus.emitBody({ case: 'fwReq', value: completeFwRequest(v) }, cause);
  }

  emitGroupState(g: Group, from: GroupStateKind, to: GroupStateKind, cause: number): number {
    return this.sim.bus.emitBody({ case: 'groupState', value: {
      group: g.id, from, to, csgSlot: g.csgId, pid: g.pid, priority: g.priority, isProtected: g.isProtected,
      timedout: g.timedout, fatalQueues: g.fatalQueues, innocent: g.innocent, vmId: g.vm.id,
      queueCount: g.queues.length, protmPendingQueues: g.protmPendingQueues, protmSuspendBuf: g.protmSuspendVa,
      protmSuspendBufferId: g.protmSuspendBuf ? g.protmSuspendBuf.id : 0,
    } }, cause);
  }

  emitQueueState(q: Queue, cause: number): number {
    const st = q.st;
    return this.sim.bus.emitBody({ case: 'queueState', value: {
      group: q.group.id, queue: q.index, insert: q.insert * 8, extract: q.extract * 8, blocked: st.blocked as BlockedReason,
      protmPending: st.protPending, idle: q.insert === q.extract && !st.frames.length, fatal: st.fatal || (q.group.fatalQueues & (1 << q.index)) !== 0,
    } }, cause);
  }

  emitJob(j: Job, phase: JobPhase, err: number, cause: number): number {
    return this.sim.bus.emitBody({ case: 'job', value: {
      group: j.queue.group.id, queue: j.queue.index, seqno: j.seqno, phase, protRegion: j.protRegion,
      frame: j.frame, fenceError: err, gpuNs: phase === JobPhase.JOB_DONE ? j.gpuNs : 0, pid: j.queue.group.pid,
      deadlineNs: j.deadlineNs,
    } }, cause);
  }

  emitFault(kind: FaultKind, exceptionType: number, g: Group | null, queue: number, injected: boolean, cause: number): number {
    return this.sim.bus.emitBody({ case: 'fault', value: {
      kind, exceptionType, group: g ? g.id : 0, queue, injected,
    } }, cause);
  }

  emitMmu(asNr: number, cmd: number, vmId: number, region: number, cause: number): number {
    return this.sim.bus.emitBody({ case: 'mmu', value: {
      asNr, cmd: cmd as 0, vmId, region, gpuProtected: this.fw.isProtected,
    } }, cause);
  }

  // ═════════════════════════════ FW interface (host side) ═════════════════════════════

  /** Toggles GLB_REQ bits away from GLB_ACK (a host request). */
  glbToggle(bits: number, cause: number): number {
    const fw = this.fw;
    fw.glbReq = ((fw.glbReq & ~bits) | (~fw.glbAck & bits)) >>> 0;
    const ev = this.emitFwReq({ iface: FwIface.GLB, kind: FwReqKind.REQ_TOGGLE, bits, req: fw.glbReq }, cause);
    fw.glbLastReqEv = ev;
    return ev;
  }

  glbAcked(bits: number): boolean { return ((this.fw.glbReq ^ this.fw.glbAck) & bits) === 0; }

  /** Rings doorbell `id`; CSG requests ride on doorbell 0 through glb.doorbell_req bits. */
  ringDoorbell(id: number, csgMask: number, csMask: number, cause: number): number {
    const fw = this.fw;
    if (csgMask) fw.glbDoorbellReq = (fw.glbDoorbellReq ^ csgMask) >>> 0;
    if (csMask && id > 0) { const c = fw.csgs[id - 1]; c.doorbellReq = (c.doorbellReq ^ csMask) >>> 0; }
    const ev = this.sim.bus.emitBody({ case: 'doorbell', value: { id, csgMask, csMask } }, cause);
    fw.ringDoorbell(id);
    return ev;
  }

  csgRequestState(slot: number, g: Group, state: number, prio: number, cause: number): number {
    const csg = this.fw.csgs[slot];
    csg.req = ((csg.req & ~R.CSG_STATE_MASK) | state) >>> 0;
    const ev = this.emitFwReq({ iface: FwIface.CSG, csg: slot, kind: FwReqKind.REQ_TOGGLE, bits: R.CSG_STATE_MASK,
      req: csg.req, state, group: g.id, endpointPriority: prio }, cause);
    csg.lastReqEv = ev;
    return ev;
  }

  csgEndpointConfig(slot: number, g: Group, prio: number, cause: number): number {
    const csg = this.fw.csgs[slot];
    csg.epReq = ((csg.epReq & 0x0fffffff) | R.csgEpReqPriority(prio)) >>> 0;
    csg.req = ((csg.req & ~R.CSG_ENDPOINT_CONFIG) | (~csg.ack & R.CSG_ENDPOINT_CONFIG)) >>> 0;
    const ev = this.emitFwReq({ iface: FwIface.CSG, csg: slot, kind: FwReqKind.REQ_TOGGLE, bits: R.CSG_ENDPOINT_CONFIG,
      req: csg.req, state: csg.req & R.CSG_STATE_MASK, group: g.id, endpointPriority: prio }, cause);
    csg.lastReqEv = ev;
    return ev;
  }

  csgAcked(slot: number): boolean {
    const csg = this.fw.csgs[slot];
    return ((csg.req ^ csg.ack) & R.CSG_REQ_MASK) === 0;
  }

  /** Programs a CSG slot for a group (endpoint priority, suspend buffers, AS, CS rings) + state. */
  bindSlot(slot: number, g: Group, state: number, cause: number): number {
    const csg = this.fw.csgs[slot];
    csg.group = g.id;
    csg.epReq = R.csgEpReqPriority(g.csgPriority);
    csg.suspendBuf = g.suspendVa;
    // Invariant 11: the protm suspend buffer is programmed on every START/RESUME (0 if none).
    csg.protmSuspendBuf = g.protmSuspendVa;
    csg.asNr = g.vm.asNr;
    for (let i = 0; i < csg.cs.length; i++) {
      const cs = csg.cs[i];
      const q = g.queues[i];
      cs.queue = q ?? null;
      cs.priority = q ? q.priority : 0;
      cs.protGranted = false;
      if (q) cs.req = ((cs.req & ~R.CS_STATE_MASK) | R.CS_STATE_START) >>> 0;
      // Pending CS events of the previous occupant are not carried over.
      cs.req = ((cs.req & ~R.CS_EVT_MASK) | (cs.ack & R.CS_EVT_MASK)) >>> 0;
    }
    csg.req = ((csg.req & ~R.CSG_STATE_MASK) | state) >>> 0;
    csg.req = ((csg.req & ~R.CSG_EVT_MASK) | (csg.ack & R.CSG_EVT_MASK)) >>> 0;
    const ev = this.emitFwReq({ iface: FwIface.CSG, csg: slot, kind: FwReqKind.REQ_TOGGLE, bits: R.CSG_STATE_MASK,
      req: csg.req, state, group: g.id, endpointPriority: g.csgPriority, suspendBuf: g.suspendVa,
      protmSuspendBuf: g.protmSuspendVa, asNr: g.vm.asNr }, cause);
    csg.lastReqEv = ev;
    return ev;
  }

  unbindSlot(slot: number): void {
    const csg = this.fw.csgs[slot];
    csg.group = 0;
    for (const cs of csg.cs) { cs.queue = null; cs.protGranted = false; }
  }

  /** VM bound to each address space (index = AS number; AS 0 is the MCU's). */
  readonly asVm: (Vm | null)[] = [];

  /** Protected execution is possible: a heap (or user buffers) and the protected FW sections. */
  get protmAvailable(): boolean {
    return !this.heapPol.disabled && this.protSectionsLoaded && (this.protHeap !== null || this.heapPol.userSupplied);
  }

  /** PROTECTED_INFO.features: BASIC only when a protected heap is known (invariant 4). */
  private get protmAdvertised(): boolean {
    if (this.heapPol.disabled || !this.cfg.driver.protectedHeapName) return false;
    if (this.protHeap) return true;
    if (this.heapPol.lazySlowReset) return this.heaps.lookup(this.cfg.driver.protectedHeapName) !== undefined;
    return this.heapPol.userSupplied;
  }

  // ═════════════════════════════ probe, boot, reset ═════════════════════════════

  private onHeapAdded(heap: DmaHeap, ev: number): void {
    // Deferred probes are retried when a new device/driver appears (driver_deferred_probe_trigger).
    if (!this.probed && !this.probing && this.probeAttempt > 0 && heap.name) this.probe(ev);
  }

  private probe(cause: number): void {
    this.probing = true;
    this.probeAttempt++;
    const d = this.cfg.driver;
    const name = d.protectedHeapName;
    let ev = this.emitProbe({ stage: ProbeStage.PROBE_START, heapName: name }, cause);
    if (name && !this.heapPol.disabled) {
      ev = this.emitProbe({ stage: ProbeStage.PROBE_HEAP_LOOKUP, heapName: name }, ev);
      const heap = this.heaps.find(name, HeapPurpose.PURPOSE_PROBE, 0, ev);
      if (!heap && this.heapPol.deferProbe) {
        const e = this.emitProbe({ stage: ProbeStage.PROBE_DEFER, result: -EPROBE_DEFER, heapName: name }, this.heaps.lastEvent);
        this.log(LogLevel.LOG_INFO, `Protected heap '${name}' not (yet) available - deferring probe`, e);
        this.probing = false;
        return;
      }
      this.protHeap = heap;
      if (!heap) this.log(LogLevel.LOG_WARN, `Protected heap '${name}' not found: protected mode unavailable (${this.heapPol.name})`, this.heaps.lastEvent);
    }
    this.worker.queue(this.probeWork(ev));
  }

  private *probeWork(cause: number): Work {
    let ev = this.emitProbe({ stage: ProbeStage.PROBE_FW_LOAD, fwVersion: this.fwVersion(), size: FW_SECTIONS.reduce((a, s) => a + s.size, 0) }, cause);
    ev = this.loadSections(ev, false);
    ev = this.emitProbe({ stage: ProbeStage.PROBE_BOOT }, ev);
    const ok = yield* this.bootWork(true, ev);
    if (!ok) {
      this.emitProbe({ stage: ProbeStage.PROBE_FAILED, result: -ETIME }, ev);
      this.probing = false;
      return;
    }
    this.probed = true;
    this.probing = false;
    this.emitProbe({ stage: ProbeStage.PROBE_DONE, csgSlotCount: this.csgSlotCount, asCount: this.asCount,
      fwVersion: this.fwVersion() }, this.sim.bus.count - 1);
  }

  private fwVersion(): number {
    const [a, b, c] = this.cfg.gpu.fwVersion.split('.').map((x) => Number(x) || 0);
    return ((a << 24) | (b << 16) | c) >>> 0;
  }

  /** FW sections: PROT ones from the heap (or user buffers), skipped with a warning otherwise. */
  private loadSections(cause: number, reload: boolean, userBuf: DmaBuf | null = null): number {
    let ev = cause;
    for (const s of FW_SECTIONS) {
      if (!(s.flags & R.CSF_FW_BINARY_IFACE_ENTRY_PROT)) {
        if (!reload) ev = this.emitProbe({ stage: ProbeStage.PROBE_FW_SECTION, sectionFlags: s.flags, size: s.size }, ev);
        continue;
      }
      if (this.protSectionsLoaded) {
        ev = this.emitProbe({ stage: ProbeStage.PROBE_FW_SECTION, sectionFlags: s.flags, size: s.size }, ev);
        continue;
      }
      let buf: DmaBuf | number = -ENOENT;
      if (userBuf) {
        this.heaps.importBuf(userBuf, 0, HeapPurpose.PURPOSE_USER_SUPPLIED, ev);
        buf = userBuf;
      } else if (this.protHeap && !this.heapPol.disabled) {
        buf = this.heaps.bufferAlloc(this.protHeap, s.size, O_RDWR | O_CLOEXEC, 0, 0, HeapPurpose.PURPOSE_FW_PROT_SECTION, 0, ev);
      }
      if (typeof buf === 'number') {
        ev = this.emitProbe({ stage: ProbeStage.PROBE_FW_SECTION, sectionFlags: s.flags, size: s.size, skipped: true, result: buf }, ev);
        this.log(LogLevel.LOG_WARN, 'Firmware protected mode entry not supported, ignoring', ev);
        continue;
      }
      this.protSections.push(buf);
      this.protSectionsLoaded = true;
      ev = this.emitProbe({ stage: ProbeStage.PROBE_FW_SECTION, sectionFlags: s.flags, size: s.size }, this.heaps.lastEvent);
    }
    return ev;
  }

  /** MCU_CONTROL = AUTO, wait ≤ 1000 ms for GLOBAL_IF, then global init. */
  private *bootWork(slow: boolean, cause: number): Generator<import('./work.js').WaitFor, boolean, boolean> {
    this.fw.boot(slow, cause);
    const ok = yield waitUntil(() => this.fw.mcuStatus === R.MCU_STATUS_ENABLED, U.FW_BOOT_TIMEOUT);
    if (!ok) { this.log(LogLevel.LOG_ERR, 'FW boot timeout', cause); return false; }
    const ev = this.emitProbe({ stage: ProbeStage.PROBE_GLB_INIT }, this.sim.bus.count - 1);
    // Global init: core_en_mask, timers, ack_irq_mask (+ PROTM_ENTER | PROTM_EXIT from the series).
    const fw = this.fw;
    fw.glbAckIrqMask = (R.GLB_CFG_PROGRESS_TIMER | R.GLB_CFG_ALLOC_EN | R.GLB_CFG_POWEROFF_TIMER | R.GLB_IDLE_EN |
      R.GLB_PING | R.GLB_PROTM_ENTER | R.GLB_PROTM_EXIT | R.GLB_IDLE) >>> 0;
    this.emitFwReq({ iface: FwIface.GLB, kind: FwReqKind.REQ_WRITE, bits: fw.glbAckIrqMask, req: fw.glbReq }, ev);
    const bits = R.GLB_CFG_PROGRESS_TIMER | R.GLB_CFG_ALLOC_EN | R.GLB_CFG_POWEROFF_TIMER | R.GLB_IDLE_EN;
    const e = this.glbToggle(bits, ev);
    this.ringDoorbell(R.CSF_GLB_DOORBELL_ID, 0, 0, e);
    const ok2 = yield waitUntil(() => this.glbAcked(bits), U.CSG_REQ_TIMEOUT);
    if (!ok2) { this.log(LogLevel.LOG_ERR, 'FW global init timeout', e); return false; }
    this.ready = true;
    this.armPing();
    return true;
  }

  /** Queues a reset (coalesced; a slow request upgrades a pending fast one). */
  scheduleReset(kind: ResetKind, cause: ResetCause, ev: number): void {
    if (this.unusable) return;
    if (this.resetPending) {
      if (kind === ResetKind.RESET_SLOW) this.resetPending.kind = kind;
      return;
    }
    this.resetPending = { kind, cause, ev };
    this.ready = false;
    this.sim.after(0, () => {
      // Reset work replaces whatever the scheduler was doing (it waits on a dead FW anyway).
      this.worker.flush();
      const r = this.resetPending;
      if (r) this.worker.queue(this.resetWork(r.kind, r.cause, r.ev));
    });
  }

  private *resetWork(kind: ResetKind, cause: ResetCause, causeEv: number, userBuf: DmaBuf | null = null): Work {
    this.resetPending = null;
    this.resetCount++;
    const slow = kind === ResetKind.RESET_SLOW;
    const fw = this.fw;
    const wasProtected = fw.mode === GpuMode.MODE_PROTECTED || fw.mode === GpuMode.MODE_ENTERING;
    const ev = this.sim.bus.emitBody({ case: 'reset', value: {
      kind, phase: ResetPhase.RESET_BEGIN, cause, resetCount: this.resetCount, protectedSectionsLoaded: this.protSectionsLoaded,
    } }, causeEv);
    this.ready = false;
    if (this.pingTimeoutToken >= 0) { this.sim.cancel(this.pingTimeoutToken); this.pingTimeoutToken = -1; }
    // sched pre_reset: the guilty (fatal / timed out / active protected on a PROTM fault) terminate;
    // kbase terminates everything resident when the reset hits in protected mode.
    const active = this.sched.activeGroup;
    const protmFault = cause === ResetCause.RESET_CAUSE_PROTM_FAULT;
    this.sched.preReset((g) => (protmFault && g === active) || g.fatalQueues !== 0 || g.timedout,
      wasProtected && this.protm.name === 'kbase', ev);
    fw.reset(ev);
    // A slow reset reloads every section: lazy-slow-reset / userspace-dmabuf load PROT ones now.
    let e2 = ev;
    if (slow) e2 = this.loadSections(ev, true, userBuf);
    this.lazyResetPending = false;
    const ok = yield* this.bootWork(slow, e2);
    this.sim.bus.emitBody({ case: 'reset', value: {
      kind, phase: ResetPhase.RESET_END, cause, success: ok, resetCount: this.resetCount,
      protectedSectionsLoaded: this.protSectionsLoaded,
    } }, ev);
    if (!ok) {
      if (!slow) { this.scheduleReset(ResetKind.RESET_SLOW, ResetCause.RESET_CAUSE_FAST_FAILED, ev); return; }
      this.unusable = true;
      this.log(LogLevel.LOG_ERR, 'GPU unusable after reset', ev);
      return;
    }
    this.sched.requestTick(8 /* TRIGGER_RESET */, ev);
  }

  // ═════════════════════════════ watchdog ═════════════════════════════

  private armPing(): void {
    if (this.pingToken >= 0) this.sim.cancel(this.pingToken);
    this.pingToken = this.sim.after(this.cfg.driver.pingInterval, this.pingCb);
  }

  private pingWork(): void {
    this.pingToken = -1;
    if (!this.ready) { this.armPing(); return; }
    const fw = this.fw;
    const prot = fw.mode === GpuMode.MODE_PROTECTED || fw.mode === GpuMode.MODE_ENTERING;
    if (prot && !this.protm.pingWhileProtected) {
      // kbase / the review: no PING while protected (it would force an exit).
      this.sim.bus.emitBody({ case: 'watchdog', value: { op: WatchdogOp.WD_PING_SKIPPED, gpuProtected: true } });
      this.armPing();
      return;
    }
    fw.exitCause = ModeSwitchCause.CAUSE_WATCHDOG_PING;
    const ev = this.sim.bus.emitBody({ case: 'watchdog', value: { op: WatchdogOp.WD_PING_SENT, gpuProtected: prot } });
    const e = this.glbToggle(R.GLB_PING, ev);
    this.ringDoorbell(R.CSF_GLB_DOORBELL_ID, 0, 0, e);
    this.pingEv = e;
    this.pingTimeoutToken = this.sim.after(U.PING_TIMEOUT, this.pingTimeoutCb);
  }

  private pingAcked(ev: number): void {
    if (this.pingTimeoutToken < 0 || !this.glbAcked(R.GLB_PING)) return;
    this.sim.cancel(this.pingTimeoutToken);
    this.pingTimeoutToken = -1;
    this.sim.bus.emitBody({ case: 'watchdog', value: { op: WatchdogOp.WD_PING_ACKED, gpuProtected: this.fw.isProtected } }, ev);
    this.armPing();
  }

  private pingTimeout(): void {
    this.pingTimeoutToken = -1;
    const ev = this.sim.bus.emitBody({ case: 'watchdog', value: { op: WatchdogOp.WD_PING_TIMEOUT, gpuProtected: this.fw.isProtected } }, this.pingEv);
    const f = this.emitFault(FaultKind.FAULT_PING_TIMEOUT, 0, null, 0, false, ev);
    this.log(LogLevel.LOG_ERR, 'FW ping timeout', f);
    this.scheduleReset(ResetKind.RESET_SLOW, ResetCause.RESET_CAUSE_PING_TIMEOUT, f);
  }

  // ═════════════════════════════ IRQ handlers (FwHost) ═════════════════════════════

  handleJobIrq(): void {
    const fw = this.fw;
    const raw = fw.jobIrqRaw;
    if (!raw) return;
    fw.jobIrqRaw = 0;
    const ev = this.sim.bus.emitBody({ case: 'fwIrq', value: { line: IrqLine.JOB_IRQ, status: raw } }, fw.jobIrqCause);
    // CSG IRQs are processed before the global one (7/8).
    for (let s = 0; s < fw.csgs.length; s++) if (raw & (1 << s)) this.csgIrq(s, ev);
    if (raw & R.JOB_INT_GLOBAL_IF) this.glbIrq(ev);
    this.worker.poll();
  }

  private csgIrq(slot: number, ev: number): void {
    const csg = this.fw.csgs[slot];
    const g = this.sched.slots[slot];
    const evts = (csg.req ^ csg.ack) & R.CSG_EVT_MASK;
    let e = ev;
    if (evts) {
      csg.req = ((csg.req & ~evts) | (csg.ack & evts)) >>> 0;
      e = this.emitFwReq({ iface: FwIface.CSG, csg: slot, kind: FwReqKind.REQ_EVENT_ACK, bits: evts, req: csg.req, group: csg.group }, ev);
    }
    for (let i = 0; i < csg.cs.length; i++) {
      const cs = csg.cs[i];
      const ce = ((cs.req ^ cs.ack) & R.CS_EVT_MASK) >>> 0;
      if (!ce || !cs.queue) continue;
      // PROTM_PENDING stays unacknowledged until the scheduler grants protected mode.
      const ackNow = (ce & ~R.CS_PROTM_PENDING) >>> 0;
      let ce2 = e;
      if (ackNow) {
        cs.req = ((cs.req & ~ackNow) | (cs.ack & ackNow)) >>> 0;
        ce2 = this.emitFwReq({ iface: FwIface.CS, csg: slot, cs: i, kind: FwReqKind.REQ_EVENT_ACK, bits: ackNow, req: cs.req, group: csg.group }, e);
      }
      if (!g) continue;
      if (ce & R.CS_FATAL) {
        const type = cs.queue.st.fatalType;
        const f = this.emitFault(FaultKind.FAULT_CS_FATAL, type, g, i, false, ce2);
        this.sched.csFatal(g, i, f);
        if (type === R.DRM_PANTHOR_EXCEPTION_CS_UNRECOVERABLE) {
          this.log(LogLevel.LOG_ERR, 'CS_UNRECOVERABLE: GPU reset', f);
          this.scheduleReset(ResetKind.RESET_FAST, ResetCause.RESET_CAUSE_CS_UNRECOVERABLE, f);
        }
      }
      if (ce & R.CS_FAULT) this.emitFault(FaultKind.FAULT_CS_FAULT, cs.queue.st.fatalType, g, i, false, ce2);
      if (ce & R.CS_TILER_OOM) this.emitFault(FaultKind.FAULT_TILER_OOM, 0, g, i, false, ce2);
      if ((ce & R.CS_PROTM_PENDING) && !(g.protmPendingQueues & (1 << i))) this.sched.protmPending(g, i, e);
    }
    if (!g) return;
    if (evts & R.CSG_SYNC_UPDATE) this.sched.syncUpdate(g, e);
    if (evts & R.CSG_PROGRESS_TIMER_EVENT) {
      g.timedout = true;
      this.emitFault(FaultKind.FAULT_PROGRESS_TIMER, 0, g, 0, false, e);
    }
    if (evts & R.CSG_IDLE) this.sched.csgIdle(g, e);
  }

  private glbIrq(ev: number): void {
    const fw = this.fw;
    const evts = (fw.glbReq ^ fw.glbAck) & R.GLB_EVT_MASK;
    if (evts) {
      fw.glbReq = ((fw.glbReq & ~evts) | (fw.glbAck & evts)) >>> 0;
      const e = this.emitFwReq({ iface: FwIface.GLB, kind: FwReqKind.REQ_EVENT_ACK, bits: evts, req: fw.glbReq }, ev);
      // PROTM_EXIT is handled before IDLE (7/8).
      if (evts & R.GLB_PROTM_EXIT) this.sched.protmExited(e);
    }
    this.pingAcked(ev);
  }

  handleGpuIrq(): void {
    const fw = this.fw;
    const raw = fw.gpuIrqRaw;
    fw.gpuIrqRaw = 0;
    const masked = (raw & ~fw.gpuIrqMask) !== 0;
    const ev = this.sim.bus.emitBody({ case: 'fwIrq', value: { line: IrqLine.GPU_IRQ, status: raw, masked } }, fw.gpuIrqCause);
    if (raw & R.GPU_IRQ_PROTM_FAULT) {
      // GPU_IRQ_PROTM_FAULT: log, mask, reset; the active group's queues become fatal.
      fw.gpuIrqMask &= ~R.GPU_IRQ_PROTM_FAULT;
      const active = this.sched.activeGroup;
      const f = this.emitFault(FaultKind.FAULT_PROTM, 0, active, 0, false, ev);
      this.log(LogLevel.LOG_ERR, 'GPU protected mode fault', f);
      if (active) active.fatalQueues = (1 << active.queues.length) - 1;
      this.scheduleReset(ResetKind.RESET_FAST, ResetCause.RESET_CAUSE_PROTM_FAULT, f);
    }
  }

  onGpuStatus(_ev: number): void { this.worker.poll(); }

  // ═════════════════════════════ processes and files ═════════════════════════════

  spawn(pid: number, comm: string, kind: AppKind | 'system', privileged: boolean): void {
    this.procs.set(pid, { pid, comm, kind, privileged, files: new Map(), nextFd: 3 });
    this.sim.bus.emitBody({ case: 'process', value: { op: ProcessOp.PROC_START, pid, comm, appKind: kind, privileged } });
  }

  exit(pid: number): void {
    const p = this.procs.get(pid);
    if (!p) return;
    for (const fd of [...p.files.keys()].sort((a, b) => a - b)) this.close(pid, fd);
    this.procs.delete(pid);
    this.sim.bus.emitBody({ case: 'process', value: { op: ProcessOp.PROC_EXIT, pid, comm: p.comm } });
  }

  private installFd(p: Proc, f: FileRef): number {
    let fd = 3;
    while (p.files.has(fd)) fd++;
    p.files.set(fd, f);
    return fd;
  }

  open(pid: number, path: string): number {
    const p = this.procs.get(pid);
    let ret = -ENOENT;
    if (p) {
      if (path === DRI_RENDER_NODE) {
        // The node exists only once the probe succeeded.
        if (this.probed && !this.unusable) {
          let fd = 3;
          while (p.files.has(fd)) fd++;
          p.files.set(fd, { kind: 'render', pf: new PanthorFile(pid, fd, p.privileged) });
          ret = fd;
        }
      } else if (path.startsWith(DMA_HEAP_DIR)) {
        const heap = this.heaps.lookup(path.slice(DMA_HEAP_DIR.length));
        if (heap) ret = this.installFd(p, { kind: 'heap', heap });
      }
    }
    this.sim.bus.emitBody({ case: 'process', value: { op: ProcessOp.PROC_OPEN, pid, path, fd: ret } });
    return ret;
  }

  close(pid: number, fd: number): number {
    const p = this.procs.get(pid);
    const f = p?.files.get(fd);
    const ev = this.sim.bus.emitBody({ case: 'process', value: { op: ProcessOp.PROC_CLOSE, pid, fd: f ? fd : -EBADF } });
    if (!p || !f) return -EBADF;
    p.files.delete(fd);
    if (f.kind === 'dmabuf') this.heaps.bufPut(f.buf, pid, ev);
    else if (f.kind === 'render') this.postclose(f.pf, ev);
    return 0;
  }

  /** panthor_postclose: groups destroyed, tiler heaps, VMs and BOs released. */
  private postclose(pf: PanthorFile, ev: number): void {
    for (const g of [...pf.groups.values()]) { pf.groups.delete(g.id); this.groupsById.delete(g.id); this.sched.destroyGroup(g, ev); }
    pf.tilerHeaps.clear();
    for (const bo of pf.bos.values()) if (bo.dmabuf) this.heaps.bufPut(bo.dmabuf, pf.pid, ev);
    pf.bos.clear();
    for (const vm of pf.vms.values()) this.destroyVm(vm);
    pf.vms.clear();
    for (const s of pf.syncobjs.values()) for (const w of s.waiters) this.dropWaiter(w);
    pf.syncobjs.clear();
  }

  private dropWaiter(w: SyncWaiter): void { this.settle(w); }

  /** A wait is over (signalled, timed out or dropped): its pending timeout will find nothing. */
  private settle(w: SyncWaiter): void {
    w.done = true;
    if (w.id) { this.timedWaits.delete(w.id); w.id = 0; }
  }

  private destroyVm(vm: Vm): void {
    vm.destroyed = true;
    vm.unusable = true;
    this.vmsById.delete(vm.id);
    if (vm.asNr >= 0) this.asVm[vm.asNr] = null;
    vm.asNr = -1;
  }

  // ═════════════════════════════ ioctl ═════════════════════════════

  ioctl(pid: number, fd: number, args: IoctlArgs): number {
    const c = args.case;
    const cmd = c ? CMD[c] : IoctlCmd.DEV_QUERY;
    const p = this.procs.get(pid);
    const f = p?.files.get(fd);
    let ret: number;
    this.postIoctl = null;
    if (!p || !f) ret = -EBADF;
    else if (c === 'dmaHeapAlloc') ret = f.kind === 'heap' ? this.dmaHeapAlloc(p, f.heap, args.value) : -ENOTTY;
    else if (f.kind !== 'render') ret = -ENOTTY;
    else ret = this.drmIoctl(p, f.pf, args);
    const ev = this.sim.bus.emitBody({ case: 'ioctl', value: { pid, fd, cmd, ret, durationNs: 0, args } as IoctlInit });
    const post = this.postIoctl as ((ev: number) => void) | null;
    this.postIoctl = null;
    if (post && ret === 0) post(ev);
    return ret;
  }

  private drmIoctl(p: Proc, pf: PanthorFile, args: IoctlArgs): number {
    switch (args.case) {
      case 'devQuery': return this.devQuery(pf, args.value);
      case 'vmCreate': return this.vmCreate(pf, args.value);
      case 'vmDestroy': {
        const vm = pf.vms.get(args.value.id ?? 0);
        if (!vm) return -EINVAL;
        pf.vms.delete(vm.id);
        this.destroyVm(vm);
        return 0;
      }
      case 'vmBind': return this.vmBind(pf, args.value);
      case 'vmGetState': {
        const vm = pf.vms.get(args.value.vmId ?? 0);
        if (!vm) return -EINVAL;
        args.value.state = vm.unusable ? U.DRM_PANTHOR_VM_STATE_UNUSABLE : U.DRM_PANTHOR_VM_STATE_USABLE;
        return 0;
      }
      case 'boCreate': return this.boCreate(pf, args.value);
      case 'boMmapOffset': {
        const bo = pf.bos.get(args.value.handle ?? 0);
        if (!bo) return -ENOENT;
        // Protected BOs are never user-mappable (invariant 10).
        if ((bo.flags & U.DRM_PANTHOR_BO_NO_MMAP) || bo.isProtected) return -EPERM;
        args.value.offset = U.DRM_FILE_PAGE_OFFSET_START + bo.handle * 0x100000 * PAGE_SIZE / 0x100000;
        return 0;
      }
      case 'boSetLabel': {
        const bo = pf.bos.get(args.value.handle ?? 0);
        if (!bo) return -ENOENT;
        const label = args.value.label ?? '';
        if (label.length >= U.BO_LABEL_MAXLEN) return -E2BIG;
        bo.label = label;
        return 0;
      }
      case 'boQueryInfo': {
        const bo = pf.bos.get(args.value.handle ?? 0);
        if (!bo) return -ENOENT;
        args.value.extraFlags = bo.imported ? U.DRM_PANTHOR_BO_IS_IMPORTED : 0;
        args.value.createFlags = bo.flags;
        return 0;
      }
      case 'groupCreate': return this.groupCreate(p, pf, args.value);
      case 'groupDestroy': {
        const g = pf.groups.get(args.value.groupHandle ?? 0);
        if (!g) return -EINVAL;
        pf.groups.delete(g.id);
        this.groupsById.delete(g.id);
        this.postIoctl = (ev) => this.sched.destroyGroup(g, ev);
        return 0;
      }
      case 'groupSubmit': return this.groupSubmit(pf, args.value);
      case 'groupGetState': {
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
      case 'tilerHeapCreate': {
        const a = args.value;
        const vm = pf.vms.get(a.vmId ?? 0);
        if (!vm) return -EINVAL;
        const init = a.initialChunkCount ?? 0, cs = a.chunkSize ?? 0, max = a.maxChunks ?? 0;
        if (init < 1 || cs < U.MIN_CHUNK_SIZE || cs > U.MAX_CHUNK_SIZE || cs % PAGE_SIZE !== 0 || max < init) return -EINVAL;
        if (pf.tilerHeaps.size >= U.MAX_GROUPS_PER_POOL) return -EBUSY;
        const h = pf.nextTilerHeap++;
        pf.tilerHeaps.set(h, { vm, chunks: init });
        a.handle = h;
        a.tilerHeapCtxGpuVa = 0xfffe_0000_0000 + h * 0x1000;
        a.firstHeapChunkGpuVa = 0xfffd_0000_0000 + h * U.MAX_CHUNK_SIZE;
        return 0;
      }
      case 'tilerHeapDestroy': return pf.tilerHeaps.delete(args.value.handle ?? 0) ? 0 : -EINVAL;
      case 'primeFdToHandle': return this.primeFdToHandle(p, pf, args.value);
      case 'primeHandleToFd': {
        const bo = pf.bos.get(args.value.handle ?? 0);
        if (!bo) return -ENOENT;
        // Exclusive-VM and protected BOs cannot be exported (invariant 10).
        if (bo.exclusiveVm || bo.isProtected) return -EINVAL;
        if (!bo.dmabuf) return -EOPNOTSUPP;   // model: only re-export of imported dma-bufs
        this.heaps.get(bo.dmabuf, p.pid);
        const fd = this.installFd(p, { kind: 'dmabuf', buf: bo.dmabuf });
        this.heaps.exportFd(bo.dmabuf, p.pid, fd);
        args.value.fd = fd;
        return 0;
      }
      case 'syncobjCreate': {
        const fl = args.value.flags ?? 0;
        if (fl & ~U.DRM_SYNCOBJ_CREATE_SIGNALED) return -EINVAL;
        const s = new Syncobj(pf.nextSyncobj++);
        if (fl & U.DRM_SYNCOBJ_CREATE_SIGNALED) s.value = 1;
        pf.syncobjs.set(s.handle, s);
        args.value.handle = s.handle;
        return 0;
      }
      case 'syncobjDestroy': {
        const s = pf.syncobjs.get(args.value.handle ?? 0);
        if (!s) return -EINVAL;
        for (const w of s.waiters) this.dropWaiter(w);
        pf.syncobjs.delete(s.handle);
        return 0;
      }
      case 'syncobjWait': {
        // Non-blocking form (timeout already reached): 0 when every point is signalled, else -ETIME.
        const hs = args.value.handles ?? [], pts = args.value.points ?? [];
        for (let i = 0; i < hs.length; i++) {
          const s = pf.syncobjs.get(hs[i]);
          if (!s) return -EINVAL;
          if (s.value < Math.max(1, pts[i] ?? 0)) return -ETIME;
        }
        return 0;
      }
      case 'dmaHeapAlloc': return -ENOTTY;
      default: return -EINVAL;
    }
  }

  private devQuery(pf: PanthorFile, a: import('../../proto/index.js').DevQueryInit): number {
    const type = a.type ?? 0;
    const sz = U.DEV_QUERY_SIZES[type];
    if (!sz) return -EINVAL;
    if (!a.pointer) { a.size = sz.size; return 0; }
    if ((a.size ?? 0) < sz.min) return -EINVAL;
    const g = this.cfg.gpu;
    switch (type) {
      case 0: a.gpuInfo = {
        gpuId: (g.gpuId <= 0xffff ? g.gpuId * 0x10000 : g.gpuId) >>> 0, gpuRev: 0, csfId: 0x40a0412,
        l2Features: 0x07120206, tilerFeatures: 0x809, memFeatures: 0x1, mmuFeatures: 0x2830,
        threadFeatures: 0x4000400, maxThreads: 2048, threadMaxWorkgroupSize: 1024, threadMaxBarrierSize: 1024,
        coherencyFeatures: 0x1, textureFeatures: [0xc1ffff9e, 0, 0, 0], asPresent: g.asPresent,
        selectedCoherency: 31, shaderPresent: g.shaderPresent, l2Present: 1, tilerPresent: 1, coreFeatures: 0,
      }; break;
      case 1: a.csifInfo = { csgSlotCount: this.csgSlotCount, csSlotCount: this.fw.streamNum, csRegCount: 96,
        scoreboardSlotCount: 8, unpreservedCsRegCount: 4 }; break;
      case 2: a.timestampInfo = { timestampFrequency: U.TIMESTAMP_FREQUENCY,
        currentTimestamp: Math.floor(this.sim.now * U.TIMESTAMP_FREQUENCY / 1e9), timestampOffset: 0 }; break;
      case 3: a.groupPrioritiesAllowedMask = pf.privileged ? 0xf : 0x3; break;
      case 4: break;
      case 5: a.protectedFeatures = this.protmAdvertised ? U.DRM_PANTHOR_PROTECTED_FEATURE_BASIC : 0; break;
      default: return -EINVAL;
    }
    return 0;
  }

  private vmCreate(pf: PanthorFile, a: import('../../proto/index.js').VmCreateInit): number {
    if (a.flags) return -EINVAL;
    const range = a.userVaRange ?? 0;
    const vm = new Vm(this.nextVmId++, pf, range || 2 ** 47);
    pf.vms.set(vm.id, vm);
    this.vmsById.set(vm.id, vm);
    a.id = vm.id;
    return 0;
  }

  private vmBind(pf: PanthorFile, a: import('../../proto/index.js').VmBindInit): number {
    const vm = pf.vms.get(a.vmId ?? 0);
    if (!vm) return -EINVAL;
    if ((a.flags ?? 0) & ~U.DRM_PANTHOR_VM_BIND_ASYNC) return -EINVAL;
    const ops = a.ops ?? [];
    // Validate every op first (the ioctl is all-or-nothing).
    for (const op of ops) {
      const fl = op.flags ?? 0, type = (fl & U.DRM_PANTHOR_VM_BIND_OP_TYPE_MASK) >>> 0;
      const va = op.va ?? 0, size = op.size ?? 0, off = op.boOffset ?? 0;
      if (type === U.DRM_PANTHOR_VM_BIND_OP_TYPE_SYNC_ONLY) continue;
      if (va % PAGE_SIZE || size % PAGE_SIZE || off % PAGE_SIZE || size === 0) return -EINVAL;
      if (type === U.DRM_PANTHOR_VM_BIND_OP_TYPE_MAP) {
        if (vm.unusable) return -EINVAL;
        const bo = pf.bos.get(op.boHandle ?? 0);
        if (!bo) return -EINVAL;
        if (fl & ~(U.DRM_PANTHOR_VM_BIND_OP_MAP_READONLY | U.DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC |
          U.DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED | U.DRM_PANTHOR_VM_BIND_OP_MAP_SPARSE | U.DRM_PANTHOR_VM_BIND_OP_TYPE_MASK)) return -EINVAL;
        if (off + size > bo.size) return -EINVAL;
        if (bo.exclusiveVm && bo.exclusiveVm !== vm) return -EINVAL;
        if (va + size > vm.userVaRange) return -EINVAL;
      } else if (type !== U.DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP) return -EINVAL;
    }
    let region = 0;
    for (const op of ops) {
      const fl = op.flags ?? 0, type = (fl & U.DRM_PANTHOR_VM_BIND_OP_TYPE_MASK) >>> 0;
      const va = op.va ?? 0, size = op.size ?? 0;
      if (type === U.DRM_PANTHOR_VM_BIND_OP_TYPE_SYNC_ONLY) continue;
      region = va;
      // Unmap whatever overlaps, then map.
      for (let i = vm.mappings.length - 1; i >= 0; i--) {
        const m = vm.mappings[i];
        if (m.va < va + size && va < m.va + m.size) vm.mappings.splice(i, 1);
      }
      if (type === U.DRM_PANTHOR_VM_BIND_OP_TYPE_MAP) {
        vm.mappings.push({ va, size, bo: pf.bos.get(op.boHandle ?? 0) as Bo, boOffset: op.boOffset ?? 0, flags: fl });
      }
    }
    if (vm.asNr >= 0 && ops.length) {
      // MMU LOCK/UPDATE/UNLOCK on the VM's AS. The 2026 series forces a protected-mode exit first:
      // "the MMU will not execute commands when the GPU is in protected mode".
      const asNr = vm.asNr;
      const prot = this.fw.mode === GpuMode.MODE_PROTECTED || this.fw.mode === GpuMode.MODE_ENTERING;
      if (prot && this.protm.vmBindForcesExit) {
        const mmu = (ev: number): void => this.vmBindMmu(vm, asNr, region, ev);
        this.postIoctl = (ev) => this.worker.queue(this.sched.exitWork(ModeSwitchCause.CAUSE_VM_BIND, ev, () => mmu(ev)));
      } else {
        // The common case, once per frame of a compute app: no closure, the arguments in fields.
        this.bindVm = vm; this.bindAsNr = asNr; this.bindRegion = region;
        this.postIoctl = this.postVmBindCb;
      }
    }
    return 0;
  }

  /** MMU LOCK/UPDATE/UNLOCK of a VM_BIND on the VM's AS (if the VM still holds it). */
  private vmBindMmu(vm: Vm, asNr: number, region: number, ev: number): void {
    if (vm.asNr !== asNr) return;
    this.emitMmu(asNr, 2 /* LOCK */, vm.id, region, ev);
    this.emitMmu(asNr, 1 /* UPDATE */, vm.id, region, ev);
    this.emitMmu(asNr, 3 /* UNLOCK */, vm.id, region, ev);
  }

  private boCreate(pf: PanthorFile, a: import('../../proto/index.js').BoCreateInit): number {
    const size = pageAlign(a.size ?? 0), fl = a.flags ?? 0;
    if (size === 0) return -EINVAL;
    if (fl & ~U.DRM_PANTHOR_BO_FLAGS) return -EINVAL;
    let vm: Vm | null = null;
    if (a.exclusiveVmId) {
      vm = pf.vms.get(a.exclusiveVmId) ?? null;
      if (!vm) return -EINVAL;
    }
    let buf: DmaBuf | null = null;
    if (fl & U.DRM_PANTHOR_BO_PROTECTED) {
      // 4/8: protected BOs require NO_MMAP and an exclusive VM, and come from the heap.
      if (!(fl & U.DRM_PANTHOR_BO_NO_MMAP) || !vm) return -EINVAL;
      if (!this.protHeap || this.heapPol.disabled) return -EINVAL;
      const b = this.heaps.bufferAlloc(this.protHeap, size, O_RDWR | O_CLOEXEC, 0, pf.pid, HeapPurpose.PURPOSE_PROTECTED_BO);
      if (typeof b === 'number') return b;
      buf = b;
    }
    const bo = new Bo(pf.nextBo++, size, fl, vm, buf, false);
    pf.bos.set(bo.handle, bo);
    a.size = size;
    a.handle = bo.handle;
    return 0;
  }

  private primeFdToHandle(p: Proc, pf: PanthorFile, a: import('../../proto/index.js').PrimeFdToHandleInit): number {
    const f = p.files.get(a.fd ?? -1);
    if (!f) return -EBADF;
    if (f.kind !== 'dmabuf') return -EINVAL;
    const buf = f.buf;
    const existing = pf.imports.get(buf.id);
    if (existing !== undefined && pf.bos.has(existing)) { a.handle = existing; return 0; }
    this.heaps.importBuf(buf, p.pid, buf.purpose);
    const bo = new Bo(pf.nextBo++, buf.size, buf.isProtected ? U.DRM_PANTHOR_BO_NO_MMAP : 0, null, buf, true);
    pf.bos.set(bo.handle, bo);
    pf.imports.set(buf.id, bo.handle);
    a.handle = bo.handle;
    return 0;
  }

  /** DMA_HEAP_IOCTL_ALLOC on /dev/dma_heap/<name>. */
  private dmaHeapAlloc(p: Proc, heap: DmaHeap, a: import('../../proto/index.js').DmaHeapAllocationDataInit): number {
    a.heap = heap.name;
    const chk = checkAllocArgs(a.fd ?? 0, a.fdFlags ?? 0, a.heapFlags ?? 0);
    if (chk) return chk;
    const b = this.heaps.bufferAlloc(heap, a.len ?? 0, a.fdFlags ?? 0, a.heapFlags ?? 0, p.pid, HeapPurpose.PURPOSE_USER_BUFFER);
    if (typeof b === 'number') return b;
    const fd = this.installFd(p, { kind: 'dmabuf', buf: b });
    this.heaps.exportFd(b, p.pid, fd);
    a.fd = fd;
    a.bufferId = b.id;
    return 0;
  }

  private groupCreate(p: Proc, pf: PanthorFile, a: import('../../proto/index.js').GroupCreateInit): number {
    const queues = a.queues ?? [];
    const gpu = this.cfg.gpu;
    if (queues.length === 0 || queues.length > Math.min(U.MAX_CS_PER_CSG, this.fw.streamNum)) return -EINVAL;
    // group_priority_permit(): invalid → -EINVAL; HIGH/REALTIME need CAP_SYS_NICE or DRM master.
    const prio = a.priority ?? 0;
    if (prio > U.PANTHOR_GROUP_PRIORITY_REALTIME) return -EINVAL;
    if (prio > U.PANTHOR_GROUP_PRIORITY_MEDIUM && !p.privileged) return -EACCES;
    const flags = a.flags ?? 0;
    if (flags & ~U.DRM_PANTHOR_GROUP_CREATE_FLAGS) return -EINVAL;
    const cm = a.computeCoreMask ?? 0, fm = a.fragmentCoreMask ?? 0, tm = a.tilerCoreMask ?? 0;
    const sp = gpu.shaderPresent;
    if ((cm & ~sp) || (fm & ~sp) || (tm & ~1)) return -EINVAL;
    if (popcount(cm) < (a.maxComputeCores ?? 0) || popcount(fm) < (a.maxFragmentCores ?? 0) ||
        popcount(tm) < (a.maxTilerCores ?? 0)) return -EINVAL;
    for (const q of queues) {
      const rs = q.ringbufSize ?? 0;
      if ((q.priority ?? 0) > U.MAX_CSG_PRIO) return -EINVAL;
      if (!isPow2(rs) || rs < U.MIN_RINGBUF_SIZE || rs > U.MAX_RINGBUF_SIZE) return -EINVAL;
    }
    const vm = pf.vms.get(a.vmId ?? 0);
    if (!vm) return -EINVAL;
    if (pf.groups.size >= U.MAX_GROUPS_PER_POOL) return -EBUSY;
    const prot = (flags & U.DRM_PANTHOR_GROUP_CREATE_PROTECTED) !== 0;
    let suspend: DmaBuf | null = null;
    const id = this.nextGroupId;
    if (prot) {
      const r = this.protectedSuspendBuffer(p, a, id);
      if (typeof r === 'number') return r;
      suspend = r;
    }
    this.nextGroupId++;
    const g = new Group(id, pf, p.pid, prio, prot, vm);
    for (let i = 0; i < queues.length; i++) {
      g.queues.push(new Queue(g, i, queues[i].priority ?? 0, queues[i].ringbufSize ?? 0, vm, this.sched));
    }
    g.suspendVa = 0x1_0000_0000 + id * U.CSG_SUSPEND_SIZE;
    if (suspend) { g.protmSuspendBuf = suspend; g.protmSuspendVa = 0x2_0000_0000 + id * U.CSG_PROTM_SUSPEND_SIZE; }
    pf.groups.set(id, g);
    this.groupsById.set(id, g);
    this.sched.addGroup(g);
    a.groupHandle = id;
    this.postIoctl = (ev) => this.emitGroupState(g, g.state, g.state, ev);
    return 0;
  }

  /**
   * The protm suspend buffer of a PROTECTED group, per heap policy: from the heap found at probe
   * (probe-defer), from a heap looked up now plus a slow reset to load the protected sections
   * (lazy-slow-reset), or from a dma-buf user space hands in (userspace-dmabuf).
   */
  private protectedSuspendBuffer(p: Proc, a: import('../../proto/index.js').GroupCreateInit, group: number): DmaBuf | number {
    const pol = this.heapPol;
    const name = this.cfg.driver.protectedHeapName;
    // No protected heap → no protected execution (INFERRED: the flag without a heap is -EINVAL).
    if (pol.disabled || !name) return -EINVAL;
    if (pol.userSupplied) {
      const f = p.files.get(a.protmBufFd ?? 0);
      if (!a.protmBufFd || !f || f.kind !== 'dmabuf' || !f.buf.isProtected) return -EINVAL;
      const need = U.CSG_PROTM_SUSPEND_SIZE + (this.protSectionsLoaded ? 0 : PROT_SECTION_SIZE);
      if (f.buf.size < need) return -EINVAL;
      this.heaps.importBuf(f.buf, p.pid, HeapPurpose.PURPOSE_USER_SUPPLIED, -1);
      if (!this.protSectionsLoaded && !this.lazyResetPending) this.queueSectionReset(ResetCause.RESET_CAUSE_USER_DMABUF, f.buf);
      return f.buf;
    }
    if (!this.protHeap && pol.lazySlowReset) {
      const h = this.heaps.find(name, HeapPurpose.PURPOSE_PROTM_SUSPEND_BUF, p.pid);
      if (!h) return -EINVAL;
      this.protHeap = h;
    }
    if (!this.protHeap) return -EINVAL;
    const b = this.heaps.bufferAlloc(this.protHeap, U.CSG_PROTM_SUSPEND_SIZE, O_RDWR | O_CLOEXEC, 0, 0,
      HeapPurpose.PURPOSE_PROTM_SUSPEND_BUF, group);
    if (typeof b === 'number') return b;
    if (!this.protSectionsLoaded && pol.lazySlowReset && !this.lazyResetPending) {
      this.queueSectionReset(ResetCause.RESET_CAUSE_LAZY_HEAP, null);
    }
    return b;
  }

  /** lazy-slow-reset / userspace-dmabuf: a slow reset that loads the protected FW sections. */
  private queueSectionReset(cause: ResetCause, userBuf: DmaBuf | null): void {
    this.lazyResetPending = true;
    const ev = this.log(LogLevel.LOG_INFO, 'loading protected FW sections: slow reset', this.heaps.lastEvent);
    this.sim.after(0, () => {
      if (!this.probed) return;
      if (this.resetPending) return;
      this.resetPending = { kind: ResetKind.RESET_SLOW, cause, ev };
      this.ready = false;
      this.worker.queue(this.resetWork(ResetKind.RESET_SLOW, cause, ev, userBuf));
    });
  }

  private groupSubmit(pf: PanthorFile, a: import('../../proto/index.js').GroupSubmitInit): number {
    const g = pf.groups.get(a.groupHandle ?? 0);
    if (!g) return -EINVAL;
    const subs = a.queueSubmits ?? [];
    for (const s of subs) {
      const qi = s.queueIndex ?? 0, size = s.streamSize ?? 0, addr = s.streamAddr ?? 0;
      if (qi >= g.queues.length) return -EINVAL;
      if ((size === 0) !== (addr === 0)) return -EINVAL;
      if (addr % 64 !== 0 || size % 8 !== 0) return -EINVAL;
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
      const q = g.queues[s.queueIndex ?? 0];
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
      if (waits) for (const w of waits) this.waitSyncobj(w.obj, w.point, j);
    }
    this.submitJobs = jobs;
    this.postIoctl = this.postSubmitCb;
    return 0;
  }

  // ═════════════════════════════ syncobjs ═════════════════════════════

  private jobDeps = new Map<Syncobj, { point: number; job: Job }[]>();

  private waitSyncobj(obj: Syncobj, point: number, job: Job): void {
    let l = this.jobDeps.get(obj);
    if (!l) { l = []; this.jobDeps.set(obj, l); }
    l.push({ point, job });
  }

  /** A job's fence signalled a syncobj point (with its error). */
  signalSyncobj(obj: Syncobj, point: number, err: number, ev: number): void {
    if (point > obj.value) obj.value = point;
    obj.error = err;
    const deps = this.jobDeps.get(obj);
    if (deps) {
      for (let i = 0; i < deps.length; i++) {
        const d = deps[i];
        if (obj.value < d.point) continue;
        removeAt(deps, i--);
        if (--d.job.deps === 0) this.sched.depsMet(d.job, ev);
      }
      if (!deps.length) this.jobDeps.delete(obj);
    }
    const ws = obj.waiters;
    for (let i = 0; i < ws.length; i++) {
      const w = ws[i];
      if (w.done) { removeAt(ws, i--); continue; }
      if (!this.waiterReady(w)) continue;
      removeAt(ws, i--);
      this.settle(w);         // its timeout fires later and is ignored (no cancellation)
      this.sim.after(0, this.waiterCb, w);
    }
  }

  private waiterReady(w: SyncWaiter): boolean {
    for (let i = 0; i < w.objs.length; i++) if (w.objs[i].value < Math.max(1, w.points[i] ?? 0)) return false;
    return true;
  }

  syncobjWait(pid: number, fd: number, handles: number[], points: number[], timeoutAbs: Ns, cb: (ret: number) => void): void {
    const f = this.procs.get(pid)?.files.get(fd);
    const w: SyncWaiter = { objs: [], points, cb, token: -1, done: false, pid, fd, start: this.sim.now, handles, id: 0 };
    let bad = !f || f.kind !== 'render';
    if (!bad) {
      const pf = (f as { pf: PanthorFile }).pf;
      for (const h of handles) {
        const s = pf.syncobjs.get(h);
        if (!s) { bad = true; break; }
        w.objs.push(s);
      }
    }
    if (bad) { w.done = true; this.sim.after(0, (x: SyncWaiter) => this.finishWait(x, f ? -EINVAL : -EBADF), w); return; }
    if (this.waiterReady(w)) { w.done = true; this.sim.after(0, this.waiterCb, w); return; }
    for (const s of w.objs) s.waiters.push(w);
    w.id = this.nextWaitId++;
    this.timedWaits.set(w.id, w);
    // Apps wait with a fixed timeout: the queue keeps these in a FIFO of their own.
    w.token = this.sim.afterFixed(timeoutAbs - this.sim.now, this.waiterTimeoutCb, w.id);
  }

  private fireWaiter(w: SyncWaiter, ret: number): void {
    if (ret !== 0) {
      if (w.done) return;
      this.settle(w);
      w.token = -1;
    }
    this.finishWait(w, ret);
  }

  private finishWait(w: SyncWaiter, ret: number): void {
    this.sim.bus.emitBody({ case: 'ioctl', value: {
      pid: w.pid, fd: w.fd, cmd: IoctlCmd.SYNCOBJ_TIMELINE_WAIT, ret, durationNs: this.sim.now - w.start,
      args: { case: 'syncobjWait', value: { handles: w.handles, points: w.points, timeoutNsec: 0, flags: U.DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL } },
    } });
    w.cb(ret);
  }

  syncobjValue(pid: number, fd: number, handle: number): number {
    const f = this.procs.get(pid)?.files.get(fd);
    if (!f || f.kind !== 'render') return 0;
    return f.pf.syncobjs.get(handle)?.value ?? 0;
  }

  writeStream(pid: number, fd: number, boHandle: number, offset: number, instrs: CsInstr[]): number {
    const f = this.procs.get(pid)?.files.get(fd);
    if (!f) return -EBADF;
    if (f.kind !== 'render') return -ENOTTY;
    const bo = f.pf.bos.get(boHandle);
    if (!bo) return -ENOENT;
    if ((bo.flags & U.DRM_PANTHOR_BO_NO_MMAP) || bo.isProtected) return -EPERM;
    if (offset < 0 || offset + instrs.length * R.CS_INSTR_SIZE > bo.size) return -EINVAL;
    bo.streams.set(offset, instrs);
    return 0;
  }

  /** Model accessor for tests and tools: a group by its handle. */
  group(handle: number): Group | undefined { return this.groupsById.get(handle); }
}

/** Builds the kernel model for a scenario: `kernel.start()` schedules heap registration and probe. */
export function createKernel(sim: Sim, cfg: ScenarioConfig): Kernel {
  return new Kernel(sim, cfg);
}
