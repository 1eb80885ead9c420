/**
 * panthor_fw.c: the host side of the CSF firmware. FW image sections (panthor_fw_load,
 * panthor_fw_load_section_entry, with the PROT sections from the protected heap), MCU boot and the
 * global interface init (panthor_fw_start, panthor_fw_init_global_iface), the request/ack helpers
 * the scheduler uses (panthor_fw_toggle_reqs / panthor_fw_update_reqs on GLB and CSG pages,
 * panthor_fw_ring_doorbell, panthor_fw_csg_wait_acks' condition), the ping watchdog
 * (panthor_fw_ping_work) and the JOB IRQ handler (panthor_job_irq_handler), which hands FW events
 * to the scheduler.
 *
 *   scheduler ──csgRequestState / bindSlot / glbToggle + ringDoorbell──► Firmware (firmware/)
 *   Firmware ──JOB_IRQ──► jobIrq ──► FwEventSink (sched-events.ts) ; GLB PING ack ──► watchdog
 */
import {
  FaultKind, FwIface, FwReqKind, GpuMode, HeapPurpose, IrqLine, LogLevel, ModeSwitchCause, ProbeStage, ResetCause,
  ResetKind, WatchdogOp, EINVAL, ENOENT, ETIMEDOUT,
} from '../../proto/index.js';
import { type DmaBuf, type HeapRegistry, O_CLOEXEC, O_RDWR } from '../dma-heap/index.js';
import * as R from '../../proto/index.js';
import type { Firmware } from '../firmware/index.js';
import type { Sim } from '../sim/index.js';
import type { DeviceCtl, FwEventSink } from './interfaces.js';
import type { Group } from './objects.js';
import type { PanthorTrace } from './trace.js';
import { FW_BOOT_TIMEOUT, MAX_CSGS, MIN_CSGS, PING_TIMEOUT, PROGRESS_TIMER } from './uapi.js';
import { waitUntil, type WaitFor, type Worker } from './work.js';

const mcuEnabled = (fw: Firmware): boolean => fw.mcuStatus === R.MCU_STATUS_ENABLED;

/** Model FW image: sections of mali_csffw.bin (the PROT one comes from the protected heap). */
export const FW_SECTIONS: readonly { flags: number; size: number }[] = [
  { flags: R.CSF_FW_BINARY_IFACE_ENTRY_RD | R.CSF_FW_BINARY_IFACE_ENTRY_EX | R.CSF_FW_BINARY_IFACE_ENTRY_CACHE_MODE_CACHED, size: 0x60000 },
  { flags: R.CSF_FW_BINARY_IFACE_ENTRY_RD | R.CSF_FW_BINARY_IFACE_ENTRY_WR | R.CSF_FW_BINARY_IFACE_ENTRY_ZERO, size: 0x20000 },
  { flags: R.CSF_FW_BINARY_IFACE_ENTRY_RD | R.CSF_FW_BINARY_IFACE_ENTRY_WR | R.CSF_FW_BINARY_IFACE_ENTRY_SHARED, size: R.CSF_MCU_SHARED_REGION_SIZE >>> 4 },
  { flags: R.CSF_FW_BINARY_IFACE_ENTRY_RD | R.CSF_FW_BINARY_IFACE_ENTRY_WR | R.CSF_FW_BINARY_IFACE_ENTRY_EX | R.CSF_FW_BINARY_IFACE_ENTRY_PROT, size: 0x40000 },
];
export const PROT_SECTION_SIZE = 0x40000;

export class PanthorFw {
  /** Protected FW sections allocated from the protected heap (or a user buffer). */
  protSections: DmaBuf[] = [];
  protSectionsLoaded = false;
  /** Where JOB IRQ events go (the scheduler's FW event processing). */
  events: FwEventSink | null = null;

  // watchdog
  private pingToken = -1;
  private pingTimeoutToken = -1;
  private pingEv = -1;
  private readonly pingCb = (): void => this.pingWork();
  private readonly pingTimeoutCb = (): void => this.pingTimeout();

