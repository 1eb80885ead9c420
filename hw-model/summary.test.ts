import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GpuMode, IoctlCmd, JobPhase, ModeSwitchCause, ProcessOp, type EventInit } from '../proto/index.js';
import { sec } from './sim/index.js';
import { SummarySink, formatSummary } from './summary.js';

function feed(events: EventInit[]): SummarySink {
  const s = new SummarySink();
  events.forEach((e, i) => s.onEvent(e, i));
  return s;
}

const at = (t: number, body: EventInit['body']): EventInit => ({ t, cause: 0, body });

test('summary: families, GPU time per group with app names, residency, switches, ioctl errors', () => {
  const s = feed([
    at(0, { case: 'process', value: { op: ProcessOp.PROC_START, pid: 7, comm: 'weston' } }),
    at(0, { case: 'ioctl', value: { pid: 7, cmd: IoctlCmd.GROUP_CREATE, ret: 0, args: { case: 'groupCreate', value: { priority: 2, groupHandle: 3 } } } }),
    at(1, { case: 'ioctl', value: { pid: 7, cmd: IoctlCmd.GROUP_CREATE, ret: -1 } }),
    at(2, { case: 'ioctl', value: { pid: 7, cmd: IoctlCmd.GROUP_CREATE, ret: -1 } }),
    at(3, { case: 'ioctl', value: { pid: 7, cmd: IoctlCmd.DMA_HEAP_IOCTL_ALLOC, ret: -12 } }),
    at(10, { case: 'job', value: { group: 3, pid: 7, phase: JobPhase.JOB_DONE, gpuNs: 500 } }),
    // No gpu_ns on DONE: measured from STARTED.
    at(100, { case: 'job', value: { group: 3, pid: 7, phase: JobPhase.JOB_STARTED } }),
    at(350, { case: 'job', value: { group: 3, pid: 7, phase: JobPhase.JOB_DONE } }),
    at(sec(1), { case: 'modeSwitch', value: { from: GpuMode.MODE_NORMAL, to: GpuMode.MODE_ENTERING, cause: ModeSwitchCause.CAUSE_SCHED_ENTER } }),
    at(sec(1), { case: 'modeSwitch', value: { from: GpuMode.MODE_ENTERING, to: GpuMode.MODE_PROTECTED, cause: ModeSwitchCause.CAUSE_PROTM_ACTIVE } }),
    at(sec(3), { case: 'modeSwitch', value: { from: GpuMode.MODE_PROTECTED, to: GpuMode.MODE_NORMAL, cause: ModeSwitchCause.CAUSE_FW_EXIT } }),
    at(sec(4), { case: 'modeSwitch', value: { from: GpuMode.MODE_ENTERING, to: GpuMode.MODE_PROTECTED, cause: ModeSwitchCause.CAUSE_PROTM_ACTIVE } }),
    at(sec(4), { case: 'reset', value: {} }),
  ]);
  const d = s.finalize(sec(5));
  assert.equal(d.events, 13);
  assert.equal(d.families.find((f) => f.family === 'ioctl')!.count, 4);
  assert.equal(d.families.find((f) => f.family === 'modeSwitch')!.count, 4);
  assert.deepEqual(d.groups.map((g) => [g.app, g.pid, g.group, g.priority, g.jobsDone]), [['weston', 7, 3, 2, 2]]);
  // Protected 1 s..3 s and 4 s..end (5 s): 3 s of 5.
  assert.equal(d.protectedNs, sec(3));
  assert.equal(d.protectedResidency, 0.6);
  assert.deepEqual(d.modeSwitches, {
    total: 4, enters: 2, exits: 1,
    byCause: [{ cause: 'CAUSE_SCHED_ENTER', count: 1 }, { cause: 'CAUSE_PROTM_ACTIVE', count: 2 }, { cause: 'CAUSE_FW_EXIT', count: 1 }],
  });
  assert.deepEqual(d.ioctlErrors, [
    { cmd: 'GROUP_CREATE', errno: 'EPERM', count: 2 },
    { cmd: 'DMA_HEAP_IOCTL_ALLOC', errno: 'ENOMEM', count: 1 },
  ]);
  assert.equal(d.resets, 1);
  const text = formatSummary(d);
  assert.match(text, /^ {2}weston \(pid 7\) +group 3 +HIGH /m);
  assert.match(text, /^protected residency: 60\.0% \(3\.000000s\)$/m);
  assert.match(text, /^ioctl errors: 3 of 4 ioctls$/m);
});
