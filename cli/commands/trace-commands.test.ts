/**
 * csftrace record / info / events end to end, as subprocesses: output, exit codes, silence off a
 * terminal, byte-identical re-recording, SIGINT closing the file properly, SIGKILL leaving a
 * recoverable file, one-line errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(repo, 'dist/cli/main.js');

function run(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: repo, maxBuffer: 64 << 20 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'csft-cli-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test('record: one line on stdout, nothing on stderr off a terminal, byte-identical re-recording', () => {
  const a = join(dir, 'a.csft'), b = join(dir, 'b.csft');
  const r1 = run('record', '--scenario', 'drm-video-over-ui', '--duration', '1s', '-o', a);
  assert.equal(r1.code, 0, r1.err);
  assert.equal(r1.err, '');
  // On a busy machine the last line also says that the recording thread took the compression over.
  assert.match(r1.out, /^recorded .*a\.csft: drm-video-over-ui seed 1 policy \S+, [\d,]+ events in \d+ chunks, .* B\/event\), virtual 1\.000000s( \(the compression worker got no CPU beside other busy processes: the recording thread compressed the rest\))?\n$/);
  const r2 = run('record', '--scenario', 'drm-video-over-ui', '--duration', '1s', '-o', b);
  assert.equal(r2.code, 0);
  assert.equal(Buffer.compare(readFileSync(a), readFileSync(b)), 0);
  const r3 = run('record', '--duration', '1s', '--seed', '2', '-o', b, '--json');
  const j = JSON.parse(r3.out) as { events: number; seed: number; bytes: number };
  assert.equal(j.seed, 2);
  assert.equal(j.bytes, statSync(b).size);
});

test('record: bad flags are one line and exit 2', () => {
  const cases: Array<[string[], RegExp]> = [
    [['record', '--policy', 'nope', '-o', join(dir, 'x.csft')], /^csftrace: --policy: unknown policy "nope"/],
    [['record', '--duration', '10', '-o', join(dir, 'x.csft')], /^csftrace: --duration: expected a duration/],
    [['record', '--scenario', 'no-such-scenario', '-o', join(dir, 'x.csft')], /^csftrace: no-such-scenario: unknown scenario/],
    [['record', '--duration', '10ms', '-o', dir], /is a directory/],
    [['record', '--duration', '10ms', '-o', join(dir, 'missing-dir', 'x.csft')], /cannot write \(ENOENT/],
  ];
  for (const [args, re] of cases) {
    const r = run(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, re);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
  }
});

test('record: a write failing in the compression worker is one line, exit 2, and the chunks written stay readable', () => {
  // a file-size limit of 200 blocks (100 or 200 KiB, by the shell's block size; the whole trace is
  // about 430 KB): the header goes out from the recording thread, the chunks from the worker,
  // whose write fails (EFBIG) partway through
  const out = join(dir, 'limited.csft');
  const r = spawnSync('sh', ['-c', `ulimit -f 200; exec "${process.execPath}" "${cli}" record --scenario stress --duration 3s -o "${out}"`], { encoding: 'utf8', cwd: repo });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^csftrace: .*limited\.csft: write failed \(EFBIG\)\n$/);
  assert.ok(statSync(out).size <= 200 * 1024);
  const info = run('info', out, '--json');
  assert.equal(info.code, 1, info.err);
  const j = JSON.parse(info.out) as { events: number };
  assert.ok(j.events > 0, `the chunks written before the failure are recovered: ${info.out.slice(0, 400)}`);
});

test('info: header, families, integrity; --json; damaged files exit 1; unreadable exit 2', () => {
  const p = join(dir, 'info.csft');
  assert.equal(run('record', '--duration', '2s', '--policy', 'kbase', '-o', p).code, 0);
  const r = run('info', p);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^trace +.*info\.csft \(.* KiB, container v1\)$/m);
  assert.match(r.out, /^scenario +drm-video-over-ui \(builtin:drm-video-over-ui\)$/m);
  assert.match(r.out, /^run +seed 1 · policy kbase · heap policy \S+/m);
  assert.match(r.out, /^integrity +ok: index and every chunk checksum verified · [\d,]+ events decoded$/m);
  assert.match(r.out, /^ {2}fw_req +[\d,]+ +[\d.]+%$/m);
  const j = JSON.parse(run('info', p, '--json', '--deep').out) as {
    events: number; header: { policy: string }; integrity: { ok: boolean; deep: { decoded: number } }; families: Record<string, number>;
  };
  assert.equal(j.header.policy, 'kbase');
  assert.equal(j.integrity.ok, true);
  assert.equal(j.integrity.deep.decoded, j.events);
  assert.equal(Object.values(j.families).reduce((a, b) => a + b, 0), j.events);
  // truncated: opens, says so, exit 1
  const cut = join(dir, 'cut.csft');
  const bytes = readFileSync(p);
  writeFileSync(cut, bytes.subarray(0, bytes.length - 100));
  const rc = run('info', cut);
  assert.equal(rc.code, 1);
  assert.match(rc.out, /^integrity +DAMAGED: no valid index: recovered by scanning frames · [\d,]+ events decoded$/m);
  assert.match(rc.out, /! truncated at byte \d+/);
  // not a trace: one line, exit 2
  const bad = join(dir, 'bad.csft');
  writeFileSync(bad, 'hello\n');
  const rb = run('info', bad);
  assert.equal(rb.code, 2);
  assert.equal(rb.err, `csftrace: ${bad}: not a csftrace trace (bad magic bytes)\n`);
  assert.equal(run('info', join(dir, 'nope.csft')).err, `csftrace: ${join(dir, 'nope.csft')}: no such file\n`);
});

test('events: lines with real names, --from/--limit/--type/--json', () => {
  const p = join(dir, 'ev.csft');
  assert.equal(run('record', '--duration', '1s', '-o', p).code, 0);
  const r = run('events', p, '--limit', '5');
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split('\n');
  assert.equal(lines.length, 5);
  lines.forEach((l, i) => assert.match(l, new RegExp(`^#${i} \\d`)));
  const sub = run('events', p, '--type', 'GROUP_SUBMIT', '--limit', '3').out.trim().split('\n');
  assert.equal(sub.length, 3);
  for (const l of sub) assert.match(l, /^#\d+ \S+ ioctl GROUP_SUBMIT pid=\d+ fd=\d+ request=0xc0186449 .* ret=(0|-E[A-Z]+)/);
  const fam = run('events', p, '--type', 'fw_req,fw_ack', '--limit', '50').out.trim().split('\n');
  for (const l of fam) assert.match(l, /^#\d+ \S+ fw_(req|ack) (GLB|CSG\d+|CS\d+\.\d+) /);
  const js = run('events', p, '--json', '--from', '10', '--limit', '20').out.trim().split('\n').map((l) => JSON.parse(l) as { index: number; type: string });
  assert.equal(js.length, 20);
  assert.equal(js[0]?.index, 10);
  for (const e of js) assert.ok(typeof e.type === 'string' && e.type in { ioctl: 1, heap: 1, fw_req: 1, fw_ack: 1, fw_irq: 1, mode_switch: 1, decision: 1, group_state: 1, queue_state: 1, job: 1, fault: 1, reset: 1, probe: 1, log: 1, doorbell: 1, mmu: 1, process: 1, watchdog: 1 });
  const t = run('events', p, '--from', '500ms', '--limit', '1', '--json');
  assert.ok((JSON.parse(t.out) as { t: number }).t >= 500e6);
  const bad = run('events', p, '--type', 'jobz');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /^csftrace: --type: unknown event type "jobz"/);
});

test('record: SIGINT closes the file with its index; SIGKILL leaves every flushed chunk readable', async () => {
  for (const sig of ['SIGINT', 'SIGKILL'] as const) {
    const p = join(dir, `${sig}.csft`);
    const child = spawn(process.execPath, [cli, 'record', '--scenario', 'stress', '--duration', '59m', '--chunk-events', '2048', '-o', p], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    // wait until a few chunks are on disk
    for (let i = 0; i < 600; i++) {
      await new Promise((r) => setTimeout(r, 50));
      try { if (statSync(p).size > 60_000) break; } catch { /* not yet created */ }
    }
    child.kill(sig);
    const code = await exited;
    const info = run('info', p, '--json');
    const j = JSON.parse(info.out) as { events: number; integrity: { indexed: boolean }; notices: string[] };
    assert.ok(j.events >= 2048, `${sig}: ${j.events} events`);
    if (sig === 'SIGINT') {
      assert.equal(code, 130);
      assert.match(out, /stopped early by SIGINT/);
      assert.equal(j.integrity.indexed, true);
      assert.deepEqual(j.notices, []);
      assert.equal(info.code, 0);
    } else {
      assert.equal(j.integrity.indexed, false);
      assert.equal(j.events % 2048, 0);
      assert.ok(j.notices.length > 0);
      assert.equal(info.code, 1);
    }
  }
});
