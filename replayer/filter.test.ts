import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cursor } from './cursor.js';
import { FilterError, parseFilter } from './filter.js';
import { applyEvent, initialState } from './reducer.js';
import { Replayer } from './replayer.js';
import { storyEvents } from './test-events.js';
import { memoryTrace } from './trace-file.js';

const events = storyEvents();
const tr = memoryTrace({ policy: 'panthor-2026' }, events, { chunkEvents: 5 });
const all = [...tr.iterate()];

/** Indices matching a filter (with the state after each event when the filter needs it). */
function matches(text: string): number[] {
  const f = parseFilter(text);
  const s = initialState();
  const out: number[] = [];
  all.forEach((ev, i) => {
    applyEvent(s, ev, i);
    if (f.matchEvent(ev, i, s)) out.push(i);
  });
  return out;
}
const kinds = (idx: number[]): string[] => idx.map((i) => all[i]!.body.case as string);

test('type accepts every spelling of a family', () => {
  const want = matches('type=modeSwitch');
  assert.equal(want.length, 3);
  for (const spelling of ['type=ModeSwitch', 'type=mode_switch', 'type=MODE-SWITCH', 'mode_switch', 'ModeSwitch']) {
    assert.deepStrictEqual(matches(spelling), want, spelling);
  }
  assert.deepStrictEqual(matches('type=SchedDecision'), matches('type=decision'));
  assert.equal(matches('type=decision').length, 3);
});

test('group, ioctl, errno, fw, time, index and combinations', () => {
  assert.ok(matches('group=2').length > 10);
  assert.ok(kinds(matches('group=2')).includes('decision'));
  assert.deepStrictEqual(kinds(matches('ioctl=GROUP_SUBMIT')), ['ioctl']);
  assert.deepStrictEqual(matches('ioctl=group_submit errno!=0'), []);
  assert.equal(matches('ioctl=GROUP_CREATE errno=0').length, 2);
  const enter = matches('fw=GLB_PROTM_ENTER');
  assert.equal(enter.length, 2, 'request and ack');
  assert.deepStrictEqual(kinds(enter), ['fwReq', 'fwAck']);
  assert.deepStrictEqual(matches('fw=GLB_PROTM_ENTER type=fwAck'), [enter[1]]);
  assert.deepStrictEqual(matches('fw=CSG_STATE_START').length, 4);
  assert.deepStrictEqual(matches('t>=40ms t<42ms'), [39, 40]);
  assert.deepStrictEqual(matches('i=3|i=5'), [3, 5]);
  assert.deepStrictEqual(matches('#>=44 !type=reset'), [46, 47]);
  assert.deepStrictEqual(matches('type=job,fault').length, 4);
});

test('decision and enum fields by name, with or without their prefix', () => {
  const granted = matches('decision.protm=granted');
  assert.equal(granted.length, 1);
  assert.deepStrictEqual(matches('decision.protm=PROTM_GRANTED'), granted);
  assert.deepStrictEqual(matches('protm=granted'), granted);
  assert.deepStrictEqual(matches('decision.trigger=protm_pending'), granted);
  assert.deepStrictEqual(matches('rule=RULE_PENDING_REQUIRED'), granted);
  assert.deepStrictEqual(matches('decision.tick=2'), granted);
  assert.equal(matches('mode_switch.cause=fw_exit').length, 1);
  assert.equal(matches('mode=protected').length, 1);
  assert.equal(matches('group_create.priority=2').length, 1);
  assert.equal(matches('ioctl.group_handle=2').length, 2);
  assert.equal(matches('decision.slots.action=start').length, 1);
  assert.equal(matches('msg~fault').length, 1);
  assert.equal(matches('heap.purpose=protm_suspend_buf').length, 1);
});

test('state predicates see the state after the event', () => {
  const f = parseFilter('state.mode=protected');
  assert.equal(f.needsState, true);
  const prot = matches('state.mode=protected');
  assert.equal(prot.length, 3);
  assert.equal(matches('state.active_group=2').length, 4);
  assert.deepStrictEqual(matches('state.groups.2.state=active type=ioctl'), [19]);
  assert.deepStrictEqual(matches('state.groups.2.state=created type=ioctl'), [10]);
  assert.ok(matches('state.fw.pending>0').length > 0);
  assert.equal(parseFilter('type=job').needsState, false);
});

test('bad filters name the offending token', () => {
  const bad: Array<[string, RegExp]> = [
    ['type=Nope', /unknown event type 'Nope'.*at 'type=Nope'/],
    ['group=abc', /'abc' is not a number/],
    ['t>12', /give a unit/],
    ['decision.protm=maybe', /unknown .*'maybe' \(one of PROTM_NONE/],
    ['decision.bogus=1', /decision has no field 'bogus'/],
    ['fw=GLB_NOPE', /unknown FW bit 'GLB_NOPE'/],
    ['frobnicate', /'frobnicate' is neither an event type/],
    ['whatever=1', /unknown key 'whatever'/],
    ['type=', /missing value/],
    ['t>,', /missing value after '>'/],
    ['', /empty filter/],
    ['type=job |', /empty alternative/],
    ['msg~"open', /unterminated quote/],
    ['state.nothing=1', /unknown state field 'nothing'/],
  ];
  for (const [text, re] of bad) {
    assert.throws(() => parseFilter(text), (e: unknown) => e instanceof FilterError && e.userFacing && re.test(e.message), text);
  }
});

test('cursor: find, breakpoints over events and state, causes and effects', () => {
  const eventsWithCause = storyEvents();
  eventsWithCause[30]!.cause = 1; // ack names its request
  const tr2 = memoryTrace({ policy: 'panthor-2026' }, eventsWithCause, { chunkEvents: 4 });
  const c = new Cursor(Replayer.open(tr2, { keyframeEvery: 4 }));
  const modes = matches('type=mode_switch');
  assert.equal(c.find(parseFilter('type=mode_switch'), 1), modes[0]);
  assert.equal(c.find(parseFilter('type=mode_switch'), 1), modes[1]);
  assert.equal(c.find(parseFilter('type=mode_switch'), -1), modes[0]);
  assert.equal(c.find(parseFilter('type=mode_switch'), -1), undefined);
  assert.equal(c.index, modes[0], 'no match: cursor stays');

  c.seek(0);
  c.breakpoints = [parseFilter('state.mode=protected')];
  const firstProt = matches('state.mode=protected')[0];
  assert.equal(c.continue(1), firstProt);
  assert.equal(c.state().device.gpuMode, 'MODE_PROTECTED');
  c.seek(events.length - 1);
  assert.equal(c.continue(-1), matches('state.mode=protected').at(-1));
  c.breakpoints = [parseFilter('type=reset')];
  c.seek(0);
  assert.equal(c.continue(1), matches('type=reset')[0]);
  c.breakpoints = [parseFilter('fw=GLB_HALT')];
  assert.equal(c.continue(1), undefined);
  assert.equal(c.index, events.length - 1, 'no breakpoint: runs to the end');

  assert.equal(c.causeOf(30), 29);
  assert.equal(c.causeOf(29), undefined);
  assert.deepStrictEqual(c.effectsOf(29), [30]);

  assert.equal(c.seek('12.5ms'), 11, 'last event at or before 12.5ms (event i is at (i+1) ms)');
  assert.equal(c.seek('#3'), 3);
  assert.equal(c.seek('10000'), events.length - 1, 'clamped');
  assert.throws(() => c.seek('soon'), /neither an event index/);
});
