/**
 * panthor_sched.c, FW event processing: what the JOB IRQ handler reports
 * (panthor_sched_report_fw_events → process_fw_events_work) handled per interface —
 * sched_process_csg_irq_locked (CSG events acked; IDLE and PROGRESS_TIMER_EVENT
 * (csg_slot_process_progress_timer_event_locked); then each CS: cs_slot_process_irq_locked for
 * CS_FATAL / CS_FAULT (cs_slot_process_fault_event_locked) / CS_TILER_OOM, PROTM_PENDING left
 * pending for the scheduler, the CS doorbell rung after a CS_FAULT or TILER_OOM; then SYNC_UPDATE)
 * and sched_process_global_irq_locked (GLB events acked, PROTM_EXIT, IDLE
 * (sched_process_idle_event_locked), the watchdog's PING ack).
 *
 *   fw.ts jobIrq ──processFwEvents(status)──► CSG i events ──► Scheduler (jobs, ticks, resets)
 *                                           └─► GLB events ──► Scheduler.protmExited / watchdog
 */
import { FaultKind, FwIface, FwReqKind, LogLevel, ResetCause, ResetKind } from '../../proto/index.js';
import * as R from '../../proto/index.js';
import type { PanthorFw } from './fw.js';
import type { DeviceCtl, FwEventSink } from './interfaces.js';
import type { Scheduler } from './sched.js';
import type { TilerOom } from './sched-oom.js';
import type { PanthorTrace } from './trace.js';

export class SchedFwEvents implements FwEventSink {
  constructor(private readonly sched: Scheduler, private readonly pfw: PanthorFw, private readonly trace: PanthorTrace,
              private readonly dev: DeviceCtl, private readonly oom: TilerOom) {}

  /** process_fw_events_work: the global interface first, then the CSGs by slot (7/8: CSGs first). */
  processFwEvents(raw: number, ev: number): void {
    const csgs = this.pfw.fw.csgs;
    const csgFirst = this.dev.protm.csgIrqFirst;
    if (!csgFirst && (raw & R.JOB_INT_GLOBAL_IF)) this.glbIrq(ev);
    for (let s = 0; s < csgs.length; s++) if (raw & (1 << s)) this.csgIrq(s, ev);
    if (csgFirst && (raw & R.JOB_INT_GLOBAL_IF)) this.glbIrq(ev);
  }

  private csgIrq(slot: number, ev: number): void {
    const csg = this.pfw.fw.csgs[slot]!;
    const g = this.sched.slots[slot];
    const trace = this.trace;
    const evts = (csg.req ^ csg.ack) & R.CSG_EVT_MASK;
    let e = ev;
    if (evts) {
      csg.req = ((csg.req & ~evts) | (csg.ack & evts)) >>> 0;
      e = trace.emitFwReq({ iface: FwIface.CSG, csg: slot, kind: FwReqKind.REQ_EVENT_ACK, bits: evts, req: csg.req, group: csg.group }, ev);
    }
    // IDLE and PROGRESS_TIMER_EVENT first, then the CSs, then SYNC_UPDATE (sched_process_csg_irq_locked).
    if (g && (evts & R.CSG_IDLE)) this.sched.csgIdle(g, e);
    if (g && (evts & R.CSG_PROGRESS_TIMER_EVENT)) {
      // data: the progress timeout the FW applied (ns: progress_timer × 1024 cycles at the GPU clock).
      const f = trace.emitFault(FaultKind.FAULT_PROGRESS_TIMER, 0, g, 0, false, e, this.pfw.fw.progressTimeout);
      this.sched.progressTimeout(g, f);
    }
    let ringCs = 0;
    for (let i = 0; i < csg.cs.length; i++) {
      const cs = csg.cs[i]!;
      const ce = ((cs.req ^ cs.ack) & R.CS_EVT_MASK) >>> 0;
      if (!ce || !cs.queue) continue;
      // PROTM_PENDING stays unacknowledged until the scheduler grants protected mode, TILER_OOM
      // until the OOM work has an answer (cs_slot_process_irq_locked acks FATAL and FAULT only).
      const ackNow = (ce & ~(R.CS_PROTM_PENDING | R.CS_TILER_OOM)) >>> 0;
      let ce2 = e;
      if (ackNow) {
        cs.req = ((cs.req & ~ackNow) | (cs.ack & ackNow)) >>> 0;
        ce2 = trace.emitFwReq({ iface: FwIface.CS, csg: slot, cs: i, kind: FwReqKind.REQ_EVENT_ACK, bits: ackNow, req: cs.req, group: csg.group }, e);
      }
      if (!g) continue;
      if (ce & R.CS_FATAL) {
        const type = cs.queue.st.fatalType;
        const f = trace.emitFault(FaultKind.FAULT_CS_FATAL, type, g, i, false, ce2);
        this.sched.csFatal(g, i, f);
        if (type === R.DRM_PANTHOR_EXCEPTION_CS_UNRECOVERABLE) {
          trace.log(LogLevel.LOG_ERR, 'CS_UNRECOVERABLE: GPU reset', f);
          this.dev.scheduleReset(ResetKind.RESET_SLOW, ResetCause.RESET_CAUSE_CS_UNRECOVERABLE, f);
        }
      }
      if (ce & R.CS_FAULT) {
        const f = trace.emitFault(FaultKind.FAULT_CS_FAULT, cs.queue.st.faultType, g, i, false, ce2);
        this.sched.csFault(g, i, f);
      }
      if ((ce & R.CS_TILER_OOM) && !(g.tilerOom & (1 << i)) && !(g.tilerOomBusy & (1 << i))) {
        this.oom.tilerOomEvent(g, slot, i, trace.emitFault(FaultKind.FAULT_TILER_OOM, 0, g, i, false, ce2));
      }
      // cs_slot_process_irq_locked: a CS_FAULT or TILER_OOM event rings the CS's doorbell.
      if (ce & (R.CS_FAULT | R.CS_TILER_OOM)) ringCs |= 1 << i;
      if ((ce & R.CS_PROTM_PENDING) && !(g.protmPendingQueues & (1 << i))) this.sched.protmPending(g, i, e);
    }
    if (g && (evts & R.CSG_SYNC_UPDATE)) this.sched.syncUpdate(g, e);
    if (ringCs) this.pfw.ringDoorbell(slot + 1, 0, ringCs, e);
  }

  private glbIrq(ev: number): void {
    const fw = this.pfw.fw;
    const evts = (fw.glbReq ^ fw.glbAck) & R.GLB_EVT_MASK;
    if (evts) {
      fw.glbReq = ((fw.glbReq & ~evts) | (fw.glbAck & evts)) >>> 0;
      const e = this.trace.emitFwReq({ iface: FwIface.GLB, kind: FwReqKind.REQ_EVENT_ACK, bits: evts, req: fw.glbReq }, ev);
      // PROTM_EXIT is handled before IDLE (7/8).
      if (evts & R.GLB_PROTM_EXIT) this.sched.protmExited(e);
      if (evts & R.GLB_IDLE) this.sched.glbIdle(e);
    }
    this.pfw.pingAcked(ev);
  }
}
