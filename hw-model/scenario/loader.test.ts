import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROTM_POLICIES } from '../contract.js';
import { ms, sec } from '../sim/index.js';
import {
  BUILTIN_SCENARIOS, ScenarioError, applyOverrides, listBuiltins, loadBuiltin, parseRunDuration, parseScenario, parseSeed,
} from './index.js';

/** The ScenarioError thrown by parsing `text`, or a failure. */
function errorOf(text: string, file = 'bad.yaml'): ScenarioError {
  try {
    parseScenario(text, file);
  } catch (e) {
    assert.ok(e instanceof ScenarioError, `expected a ScenarioError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the scenario to be rejected');
}

test('a minimal file gets defaults for everything', () => {
  const cfg = parseScenario('apps:\n  - kind: compositor\n', 'min.yaml');
  assert.equal(cfg.name, 'min');
  assert.equal(cfg.duration, sec(5));
  assert.equal(cfg.seed, 1);
  assert.equal(cfg.gpu.gpuId, 0xa867);
  assert.equal(cfg.driver.protmPolicy, 'panthor-2026');
  assert.equal(cfg.driver.tickPeriod, ms(10));
  assert.equal(cfg.driver.pingInterval, sec(12));
  assert.deepEqual(cfg.heaps.map((h) => [h.name, h.kind]), [['system', 'system'], ['protected', 'protected-carveout']]);
  assert.equal(cfg.apps.length, 1);
  const a = cfg.apps[0]!;
  assert.equal(a.name, 'compositor');
  assert.equal(a.priority, 'high');
  assert.equal(a.privileged, true);
  assert.equal(a.fps, 60);
  assert.equal(a.stop, Infinity);
  assert.deepEqual(cfg.faults, []);
});

test('an empty file is a valid (idle) scenario', () => {
  const cfg = parseScenario('', 'empty.yaml');
  assert.equal(cfg.name, 'empty');
  assert.deepEqual(cfg.apps, []);
});

test('values map onto ScenarioConfig: durations, sizes, hex, never', () => {
  const cfg = parseScenario(`
name: x
duration: 16.6ms
seed: 0x10
gpu: { gpu_id: 0xa867, group_num: 16 }
heaps:
  - { name: system }
  - { name: sec, kind: restricted-tee, size: 64MiB, appear_at: 1.5s }
driver: { protm_policy: kbase, protected_heap_name: sec, tick_period: 100ms }
apps:
  - { kind: video-player, fps: 24, start: 800us, stop: never, buffers: 2 }
  - { kind: video-player, protected: false }
faults:
  - { at: 2s, kind: heap-alloc-fail, count: 3 }
`, 'x.yaml');
  assert.equal(cfg.duration, 16_600_000);
  assert.equal(cfg.seed, 16);
  assert.equal(cfg.gpu.groupNum, 16);
  assert.equal(cfg.heaps[1]!.size, 64 * 1024 * 1024);
  assert.equal(cfg.heaps[1]!.appearAt, sec(1.5));
  assert.equal(cfg.heaps[1]!.allocLatency, ms(2), 'TEE heaps default to a 2 ms round trip');
  assert.equal(cfg.driver.protmPolicy, 'kbase');
  assert.equal(cfg.driver.tickPeriod, ms(100));
  assert.equal(cfg.apps[0]!.name, 'video-player');
  assert.equal(cfg.apps[0]!.heap, 'sec', 'a protected player allocates from the protected heap');
  assert.equal(cfg.apps[0]!.start, 800_000);
  assert.equal(cfg.apps[1]!.name, 'video-player-2');
  assert.equal(cfg.apps[1]!.heap, 'system');
  assert.deepEqual(cfg.faults[0], { at: sec(2), kind: 'heap-alloc-fail', app: '', heap: 'sec', count: 3 });
});

test('unknown key: file, line and key named, with a suggestion', () => {
  const e = errorOf('name: x\napps:\n  - kind: game\n    fsp: 30\n');
  assert.equal(e.file, 'bad.yaml');
  assert.equal(e.line, 4);
  assert.equal(e.key, 'apps[0].fsp');
  assert.match(e.message, /^bad\.yaml:4: apps\[0\]\.fsp: unknown key \(did you mean "fps"\?\)/);
  assert.equal(e.userFacing, true);
  assert.equal(e.exitCode, 2);
  assert.ok(!e.message.includes('\n'), 'one line');
});

test('unknown top-level key', () => {
  const e = errorOf('name: x\ndurration: 5s\n');
  assert.equal(e.line, 2);
  assert.equal(e.key, 'durration');
  assert.match(e.message, /did you mean "duration"/);
});

test('wrong type: file, line and key named', () => {
  const e = errorOf('driver:\n  protm_policy: kbase\n  tick_period: fast\n');
  assert.equal(e.line, 3);
  assert.equal(e.key, 'driver.tick_period');
  assert.match(e.message, /^bad\.yaml:3: driver\.tick_period: expected a duration/);
  const e2 = errorOf('apps:\n  - kind: compositor\n    privileged: "yes"\n');
  assert.equal(e2.line, 3);
  assert.equal(e2.key, 'apps[0].privileged');
  assert.match(e2.message, /expected true or false/);
  const e3 = errorOf('apps: { kind: compositor }\n');
  assert.equal(e3.key, 'apps');
  assert.match(e3.message, /expected a list/);
});

test('out of range: file, line and key named', () => {
  const e = errorOf('gpu:\n  group_num: 40\n');
  assert.equal(e.line, 2);
  assert.equal(e.key, 'gpu.group_num');
  assert.match(e.message, /out of range: 40 \(expected 3\.\.31\)/);
  const e2 = errorOf('apps:\n  - kind: game\n  - kind: game\n    jitter: 1.5\n');
  assert.equal(e2.line, 4);
  assert.equal(e2.key, 'apps[1].jitter');
  const e3 = errorOf('duration: 2h\n');
  assert.equal(e3.key, 'duration');
});

test('bad enum value names the choices', () => {
  const e = errorOf('apps:\n  - kind: compositor\n    priority: urgent\n');
  assert.equal(e.line, 3);
  assert.match(e.message, /expected one of low, medium, high, realtime \(got "urgent"\)/);
  const e2 = errorOf('driver:\n  protm_policy: panthor-2062\n');
  assert.match(e2.message, /did you mean "panthor-2026"/);
});

test('bare numbers are refused as durations', () => {
  const e = errorOf('duration: 5\n');
  assert.equal(e.line, 1);
  assert.match(e.message, /duration with a unit/);
});

test('missing required key, duplicates, bad references', () => {
  assert.match(errorOf('apps:\n  - name: a\n').message, /apps\[0\]\.kind: missing required key/);
  const dup = errorOf('apps:\n  - { name: a, kind: game }\n  - { name: a, kind: compute }\n');
  assert.equal(dup.line, 3);
  assert.match(dup.message, /duplicate app name "a" \(first at line 2\)/);
  const ref = errorOf('apps:\n  - { name: video, kind: video-player }\nfaults:\n  - kind: cs-fatal\n    app: vidoe\n');
  assert.equal(ref.line, 5);
  assert.equal(ref.key, 'faults[0].app');
  assert.match(ref.message, /no app named "vidoe" \(did you mean "video"\?\)/);
  const stop = errorOf('apps:\n  - kind: game\n    start: 2s\n    stop: 1s\n');
  assert.equal(stop.line, 4);
});

test('YAML syntax errors name the file and line', () => {
  const e = errorOf('name: x\napps: [ { kind: game }\n', 'syn.yaml');
  assert.equal(e.file, 'syn.yaml');
  assert.ok(e.line >= 2, `line ${e.line}`);
  assert.match(e.message, /^syn\.yaml:\d+: YAML syntax error/);
  assert.ok(!e.message.includes('\n'));
  assert.match(errorOf('- a\n- b\n').message, /top level must be a mapping/);
});

test('every built-in parses, has a one-line description, and the required shapes', () => {
  const names = BUILTIN_SCENARIOS.map((b) => b.name);
  assert.deepEqual(names, [
    'drm-video-over-ui', 'heap-missing-defer', 'heap-late-lazy-reset', 'userspace-dmabuf', 'protm-fault',
    'priority-inversion', 'watchdog-ping-in-protm', 'stress', 'protm-pending-no-heap',
    'runtime-pm-protected', 'runtime-pm-lazy-heap', 'progress-timeout-protm', 'cs-fault',
    'heap-remove-held', 'heap-remove-revoke', 'two-gpus-dt', 'two-gpus-module-param', 'egl-protected',
    'secure-video-pipeline', 'pipeline-no-common-heap', 'pipeline-gpu-heap-disagrees',
    'tiler-oom', 'mmu-fault', 'vm-bind-race',
  ]);
  for (const { name, description } of listBuiltins()) {
    assert.ok(description.length > 10 && !description.includes('\n'), name);
    assert.equal(loadBuiltin(name).name, name);
  }
  const lazy = loadBuiltin('heap-late-lazy-reset');
  assert.equal(lazy.driver.heapPolicy, 'lazy-slow-reset');
  assert.ok(lazy.heaps.find((h) => h.name === lazy.driver.protectedHeapName)!.appearAt > 0, 'heap appears late');
  const inv = loadBuiltin('priority-inversion');
  assert.ok(inv.apps.some((a) => a.protected && a.priority === 'low'));
  assert.ok(inv.apps.some((a) => !a.protected && a.priority === 'high'));
  assert.ok(loadBuiltin('watchdog-ping-in-protm').duration >= sec(13));
  const ui = loadBuiltin('drm-video-over-ui');
  assert.deepEqual(ui.apps.map((a) => a.kind), ['compositor', 'video-player', 'compute']);
});

test('unknown built-in: clear error with the list', () => {
  assert.throws(() => loadBuiltin('drm-video-over-iu'), (e: unknown) =>
    e instanceof ScenarioError && /did you mean "drm-video-over-ui"/.test(e.message) && /heap-missing-defer/.test(e.message));
});

test('overrides replace seed, policy and duration without touching the input', () => {
  const base = loadBuiltin('drm-video-over-ui');
  const o = applyOverrides(base, { seed: 7, protmPolicy: 'kbase', duration: ms(250) });
  assert.equal(o.seed, 7);
  assert.equal(o.driver.protmPolicy, 'kbase');
  assert.equal(o.duration, ms(250));
  assert.equal(base.seed, 1);
  assert.equal(base.driver.protmPolicy, 'panthor-2026');
  assert.ok(PROTM_POLICIES.includes(o.driver.protmPolicy));
  assert.equal(parseRunDuration('5s'), sec(5));
  assert.equal(parseRunDuration('5'), undefined);
  assert.equal(parseRunDuration('0s'), undefined);
  assert.equal(parseRunDuration('soon'), undefined);
  assert.equal(parseSeed('42'), 42);
  assert.equal(parseSeed('0x2a'), 42);
  assert.equal(parseSeed('-1'), undefined);
  assert.equal(parseSeed('1.5'), undefined);
});
