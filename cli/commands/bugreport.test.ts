import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeContainer } from '../../proto/index.js';
import { openTrace } from '../../replayer/index.js';
import { syntheticEvents, syntheticHeader } from '../../replayer/testing.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = join(ROOT, 'dist/cli/main.js');

function run(args: string[], cwd: string): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('csftrace note + bugreport: bundle with a trimmed trace, links, notes, and nothing of the local environment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csftrace-bugreport-secret-dir-'));
  try {
    const trace = join(dir, 'demo.csft');
    const baseline = join(dir, 'kbase.csft');
    writeFileSync(trace, encodeContainer({ ...syntheticHeader('shared'), metadata: { source: 'builtin:synthetic' } }, syntheticEvents({ ticks: 800 })));
    writeFileSync(baseline, encodeContainer(syntheticHeader('sole'), syntheticEvents({ ticks: 800, policy: 'sole' })));
    const note = run(['note', trace, '--at', '1500', 'the compositor stalls here'], dir);
    assert.equal(note.code, 0, note.err);
    // Absolute paths on the command line, on purpose: none may reach the bundle.
    const out = join(dir, 'report');
    const r = run(['bugreport', trace, '--baseline', baseline, '--at', '1500', '--max-size', '16KB', '-o', out], dir);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(readdirSync(out).sort(), ['report.md', 'scenario.yaml', 'trace.csft']);
    assert.ok(statSync(join(out, 'trace.csft')).size <= 16_000);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    const forbidden = [dir, tmpdir(), homedir(), process.cwd(), ROOT, 'csftrace-bugreport-secret-dir', hostname()];
    const user = userInfo().username;
    if (user.length >= 5) forbidden.push(user);
    for (const s of forbidden) assert.ok(!md.includes(s), `report.md must not contain "${s}"`);
    assert.doesNotMatch(md, /(^|[\s(`'"=])\/(home|tmp|root|Users|var|private|work|mnt|opt)\//m, 'no absolute path');
    assert.match(md, /the compositor stalls here/);
    // The reproduce block runs as written and never overwrites the bundled trace: the whole run is
    // recorded into full.csft and the baseline recreated from it.
    assert.match(md, /csftrace record --scenario scenario\.yaml --seed 1 --policy shared .*-o full\.csft/);
    assert.doesNotMatch(md, /-o trace\.csft/);
    assert.match(md, /csftrace rerun full\.csft --policy sole -o baseline\.csft\ncsftrace diff baseline\.csft full\.csft/);
    const bundled = openTrace(join(out, 'trace.csft'));
    const m = /csftrace replay trace\.csft#ev=(\d+)/.exec(md);
    assert.ok(m && Number(m[1]) < bundled.eventCount);
    assert.equal(bundled.header.trimmedFrom!.firstEvent + Number(m![1]), 1500);
    assert.deepEqual(bundled.notes.map((n) => n.text), ['the compositor stalls here']);
    bundled.close();

    const again = run(['bugreport', trace, '-o', out], dir);
    assert.equal(again.code, 2);
    assert.match(again.err, /directory is not empty/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('csftrace trim and export: files written, one-line errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csftrace-trim-'));
  try {
    writeFileSync(join(dir, 'a.csft'), encodeContainer(syntheticHeader('shared'), syntheticEvents({ ticks: 50 })));
    const t = run(['trim', 'a.csft', '--from', '20', '--to', '80', '-o', 'small.csft', '--json'], dir);
    assert.equal(t.code, 0, t.err);
    assert.equal(JSON.parse(t.out).events, 61);
    const small = openTrace(join(dir, 'small.csft'));
    assert.equal(small.eventCount, 61);
    assert.ok(small.snapshot);
    small.close();
    const around = run(['trim', 'a.csft', '--around', '100', '--window', '30ms', '-o', 'w.csft'], dir);
    assert.equal(around.code, 0, around.err);
    const both = run(['trim', 'a.csft', '--from', '1', '--around', '3', '-o', 'x.csft'], dir);
    assert.equal(both.code, 2);
    assert.equal(both.err.trim().split('\n').length, 1);
    assert.ok(!existsSync(join(dir, 'x.csft')));
    const self = run(['trim', 'a.csft', '--from', '1', '--to', '3', '-o', 'a.csft'], dir);
    assert.equal(self.code, 2);

    for (const format of ['perfetto', 'chrome-json', 'jsonl']) {
      const e = run(['export', 'a.csft', '--format', format, '-o', `a.${format}`], dir);
      assert.equal(e.code, 0, e.err);
      assert.ok(statSync(join(dir, `a.${format}`)).size > 1000);
    }
    const bad = run(['export', 'a.csft', '--format', 'svg', '-o', 'a.svg'], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--format: "svg" is not one of perfetto, chrome-json, jsonl/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
