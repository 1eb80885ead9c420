/**
 * Runtime PM (panthor_device_suspend / _resume with GLB IDLE and autosuspend), the CSG progress
 * timer (csg_slot_process_progress_timer_event_locked) and CS_FAULT
 * (cs_slot_process_fault_event_locked), each on a built-in scenario's trace: the FW request /
 * ack / IRQ sequence, the decision, the mode switches and the end state.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CS_FAULT, CSG_PROGRESS_TIMER_EVENT, CSG_STATE_MASK, CSG_STATE_RESUME, CSG_STATE_SUSPEND, FaultKind, FwAckKind, FwIface,
  FwReqKind, GLB_HALT, GLB_IDLE, GpuMode, GroupStateKind, IrqLine, JobPhase, ModeSwitchCause, PmOp, PmState, ProbeStage,
  SlotAction, TickTrigger, EINVAL, ETIMEDOUT, CSF_FW_BINARY_IFACE_ENTRY_PROT, type Event, type EventInit,
} from '../../proto/index.js';
import type { ScenarioConfig } from '../contract.js';
import { applyOverrides, loadBuiltin, type ScenarioOverrides } from '../scenario/index.js';
import { ms, sec, type Sim } from '../sim/index.js';
import { runModel } from '../world.js';
import { createKernel, type Kernel } from './device.js';

/** Bodies as emitted, read with the decoded types (fields the model leaves out read as undefined: falsy, or 0 in bit tests). */
type Body = Exclude<Event['body'], { case: undefined }>;
type Ev = { i: number; t: number; b: Body };

function run(name: string, o: ScenarioOverrides = {}, edit: (c: ScenarioConfig) => void = () => {}): { evs: Ev[]; k: Kernel } {
  const cfg: ScenarioConfig = applyOverrides(loadBuiltin(name), o);
  edit(cfg);
  const evs: Ev[] = [];
  let k: Kernel | null = null;
  runModel(cfg, {
    sinks: [{ onEvent(ev: EventInit) { if (ev.body) evs.push({ i: evs.length, t: Number(ev.t ?? 0), b: ev.body as unknown as Body }); } }],
    kernel: (sim: Sim, c: ScenarioConfig) => (k = createKernel(sim, c)),
  });
  return { evs, k: k as unknown as Kernel };
}

type Pred = (b: Body) => boolean;
type ValueOf<C extends Body['case']> = Extract<Body, { case: C }>['value'];
const is = <C extends Body['case']>(c: C, f: (v: ValueOf<C>) => boolean = () => true): Pred =>
  (b) => b.case === c && f((b as { value: unknown }).value as ValueOf<C>);

/** Finds `preds` in order from `from`; each step names what was not found. Returns the matches, one per step. */
function inOrder<const S extends readonly (readonly [string, Pred])[]>(evs: Ev[], from: number, steps: S): { [K in keyof S]: Ev } {
  const out: Ev[] = [];
  let i = from;
  for (const [what, p] of steps) {
    let e = evs[i];
    while (e !== undefined && !p(e.b)) e = evs[++i];
    assert.ok(e !== undefined, `not found after #${out.at(-1)?.i ?? from}: ${what}`);
    out.push(e);
    i++;
  }
  return out as { [K in keyof S]: Ev };
}

const pm = (op: PmOp, f: (v: Extract<Body, { case: 'pm' }>['value']) => boolean = () => true): Pred => is('pm', (v) => v.op === op && f(v));

