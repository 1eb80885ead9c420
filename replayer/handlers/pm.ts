/**
 * Runtime PM handler: the device's PM state (ptdev->pm.state), the scheduler's PM reference
 * (sched->pm.has_ref) and the suspend / resume counts, from Pm events (panthor_device_suspend,
 * panthor_device_resume, tick_work's pm_runtime_get / put_autosuspend). Traces made before
 * runtime PM was modelled have no Pm event: the state stays '' (always on).
 */
import { PmOp, PmOpNames, PmStateNames } from '../../proto/index.js';
import { enumName, type Handler, type None } from './handler.js';
import type { DeviceSlices, PmDeviceState } from './slices.js';

/** Its runtime PM record, device.pm, is part of the device handler's slice (initialPmState). */
type Reads = Pick<DeviceSlices, 'device'>;

export function initialPmState(): PmDeviceState {
  return { state: '', hasRef: false, suspends: 0, fastResumes: 0, slowResumes: 0, fastFailed: 0, lastOp: '', lastIdx: -1, sinceIdx: -1, sinceT: 0 };
}

export const pmHandler: Handler<None, Reads> = {
  name: 'pm',
  families: ['pm'],
  owns: [],
  reads: ['device'],
  init: () => ({}),
  handleEvent(s, ev, i) {
    if (ev.body.case !== 'pm') return;
    const v = ev.body.value, pm = s.device.pm;
    const state = enumName(PmStateNames, v.state), prev = pm.state;
    if (state !== pm.state) { pm.state = state; pm.sinceIdx = i; pm.sinceT = ev.t; }
    pm.lastOp = enumName(PmOpNames, v.op);
    pm.lastIdx = i;
    switch (v.op) {
      case PmOp.PM_REF_GET: pm.hasRef = true; break;
      case PmOp.PM_REF_PUT: pm.hasRef = false; break;
      case PmOp.PM_SUSPENDED: pm.suspends++; pm.hasRef = false; break;
      // A second RESUME_BEGIN while already resuming: the fast restart failed, this one is slow.
      case PmOp.PM_RESUME_BEGIN: if (prev === state) pm.fastFailed++; break;
      case PmOp.PM_RESUMED: if (v.fast) pm.fastResumes++; else pm.slowResumes++; break;
      default: break;
    }
    s.device.idx = i;
  },
};
