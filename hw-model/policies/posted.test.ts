/**
 * Each policy as posted, on scenario traces: the decision, the FW requests, the exit causes and who
 * is blamed. Every test names the old behaviour it rules out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FaultKind, FwIface, FwReqKind, GLB_PING, GLB_PROTM_ENTER, GpuMode, GroupStateKind, ModeSwitchCause, ProtmVerdict, SchedRule,
  WatchdogOp, type EventInit,
} from '../../proto/index.js';
import type { ScenarioConfig } from '../contract.js';
import { applyOverrides, loadBuiltin, type ScenarioOverrides } from '../scenario/index.js';
import { sec, type TraceSink } from '../sim/index.js';
import { simulate } from '../world.js';

class Collect implements TraceSink {
  readonly events: EventInit[] = [];
  onEvent(ev: EventInit): void { this.events.push(ev); }
}

function run(name: string, o: ScenarioOverrides): EventInit[] {
  const cfg: ScenarioConfig = applyOverrides(loadBuiltin(name), o);
  const c = new Collect();
  simulate(cfg, { sinks: [c] });
  return c.events;
}
const bodies = <K extends NonNullable<EventInit['body']>['case']>(evs: EventInit[], k: K) =>
  evs.flatMap((e) => (e.body?.case === k ? [e.body.value as Extract<NonNullable<EventInit['body']>, { case: K }>['value']] : []));
const enters = (evs: EventInit[]) => bodies(evs, 'fwReq').filter((r) => r.iface === FwIface.GLB && r.kind === FwReqKind.REQ_TOGGLE && (r.bits ?? 0) & GLB_PROTM_ENTER);

test('panthor-2026 as posted: GLB_PROTM_ENTER goes out with no pending queue anywhere (old model: none)', () => {
  // stress-free check: a compositor alone has no protected work at all.
  const evs = run('protm-pending-no-heap', { protmPolicy: 'panthor-2026', duration: sec(1) });
  const grants = bodies(evs, 'decision').filter((d) => d.protm === ProtmVerdict.PROTM_GRANTED);
  assert.ok(grants.length > 10, `grants: ${grants.length}`);
  assert.ok(grants.every((d) => d.protmRule === SchedRule.RULE_FIRST_OF_HIGHEST_LIST));
  assert.ok(enters(evs).length >= grants.length / 2, `enters ${enters(evs).length}`);
  // The reviewed fix pending-required sends none.
  const fixed = run('protm-pending-no-heap', { protmPolicy: 'panthor-2026', reviewFixes: ['pending-required'], duration: sec(1) });
  assert.equal(enters(fixed).length, 0);
});

test('firmware assumption protm_enter_without_pending decides what the posted enters cost', () => {
  const mk = (v: 'enter-then-exit' | 'hang' | 'ignore') =>
    run('drm-video-over-ui', { protmPolicy: 'panthor-2026', duration: sec(1), assumptions: { protm_enter_without_pending: v } });
  const ete = mk('enter-then-exit'), hang = mk('hang'), ign = mk('ignore');
  const resets = (evs: EventInit[]) => bodies(evs, 'reset').filter((r) => r.phase === 0).length;
  assert.equal(resets(ete), 0, 'enter-then-exit: the poll sees PROTM_ACTIVE, no reset');
  assert.ok(bodies(ete, 'modeSwitch').filter((m) => m.cause === ModeSwitchCause.CAUSE_FW_EXIT).length > 100);
  assert.ok(resets(ign) > 0, 'ignore: the 500 ms poll times out and resets');
  assert.equal(resets(hang), 0);
  const last = bodies(hang, 'modeSwitch').at(-1);
  assert.equal(last?.to, GpuMode.MODE_PROTECTED, 'hang: stuck protected');
});

test('no tick-driven forced exits under rfc-2025 and panthor-2026 (old model: PING from the tick)', () => {
  for (const policy of ['rfc-2025', 'panthor-2026', 'panthor-2026-reviewed'] as const) {
    const evs = run('priority-inversion', { protmPolicy: policy, duration: sec(2) });
    const decisions = bodies(evs, 'decision');
    assert.equal(decisions.filter((d) => d.protm === ProtmVerdict.PROTM_EXIT).length, 0, policy);
    const forced = bodies(evs, 'modeSwitch').filter((m) => m.cause === ModeSwitchCause.CAUSE_FORCED_EXIT_PING);
    assert.equal(forced.length, 0, `${policy}: forced exits ${forced.length}`);
  }
});

test('rfc-2025 waits for the GLB ack only: no PROTM_ACTIVE poll timeout even when the FW ignores the enter', () => {
  const evs = run('priority-inversion', { protmPolicy: 'rfc-2025', duration: sec(2), assumptions: { protm_enter_without_pending: 'ignore' } });
  assert.equal(bodies(evs, 'fault').filter((f) => f.kind === FaultKind.FAULT_PROTM_ENTER_TIMEOUT).length, 0);
});

test('a failed enter under 7/8 blames no group in the tick: the reset follows, groups recover (old model: every group fatal)', () => {
  const evs = run('drm-video-over-ui', { protmPolicy: 'panthor-2026', duration: sec(2), assumptions: { protm_enter_without_pending: 'ignore' } });
  const timeouts = bodies(evs, 'fault').filter((f) => f.kind === FaultKind.FAULT_PROTM_ENTER_TIMEOUT);
  assert.ok(timeouts.length > 0);
  // Only the teardown at the end terminates groups: no enter failure made any group fatal.
  const end = evs.at(-1)?.t ?? 0;
  const terminated = bodies(evs.filter((e) => (e.t ?? 0) < end), 'groupState').filter((g) => g.to === GroupStateKind.PANTHOR_CS_GROUP_TERMINATED);
  assert.equal(terminated.length, 0, `terminated before teardown: ${terminated.length}`);
});

test('pause-ping: the watchdog PING is skipped while protected only with the fix', () => {
  const ping = (o: ScenarioOverrides) => bodies(run('watchdog-ping-in-protm', { duration: sec(14), ...o }), 'fwReq')
    .filter((r) => r.kind === FwReqKind.REQ_TOGGLE && (r.bits ?? 0) & GLB_PING).length;
  const skipped = (o: ScenarioOverrides) => bodies(run('watchdog-ping-in-protm', { duration: sec(14), ...o }), 'watchdog')
    .filter((w) => w.op === WatchdogOp.WD_PING_SKIPPED).length;
  assert.ok(ping({ protmPolicy: 'panthor-2026' }) >= 1);
  assert.equal(skipped({ protmPolicy: 'panthor-2026' }), 0);
  assert.ok(skipped({ protmPolicy: 'panthor-2026', reviewFixes: ['pause-ping'] }) >= 1);
});

test('CS_PROTM_PENDING without a heap is reachable: ignored as posted, the queue fatal with the fix', () => {
  const posted = run('protm-pending-no-heap', { protmPolicy: 'panthor-2026', duration: sec(1) });
  assert.ok(bodies(posted, 'log').some((l) => /CS_PROTM_PENDING ignored: no protected heap/.test(l.msg ?? '')));
  assert.equal(bodies(posted, 'fault').filter((f) => f.kind === FaultKind.FAULT_CS_FATAL).length, 0);
  const fixed = run('protm-pending-no-heap', { protmPolicy: 'panthor-2026', reviewFixes: ['pending-without-heap-fatal'], duration: sec(1) });
  assert.ok(bodies(fixed, 'log').some((l) => /queue marked fatal/.test(l.msg ?? '')));
});

test('priority-inversion #167: the protected choice uses the priority-sorted selection (no LOW group kept at CSG prio 14 above a resumed HIGH one)', () => {
  for (const policy of ['panthor-2026-reviewed', 'kbase'] as const) {
    const evs = run('priority-inversion', { protmPolicy: policy, duration: sec(2) });
    for (const d of bodies(evs, 'decision')) {
      if (d.protm !== ProtmVerdict.PROTM_KEEP && d.protm !== ProtmVerdict.PROTM_GRANTED) continue;
      const top = (d.slots ?? []).reduce((a, s) => ((s.csgPriority ?? 0) > (a.csgPriority ?? 0) ? s : a), { csgPriority: -1, group: 0 });
      assert.equal(top.group, d.protmGroup, `${policy} tick ${d.tick}: protm group ${d.protmGroup} is not the top CSG (${top.group})`);
    }
  }
});