  constructor(private readonly sim: Sim, private readonly dev: DeviceCtl, private readonly trace: PanthorTrace,
              private readonly heaps: HeapRegistry, private readonly worker: Worker, readonly fw: Firmware) {}

  // ───────────── request/ack helpers ─────────────

  /** Toggles GLB_REQ bits away from GLB_ACK (a host request); `group` is traced (GLB_PROTM_ENTER: active_group). */
  glbToggle(bits: number, cause: number, group = 0): number {
    const fw = this.fw;
    fw.glbReq = ((fw.glbReq & ~bits) | (~fw.glbAck & bits)) >>> 0;
    const ev = this.trace.emitFwReq({ iface: FwIface.GLB, kind: FwReqKind.REQ_TOGGLE, bits, req: fw.glbReq, group }, cause);
    fw.glbLastReqEv = ev;
    return ev;
  }

  glbAcked(bits: number): boolean { return ((this.fw.glbReq ^ this.fw.glbAck) & bits) === 0; }

  /** Rings doorbell `id`; CSG requests ride on doorbell 0 through glb.doorbell_req bits. */
  ringDoorbell(id: number, csgMask: number, csMask: number, cause: number): number {
    const fw = this.fw;
    if (csgMask) fw.glbDoorbellReq = (fw.glbDoorbellReq ^ csgMask) >>> 0;
    if (csMask && id > 0) { const c = fw.csgs[id - 1]!; c.doorbellReq = (c.doorbellReq ^ csMask) >>> 0; }
    const ev = this.sim.bus.emitBody({ case: 'doorbell', value: { id, csgMask, csMask } }, cause);
    fw.ringDoorbell(id);
    return ev;
  }

  csgRequestState(slot: number, g: Group, state: number, prio: number, cause: number): number {
    const csg = this.fw.csgs[slot]!;
    csg.req = ((csg.req & ~R.CSG_STATE_MASK) | state) >>> 0;
    const ev = this.trace.emitFwReq({ iface: FwIface.CSG, csg: slot, kind: FwReqKind.REQ_TOGGLE, bits: R.CSG_STATE_MASK,
      req: csg.req, state, group: g.id, endpointPriority: prio }, cause);
    csg.lastReqEv = ev;
    return ev;
  }

  csgEndpointConfig(slot: number, g: Group, prio: number, cause: number): number {
    const csg = this.fw.csgs[slot]!;
    csg.epReq = ((csg.epReq & 0x0fffffff) | R.csgEpReqPriority(prio)) >>> 0;
    csg.req = ((csg.req & ~R.CSG_ENDPOINT_CONFIG) | (~csg.ack & R.CSG_ENDPOINT_CONFIG)) >>> 0;
    const ev = this.trace.emitFwReq({ iface: FwIface.CSG, csg: slot, kind: FwReqKind.REQ_TOGGLE, bits: R.CSG_ENDPOINT_CONFIG,
      req: csg.req, state: csg.req & R.CSG_STATE_MASK, group: g.id, endpointPriority: prio }, cause);
    csg.lastReqEv = ev;
    return ev;
  }

  /**
   * tick_ctx_init's status request: CSG_STATUS_UPDATE toggled on each slot, one doorbell for all
   * (csgs_upd_ctx_queue_reqs + csgs_upd_ctx_apply_locked). Returns the doorbell's event.
   */
  csgStatusUpdate(slots: readonly number[], cause: number): number {
    let mask = 0, ev = cause;
    for (const slot of slots) {
      const csg = this.fw.csgs[slot]!;
      csg.req = ((csg.req & ~R.CSG_STATUS_UPDATE) | (~csg.ack & R.CSG_STATUS_UPDATE)) >>> 0;
      ev = this.trace.emitFwReq({ iface: FwIface.CSG, csg: slot, kind: FwReqKind.REQ_TOGGLE, bits: R.CSG_STATUS_UPDATE,
        req: csg.req, state: csg.req & R.CSG_STATE_MASK, group: csg.group }, cause);
      csg.lastReqEv = ev;
      mask |= 1 << slot;
    }
    return this.ringDoorbell(R.CSF_GLB_DOORBELL_ID, mask, 0, ev);
  }

