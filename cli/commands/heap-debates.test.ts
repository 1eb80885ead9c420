/**
 * The README's commands for the heap debates and the EGL layer, run as a user runs them: record
 * each variant, `check`, `diff` (its devices table), `events --type egl`, `rerun --heap-policy`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = join(ROOT, 'dist/cli/main.js');

function run(args: string[], cwd: string): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('heap lifetime: record both variants, check the kref one, diff them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csft-heaps-'));
  try {
    assert.equal(run(['record', '--scenario', 'heap-remove-held', '-o', 'kref.csft'], dir).code, 0);
    assert.equal(run(['record', '--scenario', 'heap-remove-revoke', '-o', 'revoke.csft'], dir).code, 0);
    const c = run(['check', 'kref.csft'], dir);
    assert.equal(c.code, 1);
    assert.match(c.out, /^R33 +no-alloc-from-removed-heap #\d+ +1\.500000s +buffer \d+ \(PURPOSE_PROTM_SUSPEND_BUF\)/m);
    assert.match(c.out, /1 violation, 0 anomalies \(R33 ×1\)/);
    assert.equal(run(['check', 'revoke.csft'], dir).code, 0);
    const d = run(['diff', 'kref.csft', 'revoke.csft'], dir);
    assert.equal(d.code, 1);
    assert.match(d.out, /heap protected +allocations after removal +1 +0 +≠/);
    assert.match(d.out, /app video-2 +protected GROUP_CREATE failures +- +\d+ × ENODEV +≠/);
    const j = JSON.parse(run(['diff', 'kref.csft', 'revoke.csft', '--json'], dir).out) as { devices: { subject: string; metric: string; a: string; b: string }[] };
    assert.ok(j.devices.some((r) => r.subject === 'heap protected' && r.metric === 'struct freed at' && r.a === '3.000000s'));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('DT property vs module parameter on two GPUs: the diff names GPU 0\'s late probe and the player\'s lost frames', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csft-heaps-'));
  try {
    assert.equal(run(['record', '--scenario', 'two-gpus-dt', '-o', 'dt.csft'], dir).code, 0);
    assert.equal(run(['record', '--scenario', 'two-gpus-module-param', '-o', 'param.csft'], dir).code, 0);
    const d = run(['diff', 'dt.csft', 'param.csft'], dir);
    assert.equal(d.code, 1);
    assert.match(d.out, /gpu 0 +probe outcome +probed at 8\.000ms +probed at 1\.508000s +≠/);
    assert.match(d.out, /gpu 1 +probe outcome +probed at 1\.500000s +probed at 1\.500000s +=/);
    assert.match(d.out, /app video +frames done +84 +38 +-46/);
    const s = run(['state', 'dt.csft', '--at', '1s'], dir);
    assert.match(s.out, /GPU probes\n.*\n +0 +probed +"protected" +dt +protected .*\n +1 +deferred +"restricted_mtk_cma" +dt +none/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('EGL: events --type egl lists the calls; rerun without protected support turns the player\'s context into EGL errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csft-heaps-'));
  try {
    assert.equal(run(['record', '--scenario', 'egl-protected', '-o', 'egl.csft'], dir).code, 0);
    const e = run(['events', 'egl.csft', '--type', 'egl'], dir);
    assert.equal(e.code, 0);
    assert.match(e.out, /egl EGL_CREATE_CONTEXT pid=1002 ctx=1 EGL_PROTECTED_CONTENT_EXT group=2 EGL_SUCCESS/);
    assert.match(e.out, /egl EGL_MAKE_CURRENT pid=1003 ctx=1 draw=2 read=1 group=3 EGL_BAD_ACCESS/);
    assert.equal(run(['rerun', 'egl.csft', '--heap-policy', 'disabled', '-o', 'noheap.csft'], dir).code, 0);
    const d = run(['diff', 'egl.csft', 'noheap.csft'], dir);
    assert.match(d.out, /app video +protected GROUP_CREATE failures +- +\d+ × EINVAL +≠/);
    assert.match(d.out, /app video +EGL errors +- +\d+ +≠/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