test('runtime PM: GLB IDLE → tick drops the PM reference → autosuspend 50 ms later (CSG SUSPEND, GLB_HALT, GPU off) → a submit resumes fast, the group is resumed and re-enters protected mode', () => {
  const { evs, k } = run('runtime-pm-protected');
  const [glbIdle, irq, ack, tick, put, begin, suspReq, suspAck, grp, halt, off, suspended, submit, resume, boot, resumed, dec, resReq, prot] = inOrder(evs, 0, [
    ['FW raises GLB IDLE', is('fwAck', (v) => v.iface === FwIface.GLB && v.kind === FwAckKind.ACK_EVENT && (v.bits & GLB_IDLE) !== 0)],
    ['JOB IRQ GLOBAL_IF', is('fwIrq', (v) => v.line === IrqLine.JOB_IRQ && (v.status & 0x80000000) !== 0)],
    ['host acknowledges GLB IDLE', is('fwReq', (v) => v.iface === FwIface.GLB && v.kind === FwReqKind.REQ_EVENT_ACK && (v.bits & GLB_IDLE) !== 0)],
    ['tick triggered by GLB IDLE', is('decision', (v) => v.trigger === TickTrigger.TRIGGER_GLB_IDLE)],
    ['PM reference dropped', pm(PmOp.PM_REF_PUT)],
    ['suspend begins', pm(PmOp.PM_SUSPEND_BEGIN, (v) => v.state === PmState.PM_STATE_SUSPENDING)],
    ['CSG SUSPEND requested', is('fwReq', (v) => v.iface === FwIface.CSG && (v.bits & CSG_STATE_MASK) !== 0 && v.state === CSG_STATE_SUSPEND)],
    ['CSG SUSPEND acknowledged', is('fwAck', (v) => v.iface === FwIface.CSG && v.state === CSG_STATE_SUSPEND)],
    ['group SUSPENDED', is('groupState', (v) => v.to === GroupStateKind.PANTHOR_CS_GROUP_SUSPENDED)],
    ['GLB_HALT written', is('fwReq', (v) => v.iface === FwIface.GLB && v.kind === FwReqKind.REQ_WRITE && (v.bits & GLB_HALT) !== 0)],
    ['GPU off', is('modeSwitch', (v) => v.to === GpuMode.MODE_OFF && v.cause === ModeSwitchCause.CAUSE_SUSPEND)],
    ['suspended, MCU halted cleanly', pm(PmOp.PM_SUSPENDED, (v) => v.fast && v.state === PmState.PM_STATE_SUSPENDED)],
    ['next frame submitted', is('ioctl', (v) => v.cmd === 9 /* GROUP_SUBMIT */)],
    ['fast resume begins', pm(PmOp.PM_RESUME_BEGIN, (v) => v.fast)],
    ['MCU boots', is('modeSwitch', (v) => v.to === GpuMode.MODE_NORMAL && v.cause === ModeSwitchCause.CAUSE_BOOT)],
    ['resumed', pm(PmOp.PM_RESUMED, (v) => v.fast && v.result === 0 && v.state === PmState.PM_STATE_ACTIVE)],
    ['tick after the resume resumes the group', is('decision', (v) => v.slots.some((s) => s.action === SlotAction.SLOT_RESUME))],
    ['CSG RESUME requested', is('fwReq', (v) => v.iface === FwIface.CSG && v.state === CSG_STATE_RESUME)],
    ['protected mode again', is('modeSwitch', (v) => v.to === GpuMode.MODE_PROTECTED)],
  ]);
  void irq; void ack; void suspReq; void suspAck; void grp; void halt; void off; void boot; void resReq; void dec; void submit;
  assert.equal(tick.b.case === 'decision' && tick.i > glbIdle.i, true);
  // The autosuspend delay (50 ms) after the last busy mark, which is at or after the reference drop.
  assert.ok(begin.t - put.t >= ms(50), `suspend ${begin.t - put.t} ns after the put`);
  assert.ok(begin.t - put.t < ms(52), `suspend ${begin.t - put.t} ns after the put`);
  // Suspended between frames: the GPU was not protected when the suspend began.
  assert.equal(begin.b.case === 'pm' && begin.b.value.gpuProtected, false);
  assert.ok(resumed.t - resume.t === ms(2), 'a fast restart boots in 2 ms');
  assert.ok(prot.t > resumed.t && suspended.t < resume.t);
  // End state: the model ends suspended or active with its counts; no reset was ever needed.
  assert.equal(k.resetCount, 0);
  assert.ok(evs.filter((e) => e.b.case === 'pm' && e.b.value.op === PmOp.PM_SUSPENDED).length >= 8);
});

test('runtime PM: a fast restart that fails (resume-fast-fail) waits the 1 s FW boot timeout, then restarts slow with every section reloaded', () => {
  const { evs, k } = run('runtime-pm-protected');
  const inj = evs.findIndex((e) => e.b.case === 'log' && (e.b.value.msg ?? '').startsWith('inject resume-fast-fail'));
  assert.ok(inj > 0);
  const [begin, timeout, fault, msg, slow, prot, boot, resumed, dec] = inOrder(evs, inj, [
    ['fast resume begins', pm(PmOp.PM_RESUME_BEGIN, (v) => v.fast)],
    ['FW boot timeout', is('log', (v) => v.msg === 'FW boot timeout')],
    ['FAST_RESET_FAILED fault', is('fault', (v) => v.kind === FaultKind.FAULT_FAST_RESET_FAILED && v.injected)],
    ['the kernel message', is('log', (v) => v.msg === 'Fast reset failed, trying a slow reset')],
    ['slow resume begins', pm(PmOp.PM_RESUME_BEGIN, (v) => !v.fast && v.state === PmState.PM_STATE_RESUMING)],
    ['PROT section reloaded', is('probe', (v) => v.stage === ProbeStage.PROBE_FW_SECTION && (v.sectionFlags & CSF_FW_BINARY_IFACE_ENTRY_PROT) !== 0 && !v.skipped)],
    ['MCU boots', is('modeSwitch', (v) => v.to === GpuMode.MODE_NORMAL && v.cause === ModeSwitchCause.CAUSE_BOOT)],
    ['resumed slow', pm(PmOp.PM_RESUMED, (v) => !v.fast && v.result === 0)],
    ['the next tick', is('decision')],
  ]);
  void fault; void msg; void prot; void dec;
  assert.equal(timeout.t - begin.t, sec(1));
  assert.equal(boot.t - slow.t, ms(8), 'a slow restart boots in 8 ms');
  assert.ok(resumed.t > slow.t);
  assert.equal(k.resetCount, 0, 'a resume is not a GPU reset');
  // Later resumes are fast again.
  const after = evs.slice(resumed.i + 1).filter((e) => e.b.case === 'pm' && e.b.value.op === PmOp.PM_RESUMED);
  assert.ok(after.length > 0 && after.every((e) => e.b.case === 'pm' && e.b.value.fast));
});