  csgAcked(slot: number): boolean {
    const csg = this.fw.csgs[slot]!;
    return ((csg.req ^ csg.ack) & R.CSG_REQ_MASK) === 0;
  }

  /** Programs a CSG slot for a group (endpoint priority, suspend buffers, AS, CS rings) + state. */
  bindSlot(slot: number, g: Group, state: number, cause: number): number {
    const csg = this.fw.csgs[slot]!;
    csg.group = g.id;
    csg.epReq = R.csgEpReqPriority(g.csgPriority);
    csg.suspendBuf = g.suspendVa;
    // Invariant 11: the protm suspend buffer is programmed on every START/RESUME (0 if none).
    csg.protmSuspendBuf = g.protmSuspendVa;
    csg.asNr = g.vm.asNr;
    for (let i = 0; i < csg.cs.length; i++) {
      const cs = csg.cs[i]!;
      const q = g.queues[i];
      cs.queue = q ?? null;
      cs.priority = q ? q.priority : 0;
      cs.protGranted = false;
      if (q) cs.req = ((cs.req & ~R.CS_STATE_MASK) | R.CS_STATE_START) >>> 0;
      // Pending CS events of the previous occupant are not carried over.
      cs.req = ((cs.req & ~R.CS_EVT_MASK) | (cs.ack & R.CS_EVT_MASK)) >>> 0;
    }
    csg.req = ((csg.req & ~R.CSG_STATE_MASK) | state) >>> 0;
    // csg_slot_prog_locked's endpoint priority is applied with the state (tick_ctx_apply queues both).
    csg.req = ((csg.req & ~R.CSG_ENDPOINT_CONFIG) | (~csg.ack & R.CSG_ENDPOINT_CONFIG)) >>> 0;
    csg.req = ((csg.req & ~R.CSG_EVT_MASK) | (csg.ack & R.CSG_EVT_MASK)) >>> 0;
    const ev = this.trace.emitFwReq({ iface: FwIface.CSG, csg: slot, kind: FwReqKind.REQ_TOGGLE, bits: R.CSG_STATE_MASK | R.CSG_ENDPOINT_CONFIG,
      req: csg.req, state, group: g.id, endpointPriority: g.csgPriority, suspendBuf: g.suspendVa,
      protmSuspendBuf: g.protmSuspendVa, asNr: g.vm.asNr }, cause);
    csg.lastReqEv = ev;
    return ev;
  }

  unbindSlot(slot: number): void {
    const csg = this.fw.csgs[slot]!;
    csg.group = 0;
    for (const cs of csg.cs) { cs.queue = null; cs.protGranted = false; }
  }

  // ───────────── FW image, boot, global init ─────────────

  fwVersion(): number {
    const [a = 0, b = 0, c = 0] = this.dev.cfg.gpu.fwVersion.split('.').map((x) => Number(x) || 0);
    return ((a << 24) | (b << 16) | c) >>> 0;
  }

