/**
 * panthor_device.c: the device. Probe (panthor_device_init: the protected heap looked up with
 * dma_heap_find per heap policy, -EPROBE_DEFER while it is missing, FW load and boot), reset
 * (panthor_device_schedule_reset, panthor_device_reset_work: scheduler pre-reset, FW reset and
 * reload, boot, post-reset tick), runtime PM (pm.ts: panthor_device_suspend / panthor_device_resume;
 * a reset requested while not active stays pending and makes the resume slow, as
 * panthor_device_schedule_reset leaves it), removal (panthor_device_unplug), and the system's view of it:
 * processes and their files (the render node, /dev/dma_heap/<name>, dma-buf fds), the two IRQ
 * lines, scenario faults. It builds and wires the driver's parts:
 *
 *   app ──open/ioctl/close──► PanthorDevice ──► drv.ts (ioctl checks) ──► gem / mmu / heap / sched /
 *                                                                        syncobj / prime
 *   Firmware (firmware/) ──JOB_IRQ──► fw.ts jobIrq ──► sched-events.ts ──► sched.ts
 *                        ──GPU_IRQ──► gpu.ts ──► reset (here)
 */
import {
  HeapPurpose, LogLevel, ProbeStage, ResetCause, ResetKind, ResetPhase, GpuMode, ProcessOp, TickTrigger, EBADF, EINVAL, ENOENT, ENOTTY, EPROBE_DEFER,
} from '../../proto/index.js';
import {
  DMA_HEAP_DIR, DRI_RENDER_NODE, type AppKind, type CsInstr, type FaultConfig, type IoctlArgs,
  type ReviewFix, type ScenarioConfig, type UapiKernel,
} from '../contract.js';
import { type DmaBuf, type DmaHeap, HeapRegistry, O_RDWR, O_CLOEXEC } from '../dma-heap/index.js';
import * as R from '../../proto/index.js';
import { Firmware, type FwHost } from '../firmware/index.js';
import { heapPolicy, protmPolicy, reviewFixesOf, type HeapPolicyDesc, type ProtmPolicyDesc } from '../policies/index.js';
import type { Ns, Sim } from '../sim/index.js';
import { PanthorDrv } from './drv.js';
import { FdTable, type Proc } from './fd-table.js';
import { FW_SECTIONS, PROT_SECTION_SIZE, PanthorFw } from './fw.js';
import { nameReadTraced, readProtectedHeapName } from './heap-name.js';
import { SecondGpu } from './second-gpu.js';
import { PanthorGem } from './gem.js';
import { PanthorGpu } from './gpu.js';
import type { DeviceCtl } from './interfaces.js';
import { PanthorMmu } from './mmu.js';
import { PanthorPm, type PmHost } from './pm.js';
import type { Group } from './objects.js';
import { Prime } from './prime.js';
import { SchedFwEvents } from './sched-events.js';
import { TilerOom } from './sched-oom.js';
import { Scheduler } from './sched.js';
import { SyncobjTable } from './syncobj.js';
import { PanthorTrace } from './trace.js';
import type { DeviceHost } from '../devices/index.js';
import * as U from './uapi.js';
import { Worker, type WaitFor, type Work } from './work.js';

export class PanthorDevice implements UapiKernel, FwHost, DeviceCtl, PmHost {
  readonly heaps: HeapRegistry;
  /** The CSF firmware / MCU model (firmware/). */
  readonly fw: Firmware;
  readonly trace: PanthorTrace;
  /** The host side of the FW interface (panthor_fw.c). */
  readonly pfw: PanthorFw;
  readonly mmu: PanthorMmu;
  readonly gem: PanthorGem;
  readonly fds: FdTable;
  readonly sync: SyncobjTable;
  readonly prime: Prime;
  readonly sched: Scheduler;
  readonly gpu: PanthorGpu;
  readonly drv: PanthorDrv;
  readonly worker: Worker;
  /** Runtime PM (pm.ts). */
  readonly pm: PanthorPm;
  readonly protm: ProtmPolicyDesc;
  readonly fixes: ReadonlySet<ReviewFix>;
  readonly heapPol: HeapPolicyDesc;
  readonly csgSlotCount: number;