test('runtime PM + lazy-slow-reset: the section reset of a group created while suspended stays pending; the resume is slow, loads the protected sections, and protected mode follows', () => {
  const { evs, k } = run('runtime-pm-lazy-heap');
  const [susp, skipped, log, pending, resume, prot, resumed, enter] = inOrder(evs, 0, [
    ['suspended after probe (nothing to run)', pm(PmOp.PM_SUSPENDED)],
    ['PROT section still not loaded', is('log', (v) => v.msg.startsWith('loading protected FW sections'))],
    ['the reset waits for the resume', is('log', (v) => v.msg.startsWith('device suspended: the reset stays pending'))],
    ['resume with the reset pending: slow', pm(PmOp.PM_RESUME_BEGIN, (v) => !v.fast && v.resetPending)],
    ['the PROT section is loaded', is('probe', (v) => v.stage === ProbeStage.PROBE_FW_SECTION && (v.sectionFlags & CSF_FW_BINARY_IFACE_ENTRY_PROT) !== 0 && !v.skipped)],
    ['resumed', pm(PmOp.PM_RESUMED, (v) => !v.fast)],
    ['a tick', is('decision')],
    ['protected mode entered', is('modeSwitch', (v) => v.to === GpuMode.MODE_PROTECTED)],
  ]);
  void susp; void skipped; void log; void resume; void prot; void enter;
  assert.ok(pending.t >= ms(400), 'the player starts at 400 ms');
  assert.ok(resumed.i > pending.i);
  // No separate GPU reset: the lazy reset was folded into the resume.
  assert.equal(evs.filter((e) => e.b.case === 'reset').length, 0);
  assert.equal(k.resetCount, 0);
  assert.equal(k.pfw.protSectionsLoaded, true);
  assert.equal(k.lazyResetPending, false);
});

test('runtime PM disabled (driver.runtime_pm: false): no GLB IDLE tick suspends the device', () => {
  const cfg = applyOverrides(loadBuiltin('runtime-pm-protected'), { duration: sec(1) });
  cfg.driver.runtimePm = false;
  const evs: Body[] = [];
  runModel(cfg, { sinks: [{ onEvent(ev: EventInit) { if (ev.body) evs.push(ev.body as unknown as Body); } }] });
  assert.equal(evs.filter((b) => b.case === 'pm').length, 0);
  assert.ok(evs.some((b) => b.case === 'decision' && b.value.trigger === TickTrigger.TRIGGER_GLB_IDLE), 'GLB IDLE is still raised and ticks');
  assert.ok(!evs.some((b) => b.case === 'modeSwitch' && b.value.to === GpuMode.MODE_OFF));
});