  /** FW sections: PROT ones from the heap (or user buffers), skipped with a warning otherwise. */
  loadSections(cause: number, reload: boolean, userBuf: DmaBuf | null = null): number {
    const dev = this.dev, trace = this.trace;
    let ev = cause;
    for (const s of FW_SECTIONS) {
      if (!(s.flags & R.CSF_FW_BINARY_IFACE_ENTRY_PROT)) {
        if (!reload) ev = trace.emitProbe({ stage: ProbeStage.PROBE_FW_SECTION, sectionFlags: s.flags, size: s.size }, ev);
        continue;
      }
      if (this.protSectionsLoaded) {
        ev = trace.emitProbe({ stage: ProbeStage.PROBE_FW_SECTION, sectionFlags: s.flags, size: s.size }, ev);
        continue;
      }
      let buf: DmaBuf | number = -ENOENT;
      if (userBuf) {
        this.heaps.importBuf(userBuf, 0, HeapPurpose.PURPOSE_USER_SUPPLIED, ev);
        buf = userBuf;
      } else if (dev.protHeap && !dev.heapPol.disabled) {
        buf = this.heaps.bufferAlloc(dev.protHeap, s.size, O_RDWR | O_CLOEXEC, 0, 0, HeapPurpose.PURPOSE_FW_PROT_SECTION, 0, ev);
      }
      if (typeof buf === 'number') {
        ev = trace.emitProbe({ stage: ProbeStage.PROBE_FW_SECTION, sectionFlags: s.flags, size: s.size, skipped: true, result: buf }, ev);
        trace.log(LogLevel.LOG_WARN, 'Firmware protected mode entry not supported, ignoring', ev);
        continue;
      }
      this.protSections.push(buf);
      this.protSectionsLoaded = true;
      ev = trace.emitProbe({ stage: ProbeStage.PROBE_FW_SECTION, sectionFlags: s.flags, size: s.size }, this.heaps.lastEvent);
    }
    return ev;
  }

  /** Drops the protected sections (device removal). */
  releaseSections(ev: number): void {
    for (const b of this.protSections) this.heaps.bufPut(b, 0, ev);
    this.protSections = [];
  }

  /**
   * panthor_fw_start + panthor_fw_init_ifaces + panthor_fw_init_global_iface: MCU_CONTROL = AUTO,
   * wait ≤ 1000 ms for GLOBAL_IF; a group_num outside [MIN_CSGS, MAX_CSGS] fails (-EINVAL); then
   * the global interface: ack_irq_mask, GLB_IDLE_EN set as a level (panthor_fw_update_reqs), the
   * CFG_* requests toggled, one doorbell and no wait; the watchdog starts. 0 or -errno.
   */
  *bootWork(slow: boolean, cause: number): Generator<WaitFor, number, boolean> {
    const trace = this.trace;
    this.fw.boot(slow, cause);
    const ok = yield waitUntil(mcuEnabled, FW_BOOT_TIMEOUT, this.fw);
    if (!ok) { trace.log(LogLevel.LOG_ERR, 'FW boot timeout', cause); return -ETIMEDOUT; }
    const groupNum = this.dev.cfg.gpu.groupNum;
    if (groupNum > MAX_CSGS || groupNum < MIN_CSGS) {
      trace.log(LogLevel.LOG_ERR, 'Invalid number of control groups', this.sim.bus.count - 1);
      return -EINVAL;
    }
    const ev = trace.emitProbe({ stage: ProbeStage.PROBE_GLB_INIT }, this.sim.bus.count - 1);
    // ack_irq_mask (+ PROTM_ENTER | PROTM_EXIT from the protected-mode series).
    const fw = this.fw;
    fw.glbAckIrqMask = (R.GLB_CFG_PROGRESS_TIMER | R.GLB_CFG_ALLOC_EN | R.GLB_CFG_POWEROFF_TIMER | R.GLB_IDLE_EN |
      R.GLB_PING | R.GLB_PROTM_ENTER | R.GLB_PROTM_EXIT | R.GLB_IDLE) >>> 0;
    trace.emitFwReq({ iface: FwIface.GLB, kind: FwReqKind.REQ_WRITE, bits: fw.glbAckIrqMask, req: fw.glbReq }, ev);
    fw.glbReq = (fw.glbReq | R.GLB_IDLE_EN) >>> 0;
    trace.emitFwReq({ iface: FwIface.GLB, kind: FwReqKind.REQ_WRITE, bits: R.GLB_IDLE_EN, req: fw.glbReq }, ev);
    // progress_timer = PROGRESS_TIMEOUT_CYCLES >> PROGRESS_TIMEOUT_SCALE_SHIFT (in 1024 GPU cycles).
    fw.progressTimer = PROGRESS_TIMER;
    fw.clockHz = this.dev.cfg.gpu.clockMhz * 1e6;
    const e = this.glbToggle(R.GLB_CFG_PROGRESS_TIMER | R.GLB_CFG_ALLOC_EN | R.GLB_CFG_POWEROFF_TIMER, ev);
    this.ringDoorbell(R.CSF_GLB_DOORBELL_ID, 0, 0, e);
    this.armPing();
    return 0;
  }