  // device state
  probed = false;
  private probing = false;
  /** Booted and not resetting: the scheduler may run. */
  ready = false;
  /** The device's reference on the protected heap (dma_heap_find at probe). */
  protHeap: DmaHeap | null = null;
  /** The protected heap name the probe read (heap-name.ts); null = none given. */
  heapName: string | null = null;
  /** A second GPU that only probes (driver.second_gpu). */
  readonly second: SecondGpu | null;
  /** lazy-slow-reset / userspace-dmabuf: a slow reset that loads the protected sections is queued. */
  lazyResetPending = false;
  private resetPending: { kind: ResetKind; cause: ResetCause; ev: number } | null = null;
  /** userspace-dmabuf: the buffer a section reset pending while suspended loads from. */
  private pendingUserBuf: DmaBuf | null = null;
  resetCount = 0;
  private unusable = false;
  /** shutdown() in progress: groups are torn down without FW round trips. */
  shuttingDown = false;

  constructor(readonly sim: Sim, readonly cfg: ScenarioConfig) {
    this.heaps = new HeapRegistry(sim, cfg.driver.heapLifetime ?? 'kref');
    this.protm = protmPolicy(cfg.driver.protmPolicy);
    this.fixes = reviewFixesOf(cfg.driver.protmPolicy, cfg.driver.reviewFixes);
    this.heapPol = heapPolicy(cfg.driver.heapPolicy);
    // Arrays are sized for a valid group_num; an invalid one fails the FW init (fw.ts bootWork).
    const groupNum = Math.max(3, Math.min(31, cfg.gpu.groupNum));
    this.csgSlotCount = Math.min(31, groupNum, 16);
    this.fw = new Firmware(sim, this, this.csgSlotCount, Math.max(1, Math.min(32, cfg.gpu.streamNum)), cfg.firmware);
    this.worker = new Worker(sim);
    this.trace = new PanthorTrace(sim, cfg, this.fw);
    this.pfw = new PanthorFw(sim, this, this.trace, this.heaps, this.worker, this.fw);
    this.pm = new PanthorPm(sim, this, this.pfw, this.trace, this.worker, cfg.driver.runtimePm, cfg.driver.autosuspendDelay);
    this.mmu = new PanthorMmu(this, this.trace, this.fw, this.worker, sim);
    this.gem = new PanthorGem();
    this.fds = new FdTable(sim);
    this.sync = new SyncobjTable(sim, this.fds);
    this.prime = new Prime(this.heaps, this.fds);
    this.sched = new Scheduler({ sim, dev: this, pfw: this.pfw, trace: this.trace, mmu: this.mmu, sync: this.sync,
      heaps: this.heaps, worker: this.worker }, this.csgSlotCount);
    this.pfw.events = new SchedFwEvents(this.sched, this.pfw, this.trace, this,
      new TilerOom(sim, this.sched, this.pfw, this.trace, this.mmu, this.worker));
    this.gpu = new PanthorGpu(sim, this.fw, this.sched, this.trace, this);
    this.drv = new PanthorDrv({ sim, dev: this, trace: this.trace, fds: this.fds, pfw: this.pfw, gem: this.gem,
      mmu: this.mmu, sched: this.sched, sync: this.sync, prime: this.prime, heaps: this.heaps, csgSlotCount: this.csgSlotCount });
    this.heaps.onAdd((heap, ev) => this.onHeapAdded(heap, ev));
    this.second = cfg.driver.secondGpu ? new SecondGpu(sim, cfg, this.heaps) : null;
  }

  get asCount(): number { return this.mmu.asCount; }

  // ═════════════════════════════ lifecycle ═════════════════════════════

  /** Heaps register at their appearAt; the GPU probes at t=0. */
  start(): void {
    for (const h of this.cfg.heaps) this.sim.at(h.appearAt, (c) => { this.heaps.add(c); }, h);
    this.sim.at(0, () => this.probe(-1));
    const second = this.second;
    if (second) this.sim.at(0, () => second.probe(-1));
  }

