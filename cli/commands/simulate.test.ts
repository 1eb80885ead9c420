import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILTIN_SCENARIOS } from '../../hw-model/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = join(ROOT, 'dist/cli/main.js');

function run(args: string[], cwd = ROOT): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('csftrace scenarios: one line per built-in; --show prints YAML; --json; --assumptions', () => {
  const r = run(['scenarios']);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split('\n');
  assert.equal(lines.length, BUILTIN_SCENARIOS.length);
  assert.ok(lines.length >= 14, 'the heap debates and the EGL built-ins are listed');
  assert.match(lines[0]!, /^drm-video-over-ui\s+Protected .* \(default\)$/);
  assert.ok(lines.some((l) => l.startsWith('stress ')));
  assert.match(lines[8]!, /^protm-pending-no-heap\s+No protected heap, yet a player emits PROT_REGION in an ordinary group/);
  assert.match(lines[9]!, /^runtime-pm-protected\s+A 4 fps protected player alone; the GPU idles between frames \(GLB IDLE\), autosuspends/);
  assert.ok(['runtime-pm-lazy-heap', 'progress-timeout-protm', 'cs-fault'].every((n, k) => lines[10 + k]?.startsWith(`${n} `)));
  assert.ok(['secure-video-pipeline', 'pipeline-no-common-heap', 'pipeline-gpu-heap-disagrees'].every((n) => lines.some((l) => l.startsWith(`${n} `))));
  const show = run(['scenarios', '--show', 'priority-inversion']);
  assert.equal(show.code, 0);
  assert.match(show.out, /^name: priority-inversion$/m);
  const noHeap = run(['scenarios', '--show', 'protm-pending-no-heap']);
  assert.equal(noHeap.code, 0);
  assert.match(noHeap.out, /^ {4}protected_group: false$/m);
  assert.match(noHeap.out, /^ {2}heap_policy: disabled$/m);
  const json = JSON.parse(run(['scenarios', '--json']).out);
  assert.equal(json.schema, 'csftrace.scenarios/1');
  assert.equal(json.scenarios.length, BUILTIN_SCENARIOS.length);
  assert.equal(json.scenarios[0].default, true);
  // --assumptions: every firmware assumption with its default first, the alternatives and why.
  const as = run(['scenarios', '--assumptions']);
  assert.equal(as.code, 0, as.err);
  assert.match(as.out, /^fw\.protm_enter_without_pending: GLB_PROTM_ENTER arrives while no CS has an acknowledged PROTM_PENDING$/m);
  assert.match(as.out, /^ {2}\* enter-then-exit {2}acks, raises PROTM_ACTIVE/m);
  assert.match(as.out, /^ {4}hang {13}acks, raises PROTM_ACTIVE and stays protected/m);
  assert.match(as.out, /^ {4}ignore {11}acks and stays in normal mode/m);
  assert.equal((as.out.match(/^fw\.[a-z_]+: /gm) ?? []).length, 7);
  assert.equal((as.out.match(/^ {4}why the default: /gm) ?? []).length, 7);
  assert.match(as.out, /^ {2}fw\.prot_region_any_group: /m);
  const asJson = JSON.parse(run(['scenarios', '--assumptions', '--json']).out);
  assert.deepEqual(asJson.assumptions.map((x: { name: string; values: string[] }) => `${x.name}=${x.values.join('|')}`), [
    'protm_enter_without_pending=enter-then-exit|hang|ignore', 'ping_while_protected=exit|ack-only',
    'suspend_protected_csg=exit|finish-region', 'resume_in_protected_region=pending-again|next-enter',
    'protm_done=exit|stay', 'higher_priority_work=wait|exit', 'tiler_oom_null_chunk=wait-fragments-then-fatal|wait',
  ]);
  assert.equal(asJson.fixed.length, 3);
  const bad = run(['scenarios', '--show', 'nope']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /^csftrace: nope: unknown built-in scenario/);
});

test('csftrace simulate: summary with families, per-group GPU time with app names, residency, mode switches, ioctl errors', () => {
  const r = run(['simulate', '--duration', '400ms', '--seed', '3', '--policy', 'kbase']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^scenario drm-video-over-ui \(builtin:drm-video-over-ui\) · seed 3 · policy kbase · /m);
  assert.match(r.out, /^events by family:$/m);
  assert.match(r.out, /^ {2}ioctl +\d+$/m);
  assert.match(r.out, /^ {2}weston \(pid 1001\) +group \d+ +HIGH /m);
  assert.match(r.out, /^protected residency: \d+\.\d%/m);
  assert.match(r.out, /^mode switches: \d+/m);
  assert.match(r.out, /^ioctl errors: \d+ of \d+ ioctls$/m);
  assert.equal(r.err, '', 'no progress output when stderr is not a terminal');
  const again = run(['simulate', '--duration', '400ms', '--seed', '3', '--policy', 'kbase']);
  assert.equal(again.out, r.out, 'deterministic output');
  const j = run(['simulate', '--scenario', 'stress', '--duration', '100ms', '--json']);
  assert.equal(j.code, 0, j.err);
  const data = JSON.parse(j.out);
  assert.equal(data.scenario, 'stress');
  assert.equal(data.durationNs, 100_000_000);
  assert.ok(data.summary.events > 0);
  assert.equal(data.apps.length, 20);
});

test('csftrace simulate: bad input is one line and exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csftrace-sim-'));
  try {
    writeFileSync(join(dir, 'bad.yaml'), 'name: x\napps:\n  - kind: compositor\n    prority: high\n');
    writeFileSync(join(dir, 'type.yaml'), 'duration: soon\n');
    writeFileSync(join(dir, 'range.yaml'), 'gpu:\n  stream_num: 4\n');
    writeFileSync(join(dir, 'ok.yaml'), 'duration: 50ms\napps:\n  - kind: game\n');
    const cases: [string[], RegExp][] = [
      [['simulate', '--scenario', 'bad.yaml'], /^csftrace: bad\.yaml:4: apps\[0\]\.prority: unknown key \(did you mean "priority"\?\)/],
      [['simulate', '--scenario', 'type.yaml'], /^csftrace: type\.yaml:1: duration: expected a duration/],
      [['simulate', '--scenario', 'range.yaml'], /^csftrace: range\.yaml:2: gpu\.stream_num: out of range: 4 \(expected 8\.\.32\)/],
      [['simulate', '--scenario', 'nope'], /^csftrace: nope: unknown scenario: not a built-in \(drm-video-over-ui, /],
      [['simulate', '--scenario', 'missing.yaml'], /^csftrace: missing\.yaml: no such file\n$/],
      [['simulate', '--policy', 'panthor'], /^csftrace: --policy: unknown policy "panthor" .*expected one of rfc-2025, panthor-2026, panthor-2026-reviewed, kbase/],
      [['simulate', '--duration', '5'], /^csftrace: --duration: expected a duration/],
      [['simulate', '--seed', 'x'], /^csftrace: --seed: expected a non-negative integer/],
    ];
    for (const [args, re] of cases) {
      const r = run(args, dir);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.equal(r.out, '');
      assert.equal(r.err.split('\n').filter(Boolean).length, 1, r.err);
      assert.match(r.err, re);
    }
    const ok = run(['simulate', '--scenario', 'ok.yaml'], dir);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, /^scenario ok \(ok\.yaml\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