  // ───────────── watchdog (panthor_fw_ping_work) ─────────────

  private armPing(): void {
    if (this.pingToken >= 0) this.sim.cancel(this.pingToken);
    this.pingToken = this.sim.after(this.dev.cfg.driver.pingInterval, this.pingCb);
  }

  /** Device removal: the watchdog stops. */
  stopWatchdog(): void {
    if (this.pingToken >= 0) this.sim.cancel(this.pingToken);
    if (this.pingTimeoutToken >= 0) this.sim.cancel(this.pingTimeoutToken);
  }

  /** Reset: a PING in flight is forgotten. */
  cancelPingTimeout(): void {
    if (this.pingTimeoutToken >= 0) { this.sim.cancel(this.pingTimeoutToken); this.pingTimeoutToken = -1; }
  }

  private pingWork(): void {
    this.pingToken = -1;
    if (!this.dev.ready) { this.armPing(); return; }
    const fw = this.fw;
    const prot = fw.mode === GpuMode.MODE_PROTECTED || fw.mode === GpuMode.MODE_ENTERING;
    if (prot && (!this.dev.protm.pingWhileProtected || this.dev.fixes.has('pause-ping'))) {
      // kbase / the review (fix pause-ping): no PING while protected (it would force an exit).
      this.sim.bus.emitBody({ case: 'watchdog', value: { op: WatchdogOp.WD_PING_SKIPPED, gpuProtected: true } });
      this.armPing();
      return;
    }
    fw.exitCause = ModeSwitchCause.CAUSE_WATCHDOG_PING;
    const ev = this.sim.bus.emitBody({ case: 'watchdog', value: { op: WatchdogOp.WD_PING_SENT, gpuProtected: prot } });
    const e = this.glbToggle(R.GLB_PING, ev);
    this.ringDoorbell(R.CSF_GLB_DOORBELL_ID, 0, 0, e);
    this.pingEv = e;
    this.pingTimeoutToken = this.sim.after(PING_TIMEOUT, this.pingTimeoutCb);
  }

  /** The GLB event processing saw the PING acked. */
  pingAcked(ev: number): void {
    if (this.pingTimeoutToken < 0 || !this.glbAcked(R.GLB_PING)) return;
    this.sim.cancel(this.pingTimeoutToken);
    this.pingTimeoutToken = -1;
    this.sim.bus.emitBody({ case: 'watchdog', value: { op: WatchdogOp.WD_PING_ACKED, gpuProtected: this.fw.isProtected } }, ev);
    this.armPing();
  }

  private pingTimeout(): void {
    this.pingTimeoutToken = -1;
    const ev = this.sim.bus.emitBody({ case: 'watchdog', value: { op: WatchdogOp.WD_PING_TIMEOUT, gpuProtected: this.fw.isProtected } }, this.pingEv);
    const f = this.trace.emitFault(FaultKind.FAULT_PING_TIMEOUT, 0, null, 0, false, ev);
    this.trace.log(LogLevel.LOG_ERR, 'FW ping timeout', f);
    this.dev.scheduleReset(ResetKind.RESET_SLOW, ResetCause.RESET_CAUSE_PING_TIMEOUT, f);
  }

  // ───────────── JOB IRQ (panthor_job_irq_handler) ─────────────

  jobIrq(): void {
    const fw = this.fw;
    const raw = fw.jobIrqRaw;
    if (!raw) return;
    fw.jobIrqRaw = 0;
    const ev = this.sim.bus.emitBody({ case: 'fwIrq', value: { line: IrqLine.JOB_IRQ, status: raw } }, fw.jobIrqCause);
    (this.events as FwEventSink).processFwEvents(raw, ev);
    this.worker.poll();
  }
}
