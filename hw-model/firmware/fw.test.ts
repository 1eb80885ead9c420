/** The FW model through the kernel: request/ack pairs, PROT_REGION, the CS interpreter. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockedReason, FwAckKind, FwIface, FwReqKind, GpuMode, ModeSwitchCause } from '../../proto/index.js';
import { CsOpcode } from '../contract.js';
import { Client, bodies, boot, computeStream, protectedStream, testConfig } from '../panthor/testing.js';
import { ms } from '../sim/index.js';
import { MAINLINE_FW_ASSUMPTIONS } from './assumptions.js';
import * as R from '../../proto/index.js';

test('PROT_REGION raises CS PROTM_PENDING and blocks the CS; the ack precedes GLB_PROTM_ENTER', () => {
  const b = boot(testConfig());
  const v = new Client(b.k, 100, 'video');
  const g = v.groupCreate({ protected: true }).handle;
  v.submit(g, protectedStream(ms(3)));
  b.sim.run(b.sim.now + ms(30));
  const evs = b.events.map((e) => e.body);
  const pend = evs.findIndex((x) => x?.case === 'fwAck' && x.value.iface === FwIface.CS && x.value.kind === FwAckKind.ACK_EVENT &&
    ((x.value.bits ?? 0) & R.CS_PROTM_PENDING) !== 0);
  assert.ok(pend >= 0);
  const p = evs[pend];
  assert.ok(p?.case === 'fwAck');
  assert.equal(p.value.blockedReason, BlockedReason.BLOCKED_PROTM);
  assert.equal(p.value.statusWait, R.CS_STATUS_WAIT_PROTM);
  const ack = evs.findIndex((x) => x?.case === 'fwReq' && x.value.iface === FwIface.CS && x.value.kind === FwReqKind.REQ_EVENT_ACK &&
    ((x.value.bits ?? 0) & R.CS_PROTM_PENDING) !== 0);
  const enter = evs.findIndex((x) => x?.case === 'fwReq' && x.value.iface === FwIface.GLB && x.value.kind === FwReqKind.REQ_TOGGLE &&
    ((x.value.bits ?? 0) & R.GLB_PROTM_ENTER) !== 0);
  const active = evs.findIndex((x) => x?.case === 'modeSwitch' && x.value.to === GpuMode.MODE_PROTECTED);
  assert.ok(pend < ack && ack < enter && enter < active, `${pend} < ${ack} < ${enter} < ${active}`);
  // FW-initiated exit once the protected work is done; PROTM_EXIT acknowledged exactly once.
  const exits = bodies(b.events, 'fwReq').filter((r) => r.iface === FwIface.GLB && r.kind === FwReqKind.REQ_EVENT_ACK &&
    ((r.bits ?? 0) & R.GLB_PROTM_EXIT) !== 0);
  assert.equal(exits.length, 1);
  assert.ok(bodies(b.events, 'modeSwitch').some((m) => m.to === GpuMode.MODE_NORMAL && m.cause === ModeSwitchCause.CAUSE_FW_EXIT));
  assert.equal(b.k.fw.isProtected, false);
  assert.equal(v.done, 1);
});

test('every CSG request is acknowledged, and the ack names its request as cause', () => {
  const b = boot(testConfig());
  const c = new Client(b.k, 100);
  const g = c.groupCreate().handle;
  c.submit(g, computeStream(ms(1)));
  b.sim.run(b.sim.now + ms(10));
  let checked = 0;
  b.events.forEach((e, i) => {
    if (e.body?.case !== 'fwAck' || e.body.value.iface !== FwIface.CSG || e.body.value.kind !== FwAckKind.ACK_REQUEST) return;
    const cause = b.events[i - (e.cause ?? 0)]!;
    assert.equal(cause.body?.case, 'fwReq');
    if (cause.body?.case === 'fwReq') assert.equal(cause.body.value.csg, e.body.value.csg);
    checked++;
  });
  assert.ok(checked > 0);
});

test('CS interpreter: SYNC_WAIT blocks a queue until another queue SYNC_SET64s the object', () => {
  const b = boot(testConfig());
  const c = new Client(b.k, 100, 'game');
  const g = c.groupCreate({ queues: 2 }).handle;
  const bo = c.boCreate(4096).handle;
  c.map(bo, 0x300_0000, 4096);
  const SYNC = 0x300_0000;
  // Queue 1 waits for *SYNC > 0, queue 0 sets it after 5 ms of geometry.
  c.submit(g, [{ op: CsOpcode.SYNC_WAIT64, addr: SYNC, value: 0, cond: 'gt' }, { op: CsOpcode.RUN_FRAGMENT, duration: ms(2) }], { queue: 1 });
  b.sim.run(b.sim.now + ms(3));
  assert.equal(c.done, 0, 'queue 1 is blocked');
  c.submit(g, [{ op: CsOpcode.RUN_IDVS, duration: ms(5) }, { op: CsOpcode.SYNC_SET64, addr: SYNC, value: 1 }], { queue: 0 });
  b.sim.run(b.sim.now + ms(20));
  const done = bodies(b.events, 'job').filter((j) => j.phase === 2);
  assert.deepEqual(done.map((j) => j.queue), [0, 1], 'queue 0 first, then the waiter');
  assert.equal(c.done, 2);
});

test('CALL into an unmapped stream raises CS_FATAL (INSTR_INVALID_PC) and the group cannot run', () => {
  const b = boot(testConfig());
  const c = new Client(b.k, 100);
  const g = c.groupCreate().handle;
  assert.equal(c.submit(g, computeStream(ms(1)), { addr: 0x7000_0000 }), 0);
  b.sim.run(b.sim.now + ms(20));
  const f = bodies(b.events, 'fault');
  assert.ok(f.some((x) => x.exceptionType === R.DRM_PANTHOR_EXCEPTION_INSTR_INVALID_PC));
  assert.ok(bodies(b.events, 'job').some((j) => j.fenceError === -22));
});

test('doorbells: CSG requests ride on doorbell 0, queue work on csg_id + 1', () => {
  const b = boot(testConfig());
  const c = new Client(b.k, 100);
  const g = c.groupCreate().handle;
  c.submit(g, computeStream(ms(1)));
  b.sim.run(b.sim.now + ms(5));
  c.submit(g, computeStream(ms(1)));
  b.sim.run(b.sim.now + ms(5));
  const db = bodies(b.events, 'doorbell');
  assert.ok(db.some((d) => d.id === 0 && (d.csgMask ?? 0) !== 0));
  const slot = b.k.group(g)?.csgId ?? -1;
  assert.ok(slot >= 0);
  assert.ok(db.some((d) => d.id === slot + 1 && d.csMask === 1));
  assert.equal(R.CSF_DOORBELL(slot + 1), 0x80000 + (slot + 1) * 0x10000);
});

test('the mainline FW assumptions have unique names, alternatives and a place in the code', () => {
  const ids = MAINLINE_FW_ASSUMPTIONS.map((a) => a.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const a of MAINLINE_FW_ASSUMPTIONS) {
    assert.match(a.id, /^fw-[a-z0-9-]+$/);
    assert.ok(a.alternatives.length >= 1, a.id);
    assert.match(a.where, /\.ts /, a.id);
  }
});