test('CSG PROGRESS_TIMER_EVENT: a protected task longer than the progress timeout (2.62 s at 1 GHz) times the group out before the job timeout; the tick terminates it, the GPU leaves protected mode, the job fails -ETIMEDOUT', () => {
  const { evs } = run('progress-timeout-protm');
  const [start, ack, irq, evack, fault, log, dec, term, exit, grp, job] = inOrder(evs, 0, [
    ['the long protected job starts', is('job', (v) => v.phase === JobPhase.JOB_STARTED && v.protRegion)],
    ['FW raises PROGRESS_TIMER_EVENT', is('fwAck', (v) => v.iface === FwIface.CSG && v.kind === FwAckKind.ACK_EVENT && ((v.bits ?? 0) & CSG_PROGRESS_TIMER_EVENT) !== 0)],
    ['CSG IRQ', is('fwIrq', (v) => v.line === IrqLine.JOB_IRQ)],
    ['host acknowledges it', is('fwReq', (v) => v.iface === FwIface.CSG && v.kind === FwReqKind.REQ_EVENT_ACK && ((v.bits ?? 0) & CSG_PROGRESS_TIMER_EVENT) !== 0)],
    ['fault event', is('fault', (v) => v.kind === FaultKind.FAULT_PROGRESS_TIMER)],
    ['the kernel warning', is('log', (v) => (v.msg ?? '').startsWith('CSG_PROGRESS_TIMER_EVENT: pid=1002, comm=video'))],
    ['tick: the group is evicted with TERMINATE', is('decision', (v) => v.trigger === TickTrigger.TRIGGER_PROGRESS_TIMER && (v.slots ?? []).some((s) => s.action === SlotAction.SLOT_TERMINATE))],
    ['CSG TERMINATE requested', is('fwReq', (v) => v.iface === FwIface.CSG && (v.state ?? 0) === 0 && ((v.bits ?? 0) & CSG_STATE_MASK) !== 0)],
    ['the GPU leaves protected mode', is('modeSwitch', (v) => v.from === GpuMode.MODE_PROTECTED)],
    ['group TERMINATED and TIMEDOUT', is('groupState', (v) => v.to === GroupStateKind.PANTHOR_CS_GROUP_TERMINATED && v.timedout === true)],
    ['its job fails', is('job', (v) => v.phase === JobPhase.JOB_TIMEDOUT && v.fenceError === -ETIMEDOUT)],
  ]);
  void ack; void irq; void evack; void log; void term; void exit; void grp; void job;
  const timeout = Math.round(((5 * 500 * 1024 * 1024) / 1024) * 1024 / 1e9 * 1e9);
  assert.equal(fault.b.case === 'fault' && fault.b.value.data, timeout);
  // Not before the timeout has passed since the job started (its task restarts counting when it
  // is resumed after an exit); well before the 5 s job timeout.
  assert.ok(fault.t - start.t >= timeout && fault.t < sec(5), `${start.t} → ${fault.t}`);
  assert.ok(!evs.some((e) => e.b.case === 'fault' && e.b.value.kind === FaultKind.FAULT_JOB_TIMEOUT));
  assert.ok(dec.i > fault.i);
  // A 2 GHz GPU reaches the cycle count in half the time.
  const fast = run('progress-timeout-protm', {}, (c) => { c.gpu.clockMhz = 2000; }).evs;
  const f2 = fast.find((e) => e.b.case === 'fault' && e.b.value.kind === FaultKind.FAULT_PROGRESS_TIMER);
  assert.ok(f2 && f2.b.case === 'fault');
  assert.equal(f2.b.value.data, timeout / 2);
  assert.ok(f2.t < fault.t - sec(1), `${f2.t} vs ${fault.t}`);
});

test('CS_FAULT: acknowledged, the covered job\'s fence fails with -EINVAL, the CS doorbell rings and the queue goes on; CS_FATAL next to it makes its group fatal', () => {
  const { evs } = run('cs-fault');
  const inj = evs.findIndex((e) => e.b.case === 'log' && (e.b.value.msg ?? '').startsWith('inject cs-fault'));
  const [raised, ack, fault, warn, db, failed, next] = inOrder(evs, inj, [
    ['FW raises CS_FAULT', is('fwAck', (v) => v.iface === FwIface.CS && v.kind === FwAckKind.ACK_EVENT && ((v.bits ?? 0) & CS_FAULT) !== 0)],
    ['host acknowledges CS_FAULT', is('fwReq', (v) => v.iface === FwIface.CS && v.kind === FwReqKind.REQ_EVENT_ACK && ((v.bits ?? 0) & CS_FAULT) !== 0)],
    ['fault event', is('fault', (v) => v.kind === FaultKind.FAULT_CS_FAULT)],
    ['the kernel warning', is('log', (v) => v.msg === 'CS_FAULT: pid=1002, comm=video')],
    ['the CS doorbell', is('doorbell', (v) => (v.id ?? 0) > 0 && (v.csMask ?? 0) !== 0)],
    ['the faulted job completes with -EINVAL', is('job', (v) => v.phase === JobPhase.JOB_FAILED && v.fenceError === -EINVAL && v.group === 2)],
    ['the next job of the same queue is done', is('job', (v) => v.phase === JobPhase.JOB_DONE && v.group === 2)],
  ]);
  void raised; void ack; void warn; void db; void next;
  assert.equal(fault.b.case === 'fault' && fault.b.value.group, 2);
  assert.ok(failed.i > fault.i);
  // The queue never became fatal and the group was not recreated (CS_FATAL on ml-batch was).
  assert.ok(!evs.some((e) => e.b.case === 'fault' && e.b.value.kind === FaultKind.FAULT_CS_FATAL && e.b.value.group === 2));
  assert.ok(evs.some((e) => e.b.case === 'fault' && e.b.value.kind === FaultKind.FAULT_CS_FATAL && e.b.value.group !== 2));
  assert.ok(!evs.some((e) => e.b.case === 'groupState' && e.b.value.group === 2 && e.i < evs.length - 10 &&
    e.b.value.to === GroupStateKind.PANTHOR_CS_GROUP_TERMINATED && e.t < sec(1.4)));
});