  /** Teardown at the end of the run: processes exit, the device drops its heap references. */
  shutdown(): void {
    this.shuttingDown = true;
    this.worker.flush();
    for (const p of this.worker.peers) p.flush();
    for (const pid of [...this.fds.procs.keys()]) this.exit(pid);
    this.worker.flush();
    this.pfw.stopWatchdog();
    if (!this.probed) return;
    const ev = this.trace.emitProbe({ stage: ProbeStage.PROBE_REMOVE, heapName: this.cfg.driver.protectedHeapName });
    this.pfw.releaseSections(ev);
    if (this.protHeap) { this.heaps.put(this.protHeap, HeapPurpose.PURPOSE_PROBE, 0, ev); this.protHeap = null; }
    this.second?.shutdown();
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
      case 'cs-fatal': case 'cs-unrecoverable': case 'job-hang': case 'cs-fault': {
        const type = f.kind === 'cs-unrecoverable' ? R.DRM_PANTHOR_EXCEPTION_CS_UNRECOVERABLE : R.DRM_PANTHOR_EXCEPTION_CS_BUS_FAULT;
        for (const g of this.groupsOf(f.app)) {
          const st = g.queues[0]!.st;   // every group has a queue: groupCreate refuses none (as panthor_ioctl_group_create)
          if (f.kind === 'job-hang') st.injectHang = true;
          // A recoverable fault: the model's FW reports an invalid instruction (CS_FAULT.EXCEPTION_TYPE).
          else if (f.kind === 'cs-fault') st.injectFault = R.DRM_PANTHOR_EXCEPTION_CS_INSTR_INVALID;
          else st.injectFatal = type;
        }
        break;
      }
      case 'resume-fast-fail': this.fw.failFastBoots += n; break;
      case 'mmu-fault': this.mmuFaultWhenMapped(f.app, ev, 0); break;
      case 'heap-remove': {
        const h = this.heaps.remove(f.heap || this.cfg.driver.protectedHeapName, ev);
        if (h && h.refcount > 0) this.log(LogLevel.LOG_WARN, `dma-heap ${h.name} removed with ${h.refcount} references held`, this.heaps.lastEvent, 'dma-heap');
        break;
      }
      default: break;
    }
  }

  /**
   * mmu-fault: a GPU access to an unmapped VA of the app's VM, which needs the VM on an AS (a group
   * of it resident): until then the fault is retried every 100 µs (for at most 1 s).
   */
  private mmuFaultWhenMapped(app: string, ev: number, tries: number): void {
    const g = this.groupsOf(app).find((x) => x.vm.asNr >= 0 && !x.vm.destroyed);
    if (g && this.mmu.mmuFault(g.vm, 0xdead_0000, ev)) return;
    if (tries >= 10_000) { this.log(LogLevel.LOG_INFO, `mmu-fault: no VM of ${app} got an address space`, ev); return; }
    this.sim.after(100_000, () => this.mmuFaultWhenMapped(app, ev, tries + 1));
  }

  private groupsOf(comm: string): Group[] {
    const out: Group[] = [];
    for (const g of this.sched.groups) {
      const p = this.fds.procs.get(g.pid);
      if (p && p.comm === comm && g.canRun) out.push(g);
    }
    return out;
  }

  procComm(pid: number): string { return this.fds.procs.get(pid)?.comm ?? ''; }

  log(level: LogLevel, msg: string, cause = -1, source = 'panthor'): number {
    return this.trace.log(level, msg, cause, source);
  }

  /** Protected execution is possible: a heap (or user buffers) and the protected FW sections. */
  get protmAvailable(): boolean {
    return !this.heapPol.disabled && this.pfw.protSectionsLoaded && (this.protHeap !== null || this.heapPol.userSupplied);
  }

  // ═════════════════════════════ probe, reset ═════════════════════════════

  private onHeapAdded(heap: DmaHeap, ev: number): void {
    // Deferred probes are retried when a new device/driver appears (driver_deferred_probe_trigger).
    if (!this.probed && !this.probing && this.trace.probeAttempt > 0 && heap.name) this.probe(ev);
  }

  private probe(cause: number): void {
    this.probing = true;
    this.trace.probeAttempt++;
    const d = this.cfg.driver;
    const read = readProtectedHeapName(d, 0);
    const name = read.name ?? '';
    this.heapName = read.outcome === 'lookup' ? read.name : null;
    const trace = this.trace;
    let ev = trace.emitProbe({ stage: ProbeStage.PROBE_START, heapName: name }, cause);
    if (nameReadTraced(read) && !this.heapPol.disabled) {
      ev = trace.emitProbe({ stage: ProbeStage.PROBE_HEAP_NAME, heapName: name, nameSet: read.set, result: read.result }, ev);
      if (read.outcome === 'fail') {
        trace.emitProbe({ stage: ProbeStage.PROBE_FAILED, result: read.result }, ev);
        this.log(LogLevel.LOG_ERR, `protected-heap-name: cannot read the property (${read.result})`, ev);
        this.probing = false;
        return;
      }
      if (read.outcome === 'none') ev = trace.emitProbe({ stage: ProbeStage.PROBE_NO_PROTECTED, heapName: name }, ev);
    }
    if (this.heapName !== null && !this.heapPol.disabled) {
      ev = trace.emitProbe({ stage: ProbeStage.PROBE_HEAP_LOOKUP, heapName: name }, ev);
      const heap = this.heaps.find(name, HeapPurpose.PURPOSE_PROBE, 0, ev);
      if (!heap && this.heapPol.deferProbe) {
        const e = trace.emitProbe({ stage: ProbeStage.PROBE_DEFER, result: -EPROBE_DEFER, heapName: name }, this.heaps.lastEvent);
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
    const trace = this.trace, pfw = this.pfw;
    let ev = trace.emitProbe({ stage: ProbeStage.PROBE_FW_LOAD, fwVersion: pfw.fwVersion(), size: FW_SECTIONS.reduce((a, s) => a + s.size, 0) }, cause);
    ev = pfw.loadSections(ev, false);
    ev = trace.emitProbe({ stage: ProbeStage.PROBE_BOOT }, ev);
    const ret = yield* pfw.bootWork(true, ev);
    if (ret) {
      trace.emitProbe({ stage: ProbeStage.PROBE_FAILED, result: ret }, ev);
      this.probing = false;
      return;
    }
    this.ready = true;
    this.probed = true;
    this.probing = false;
    trace.emitProbe({ stage: ProbeStage.PROBE_DONE, csgSlotCount: this.csgSlotCount, asCount: this.asCount,
      fwVersion: pfw.fwVersion() }, this.sim.bus.count - 1);
    this.pm.probed();
  }

  /**
   * The protm suspend buffer of a PROTECTED group, per heap policy: from the heap found at probe
   * (probe-defer), from a heap looked up now plus a slow reset to load the protected sections
   * (lazy-slow-reset), or from a dma-buf user space hands in (userspace-dmabuf).
   */
  protectedSuspendBuffer(p: Proc, protmBufFd: number, group: number): DmaBuf | number {
    const pol = this.heapPol;
    const name = this.heapName;
    // No protected heap → no protected execution (INFERRED: the flag without a heap is -EINVAL).
    if (pol.disabled || !name) return -EINVAL;
    const loaded = this.pfw.protSectionsLoaded;
    if (pol.userSupplied) {
      const f = p.files.get(protmBufFd);
      if (!protmBufFd || !f || f.kind !== 'dmabuf' || !f.buf.isProtected) return -EINVAL;
      const need = U.CSG_PROTM_SUSPEND_SIZE + (loaded ? 0 : PROT_SECTION_SIZE);
      if (f.buf.size < need) return -EINVAL;
      this.heaps.importBuf(f.buf, p.pid, HeapPurpose.PURPOSE_USER_SUPPLIED, -1);
      if (!loaded && !this.lazyResetPending) this.queueSectionReset(ResetCause.RESET_CAUSE_USER_DMABUF, f.buf);
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
    if (!loaded && pol.lazySlowReset && !this.lazyResetPending) {
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
      if (!this.pm.active) {
        // panthor_device_schedule_reset on a suspended device: reset.pending only; the resume is slow.
        this.pm.resetPending = true;
        this.pendingUserBuf = userBuf;
        this.log(LogLevel.LOG_INFO, 'device suspended: the reset stays pending until the resume (slow)', ev);
        return;
      }
      this.resetPending = { kind: ResetKind.RESET_SLOW, cause, ev };
      this.ready = false;
      this.worker.queue(this.resetWork(ResetKind.RESET_SLOW, cause, ev, userBuf));
    });
  }

  /**
   * panthor_device_schedule_reset: queues a reset (coalesced; a slow request upgrades a pending
   * fast one). Every runtime reset is slow (panthor_fw_pre_reset(ptdev, true): all FW sections
   * reloaded); a fast reset only follows a clean suspend, which the model does not simulate.
   */
  scheduleReset(kind: ResetKind, cause: ResetCause, ev: number): void {
    if (this.unusable) return;
    if (!this.pm.active) {
      // Not active: reset.pending is set, no work queued; panthor_device_resume forces a slow restart.
      this.pm.resetPending = true;
      return;
    }
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
    const fw = this.fw, pfw = this.pfw;
    const wasProtected = fw.mode === GpuMode.MODE_PROTECTED || fw.mode === GpuMode.MODE_ENTERING;
    const ev = this.sim.bus.emitBody({ case: 'reset', value: {
      kind, phase: ResetPhase.RESET_BEGIN, cause, resetCount: this.resetCount, protectedSectionsLoaded: pfw.protSectionsLoaded,
    } }, causeEv);
    this.ready = false;
    pfw.cancelPingTimeout();
    // panthor_sched_pre_reset: resident groups are suspended through the FW, those that cannot run
    // terminated (the active protected group on a PROTM fault under kbase; kbase: everything when
    // protected). 7/8: handle_protm_fault first (forced exit, the active group blamed).
    if (this.protm.handleProtmFault) yield* this.sched.handleProtmFault(ev);
    const active = this.sched.activeGroup;
    const protmFault = cause === ResetCause.RESET_CAUSE_PROTM_FAULT && !this.protm.handleProtmFault;
    yield* this.sched.preReset((g) => protmFault && g === active, wasProtected && this.protm.name === 'kbase', ev);
    fw.reset(ev);
    // A slow reset reloads every section: lazy-slow-reset / userspace-dmabuf load PROT ones now.
    let e2 = ev;
    if (slow) e2 = pfw.loadSections(ev, true, userBuf);
    this.lazyResetPending = false;
    const ok = (yield* pfw.bootWork(slow, e2)) === 0;
    if (ok) this.ready = true;
    this.sim.bus.emitBody({ case: 'reset', value: {
      kind, phase: ResetPhase.RESET_END, cause, success: ok, resetCount: this.resetCount,
      protectedSectionsLoaded: pfw.protSectionsLoaded,
    } }, ev);
    if (!ok) {
      if (!slow) { this.scheduleReset(ResetKind.RESET_SLOW, ResetCause.RESET_CAUSE_FAST_FAILED, ev); return; }
      this.unusable = true;
      this.log(LogLevel.LOG_ERR, 'GPU unusable after reset', ev);
      return;
    }
    this.sched.requestTick(8 /* TRIGGER_RESET */, ev);
  }

  // ═════════════════════════════ runtime PM (PmHost) ═════════════════════════════

  schedSuspend(ev: number): Work { return this.sched.preReset(() => false, false, ev); }

  mmuSuspend(): void { this.mmu.suspend(); }

  /** panthor_fw_post_reset from panthor_device_resume: a slow restart reloads every section. */
  *fwRestart(slow: boolean, ev: number): Generator<WaitFor, number, boolean> {
    let e = ev;
    if (slow) { e = this.pfw.loadSections(ev, true, this.pendingUserBuf); this.pendingUserBuf = null; }
    return yield* this.pfw.bootWork(slow, e);
  }

  schedResume(ev: number): void { this.sched.requestTick(TickTrigger.TRIGGER_RESUME, ev); }

  resetDoneByResume(): void { this.lazyResetPending = false; }

  // ═════════════════════════════ IRQ lines (FwHost) ═════════════════════════════

  handleJobIrq(): void { this.pfw.jobIrq(); }
  handleGpuIrq(): void { this.gpu.irq(); }
  onGpuStatus(_ev: number): void { this.worker.poll(); }

  // ═════════════════════════════ processes and files ═════════════════════════════

  spawn(pid: number, comm: string, kind: AppKind | 'system', privileged: boolean): void {
    this.fds.spawn(pid, comm, kind, privileged);
  }

  exit(pid: number): void {
    const p = this.fds.procs.get(pid);
    if (!p) return;
    for (const fd of [...p.files.keys()].sort((a, b) => a - b)) this.close(pid, fd);
    this.fds.procs.delete(pid);
    this.sim.bus.emitBody({ case: 'process', value: { op: ProcessOp.PROC_EXIT, pid, comm: p.comm } });
  }

  open(pid: number, path: string): number {
    const p = this.fds.procs.get(pid);
    let ret = -ENOENT;
    if (p) {
      if (path === DRI_RENDER_NODE) {
        // The node exists only once the probe succeeded.
        if (this.probed && !this.unusable) ret = this.drv.open(p);
      } else if (path.startsWith(DMA_HEAP_DIR)) {
        const heap = this.heaps.lookup(path.slice(DMA_HEAP_DIR.length));
        if (heap) ret = this.fds.installFd(p, { kind: 'heap', heap });
      }
    }
    this.sim.bus.emitBody({ case: 'process', value: { op: ProcessOp.PROC_OPEN, pid, path, fd: ret } });
    return ret;
  }

  close(pid: number, fd: number): number {
    const p = this.fds.procs.get(pid);
    const f = p?.files.get(fd);
    const ev = this.sim.bus.emitBody({ case: 'process', value: { op: ProcessOp.PROC_CLOSE, pid, fd: f ? fd : -EBADF } });
    if (!p || !f) return -EBADF;
    p.files.delete(fd);
    if (f.kind === 'dmabuf') this.heaps.bufPut(f.buf, pid, ev);
    else if (f.kind === 'render') this.drv.postclose(f.pf, ev);
    return 0;
  }

  ioctl(pid: number, fd: number, args: IoctlArgs): number { return this.drv.ioctl(pid, fd, args); }

  writeStream(pid: number, fd: number, boHandle: number, offset: number, instrs: CsInstr[]): number {
    const f = this.fds.file(pid, fd);
    if (!f) return -EBADF;
    if (f.kind !== 'render') return -ENOTTY;
    return this.gem.writeStream(f.pf, boHandle, offset, instrs);
  }

  syncobjWait(pid: number, fd: number, handles: number[], points: number[], timeoutAbs: Ns, cb: (ret: number) => void): void {
    this.sync.syncobjWait(pid, fd, handles, points, timeoutAbs, cb);
  }

  syncobjValue(pid: number, fd: number, handle: number): number { return this.sync.syncobjValue(pid, fd, handle); }

  /** For the devices of a secure pipeline (devices/host.ts). */
  deviceHost(): DeviceHost {
    return {
      heaps: this.heaps,
      dmaBufOf: (pid, fd) => { const f = this.fds.file(pid, fd); return f?.kind === 'dmabuf' ? f.buf : undefined; },
      protmWaiting: (h) => (this.drv.group(h)?.protmPendingQueues ?? 0) !== 0,
      gpuProtectedHeap: this.cfg.driver.heapPolicy === 'disabled' ? '' : this.cfg.driver.protectedHeapName,
    };
  }

  /** Model accessor for tests and tools: a group by its handle. */
  group(handle: number): Group | undefined { return this.drv.group(handle); }
}

/** The kernel side as the simulator knows it. */
export type Kernel = PanthorDevice;

/** Builds the kernel model for a scenario: `kernel.start()` schedules heap registration and probe. */
export function createKernel(sim: Sim, cfg: ScenarioConfig): PanthorDevice {
  return new PanthorDevice(sim, cfg);
}
