/**
 * The secure pipeline from the command line: probe-defer against userspace-dmabuf on
 * `secure-video-pipeline` (`record`, `rerun --heap-policy`, `diff`), with the consequences per app
 * and per device; `state` and `simulate` show the devices.
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

interface Delta<T> { name: string; a: T | null; b: T | null; delta: T }

test('diff probe-defer vs userspace-dmabuf on the secure pipeline: consequences per app and per device', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csft-pipe-'));
  try {
    assert.equal(run(['record', '--scenario', 'secure-video-pipeline', '--duration', '1s', '-o', 'defer.csft'], dir).code, 0);
    const re = run(['rerun', 'defer.csft', '--heap-policy', 'userspace-dmabuf', '-o', 'user.csft'], dir);
    assert.equal(re.code, 0, re.err);
    const j = run(['diff', 'defer.csft', 'user.csft', '--json'], dir);
    assert.equal(j.code, 1, j.err);
    const r = JSON.parse(j.out) as {
      header: { field: string; a: string; b: string }[];
      consequences: {
        apps: Delta<{ framesDone: number }>[];
        devices: Delta<{ missNoPipeline: number; missedVblanks: number; framesShown: number; framesDecoded: number }>[];
      };
    };
    assert.ok(r.header.some((h) => /heap/i.test(h.field) && h.a === 'probe-defer' && h.b === 'userspace-dmabuf'), JSON.stringify(r.header));
    const dev = (n: string) => r.consequences.devices.find((d) => d.name === n)!;
    const lcd = dev('lcd'), vdec = dev('vdec');
    // probe-defer: no GPU until the carve-out registers at 600 ms, so no frame on screen before it.
    assert.ok(lcd.a!.missNoPipeline >= 40, `A no-pipeline misses ${lcd.a!.missNoPipeline}`);
    assert.equal(lcd.b!.missNoPipeline, 0);
    assert.equal(lcd.b!.missedVblanks, 0);
    assert.equal(lcd.b!.framesShown, 28);
    assert.equal(lcd.delta.framesShown, lcd.b!.framesShown - lcd.a!.framesShown);
    assert.ok(lcd.delta.framesShown > 10);
    assert.ok(vdec.b!.framesDecoded > vdec.a!.framesDecoded);
    const player = r.consequences.apps.find((a) => a.name === 'player')!;
    assert.ok(player.b!.framesDone > player.a!.framesDone, JSON.stringify(player));

    const text = run(['diff', 'defer.csft', 'user.csft'], dir).out;
    assert.match(text, /device lcd +frames shown +\d+ +28 +\+\d+/);
    assert.match(text, /device lcd +  no pipeline +\d+ +0 +-\d+/);
    assert.match(text, /app player +frames done/);

    const st = run(['state', 'defer.csft', '--at', '900ms', '--only', 'pipeline-devices,heap-choices'], dir);
    assert.equal(st.code, 0, st.err);
    assert.match(st.out, /Heap choices\n.*\n  1002 +decoded +protected +INTERSECT/);
    assert.match(st.out, /lcd +DISPLAY +4 +0 /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('simulate prints the metrics per device; check flags the GPU heap taken over the display\'s list', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csft-pipe-'));
  try {
    const s = run(['simulate', '--scenario', 'pipeline-no-common-heap'], dir);
    assert.equal(s.code, 0, s.err);
    assert.match(s.out, /metrics per device[^\n]*\n +lcd\n  missed vblanks +56\n    no pipeline +56/);
    assert.equal(run(['record', '--scenario', 'pipeline-gpu-heap-disagrees', '-o', 'g.csft'], dir).code, 0);
    const c = run(['check', 'g.csft', '--rule', 'R30'], dir);
    assert.equal(c.code, 1);
    assert.match(c.out, /R30 +pipeline-heap-in-intersection #\d+ .*lcd \[restricted_mtk_cma\] cannot import it/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
