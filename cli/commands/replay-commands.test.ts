/**
 * End to end: csftrace state / check / verify / rerun / events --where, as subprocesses, on traces
 * recorded from the model (clean runs, runs that must trip rules, a tampered header).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBuiltin } from '../../hw-model/index.js';
import { recordScenario, traceHeaderFor } from '../../recorder/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = join(ROOT, 'dist/cli/main.js');
let dir = '';

function run(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
function record(name: string, args: string[]): string {
  const out = join(dir, name);
  const r = run(['record', ...args, '-o', out]);
  assert.equal(r.code, 0, r.err);
  return out;
}

before(() => { dir = mkdtempSync(join(tmpdir(), 'csftrace-replay-cli-')); });
after(() => { rmSync(dir, { recursive: true, force: true }); });

test('a clean run: check exit 0, state tables and JSON, verify identical, events --where', () => {
  const tr = record('clean.csft', ['--scenario', 'drm-video-over-ui', '--policy', 'kbase', '--duration', '1s']);
  const c = run(['check', tr]);
  assert.equal(c.code, 0, c.out + c.err);
  assert.match(c.out, /policy kbase, \d+ events, 27 rules checked/);
  assert.match(c.out, /^clean: no violation of the 27 rules$/m);

  const s = run(['state', tr, '--at', '500ms']);
  assert.equal(s.code, 0, s.err);
  assert.match(s.out, /^state of .*clean\.csft after #\d+ /);
  for (const title of ['Device', 'CSG slots', 'Groups', 'Queues', 'Heaps', 'dma-bufs', 'Processes']) {
    assert.match(s.out, new RegExp(`^${title}`, 'm'), title);
  }
  assert.match(s.out, /^ {2}gpu mode +MODE_(NORMAL|PROTECTED|ENTERING|EXITING) since #\d+/m);
  assert.match(s.out, /weston\(1001\)/);
  const only = run(['state', tr, '--at', '#100', '--only', 'slots,groups']);
  assert.equal(only.code, 0, only.err);
  assert.doesNotMatch(only.out, /^Device/m);
  assert.match(only.out, /^CSG slots/m);
  const j = JSON.parse(run(['state', tr, '--at', '1234', '--json']).out);
  assert.equal(j.index, 1234);
  assert.equal(j.state.index, 1234);
  assert.equal(typeof j.state.device.gpuMode, 'string');
  assert.equal(j.event.index, 1234);

  const v = run(['verify', tr]);
  assert.equal(v.code, 0, v.out + v.err);
  assert.match(v.out, /: identical \([\d,]+ events\)$/m);

  const w = run(['events', tr, '--where', 'type=decision decision.protm=granted', '--limit', '3']);
  assert.equal(w.code, 0, w.err);
  const lines = w.out.trim().split('\n');
  assert.equal(lines.length, 3);
  for (const l of lines) assert.match(l, /decision .*PROTM_GRANTED/);
  const st = run(['events', tr, '--where', 'state.mode=protected type=job', '--limit', '2']);
  assert.equal(st.code, 0, st.err);
  assert.equal(st.out.trim().split('\n').length, 2);
  for (const l of st.out.trim().split('\n')) assert.match(l, / job /);
  const sub = run(['events', tr, '--where', 'ioctl=GROUP_SUBMIT errno!=0']);
  assert.equal(sub.code, 0);
  assert.equal(sub.out, '');
});

test('watchdog-ping-in-protm under panthor-2026 trips "PING while protected"; -reviewed is clean', () => {
  const bad = record('ping.csft', ['--scenario', 'watchdog-ping-in-protm', '--policy', 'panthor-2026']);
  const c = run(['check', bad, '--json']);
  assert.equal(c.code, 1, c.err);
  const rep = JSON.parse(c.out);
  assert.equal(rep.clean, false);
  const ping = rep.findings.filter((f: { rule: string }) => f.rule === 'R19c');
  assert.equal(ping.length, 1);
  assert.match(ping[0].message, /PING sent while the GPU is MODE_PROTECTED/);
  assert.equal(typeof ping[0].index, 'number');
  const text = run(['check', bad, '--rule', 'R19c']);
  assert.equal(text.code, 1);
  assert.match(text.out, /^R19c ping-while-protected +#\d+ +12\.\d+s {2}watchdog PING sent/m);
  const good = record('ping-reviewed.csft', ['--scenario', 'watchdog-ping-in-protm', '--policy', 'panthor-2026-reviewed']);
  const g = run(['check', good]);
  assert.equal(g.code, 0, g.out);
});

test('an injected PROTM enter timeout trips R5 (the enter did not complete; a reset followed)', () => {
  const yaml = `name: enter-timeout
duration: 6s
seed: 1
apps:
  - name: weston
    kind: compositor
    priority: high
    privileged: true
  - name: video
    kind: video-player
    protected: true
    fps: 30
    job_duration: 8ms
    start: 100ms
faults:
  - at: 300ms
    kind: protm-enter-timeout
`;
  writeFileSync(join(dir, 'enter-timeout.yaml'), yaml);
  const tr = record('enter-timeout.csft', ['--scenario', join(dir, 'enter-timeout.yaml'), '--policy', 'panthor-2026-reviewed']);
  const c = run(['check', tr, '--json']);
  assert.equal(c.code, 1, c.out);
  const rep = JSON.parse(c.out);
  const r5 = rep.findings.filter((f: { rule: string }) => f.rule === 'R5');
  assert.ok(r5.length >= 1, c.out);
  assert.match(r5[0].message, /not acknowledged within 4000 ms .*reset followed/);
  assert.equal(r5[0].severity, 'anomaly');
});

test('verify finds the first difference; rerun records another policy that verifies', () => {
  const cfg = loadBuiltin('priority-inversion');
  const config = { ...cfg, duration: 300_000_000 };
  const header = traceHeaderFor({ config, text: findText(), source: 'builtin:priority-inversion' });
  const tampered = join(dir, 'tampered.csft');
  recordScenario(tampered, { ...header, seed: 7 }, config);
  const v = run(['verify', tampered]);
  assert.equal(v.code, 1, v.out + v.err);
  assert.match(v.out, /differs at event #\d+/);
  assert.match(v.out, /^ {2}recorded: {5}#\d+ /m);
  assert.match(v.out, /^ {2}re-simulated: #\d+ /m);
  const vj = JSON.parse(run(['verify', tampered, '--json']).out);
  assert.equal(vj.identical, false);
  assert.equal(typeof vj.firstDifference.index, 'number');

  const orig = record('orig.csft', ['--scenario', 'priority-inversion', '--policy', 'rfc-2025', '--duration', '500ms']);
  const out = join(dir, 'kbase.csft');
  const r = run(['rerun', orig, '--policy', 'kbase', '-o', out]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /under kbase\/probe-defer: .*kbase\.csft, [\d,]+ events, virtual 500\.000ms/);
  const info = JSON.parse(run(['info', out, '--json']).out);
  assert.equal(info.header.policy, 'kbase');
  assert.equal(info.header.seed, 1);
  assert.equal(info.header.metadata.rerun_of, 'orig.csft');
  assert.equal(run(['verify', out]).code, 0);
  const d = run(['diff', orig, out]);
  assert.equal(d.code, 1, 'the policies differ');
});

test('bad input: one line, exit 2', () => {
  const tr = record('small.csft', ['--scenario', 'drm-video-over-ui', '--duration', '200ms']);
  const cases: Array<[string[], RegExp]> = [
    [['state', tr, '--at', 'soon'], /^csftrace: .*small\.csft: --at: 'soon' is neither an event index/],
    [['state', tr, '--at', '999999'], /^csftrace: .*small\.csft: --at: event 999999 is outside the trace/],
    [['state', tr, '--only', 'nope'], /^csftrace: --only: unknown table "nope"/],
    [['events', tr, '--where', 'type=Nope'], /^csftrace: --where: filter "type=Nope": unknown event type 'Nope'/],
    [['events', tr, '--where', 't>12'], /give a unit/],
    [['check', join(dir, 'missing.csft')], /^csftrace: .*missing\.csft: no such file/],
    [['check', tr, '--rule', 'R99'], /^csftrace: --rule: unknown rule "R99"/],
    [['rerun', tr, '--policy', 'nope', '-o', join(dir, 'x.csft')], /unknown policy "nope"/],
    [['rerun', tr, '-o', join(dir, 'x.csft')], /give --policy/],
    [['verify', join(dir, 'missing.csft')], /no such file/],
  ];
  for (const [args, re] of cases) {
    const r = run(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.out}${r.err}`);
    assert.match(r.err, re, args.join(' '));
    assert.equal(r.err.trim().split('\n').length, 1, `one line: ${r.err}`);
  }
  const list = run(['check', '--list']);
  assert.equal(list.code, 0);
  assert.equal(list.out.trim().split('\n').length, 27);
});

function findText(): string {
  const r = spawnSync(process.execPath, [MAIN, 'scenarios', '--show', 'priority-inversion'], { encoding: 'utf8' });
  return r.stdout;
}
