/**
 * panthor_gpu.c: the GPU IRQ line (panthor_gpu_irq_handler). Of its sources the model raises
 * GPU_IRQ_PROTM_FAULT (a fault while the GPU is protected): logged; except under the RFC (which,
 * like 6.18, only warns) masked and the GPU reset, with the active protected group blamed at once
 * (kbase) or by handle_protm_fault at pre-reset (the 2026 series). GPU_IRQ_FAULT, power and cache-flush completions
 * are not modelled.
 */
import { FaultKind, IrqLine, LogLevel, ResetCause, ResetKind } from '../../proto/index.js';
import * as R from '../../proto/index.js';
import type { Firmware } from '../firmware/index.js';
import type { Sim } from '../sim/index.js';
import type { DeviceCtl } from './interfaces.js';
import type { Scheduler } from './sched.js';
import type { PanthorTrace } from './trace.js';

export class PanthorGpu {
  constructor(private readonly sim: Sim, private readonly fw: Firmware, private readonly sched: Scheduler,
              private readonly trace: PanthorTrace, private readonly dev: DeviceCtl) {}

  irq(): void {
    const fw = this.fw;
    const raw = fw.gpuIrqRaw;
    fw.gpuIrqRaw = 0;
    const masked = (raw & ~fw.gpuIrqMask) !== 0;
    const ev = this.sim.bus.emitBody({ case: 'fwIrq', value: { line: IrqLine.GPU_IRQ, status: raw, masked } }, fw.gpuIrqCause);
    if (raw & R.GPU_IRQ_PROTM_FAULT) {
      const active = this.sched.activeGroup;
      const f = this.trace.emitFault(FaultKind.FAULT_PROTM, 0, active, 0, false, ev);
      this.trace.log(LogLevel.LOG_WARN, 'GPU Fault in protected mode', f);
      // 6.18 and the RFC only warn. 7/8: mask the IRQ and reset (handle_protm_fault blames the
      // active group at pre-reset). kbase: the active group's queues become fatal, then a reset.
      if (this.dev.protm.name !== 'rfc-2025') {
        fw.gpuIrqMask &= ~R.GPU_IRQ_PROTM_FAULT;
        if (!this.dev.protm.handleProtmFault && active) active.fatalQueues = (1 << active.queues.length) - 1;
        this.dev.scheduleReset(ResetKind.RESET_SLOW, ResetCause.RESET_CAUSE_PROTM_FAULT, f);
      }
    }
  }
}
