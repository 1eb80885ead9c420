/**
 * Hostile files in, nothing harmed out (the outputs): -o never clobbers, write errors are one line,
 * no control character reaches a terminal, the bug bundle is redacted, a note never hides damage.
 * Each test starts from a minimal input and runs the CLI as the user does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, readdirSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { assertOneLineError, base, cli, dir, repo, run, withHeader, write } from './hostile-support.js';

// ─── 1. output paths ───────────────────────────────────────────────────────────────────────

test('1: -o never replaces a link, a device or a non-trace file; --force replaces a file; -o - is stdout', () => {
  const target = write('precious.txt', new TextEncoder().encode('not a trace\n'));
  const link = join(dir, 'link.csft');
  symlinkSync(target, link);
  for (const args of [
    ['trim', base, '--from', '0', '--to', '10', '-o', link],
    ['export', base, '--format', 'jsonl', '-o', link],
    ['record', '--duration', '10ms', '-o', link],
  ]) {
    assertOneLineError(run(args), /link\.csft: is a symbolic link, not a regular file/);
    assert.equal(readlinkSync(link), target);
  }
  // a device is never renamed over or truncated
  assertOneLineError(run(['trim', base, '--from', '0', '--to', '10', '-o', '/dev/null']), /\/dev\/null: is a character device/);
  assertOneLineError(run(['export', base, '--format', 'perfetto', '-o', '/dev/stdout']), /\/dev\/stdout: is a symbolic link/);
  assert.ok(lstatSync('/dev/null').isCharacterDevice());
  // an existing file that is not a trace: refused, unchanged; --force replaces it
  for (const args of [['trim', base, '--from', '0', '--to', '10'], ['record', '--duration', '10ms'], ['rerun', base, '--policy', 'kbase']]) {
    assertOneLineError(run([...args, '-o', target]), /precious\.txt: exists and is not a csftrace trace: not overwritten \(--force replaces it\)/);
    assert.equal(readFileSync(target, 'utf8'), 'not a trace\n');
  }
  assertOneLineError(run(['export', base, '--format', 'chrome-json', '-o', target]), /exists and is not a chrome-json export/);
  const forced = run(['trim', base, '--from', '0', '--to', '10', '-o', target, '--force']);
  assert.equal(forced.code, 0, forced.err);
  assert.equal(readFileSync(target).subarray(0, 4).toString('latin1'), '\x89CSF');
  // a trace (or an earlier export of the same format) is replaced without --force
  assert.equal(run(['trim', base, '--from', '0', '--to', '20', '-o', target]).code, 0);
  const json = join(dir, 'x.json');
  assert.equal(run(['export', base, '--format', 'chrome-json', '-o', json]).code, 0);
  assert.equal(run(['export', base, '--format', 'chrome-json', '-o', json]).code, 0);
  // -o - writes to standard output where the output is one stream, and makes no file named "-"
  const t = spawnSync(process.execPath, [cli, 'trim', base, '--from', '0', '--to', '10', '-o', '-'], { cwd: dir });
  assert.equal(t.status, 0, String(t.stderr));
  assert.equal(t.stdout.subarray(0, 4).toString('latin1'), '\x89CSF');
  const j = run(['export', base, '--format', 'jsonl', '--to', '4', '-o', '-']);
  assert.equal(j.out.trim().split('\n').length, 5);
  // A recording streams: -o - is the trace on standard output, /dev/null is written into, not replaced.
  const rec = spawnSync(process.execPath, [cli, 'record', '--duration', '10ms', '-o', '-'], { cwd: dir });
  assert.equal(rec.status, 0, String(rec.stderr));
  assert.equal(rec.stdout.subarray(0, 4).toString('latin1'), '\x89CSF');
  assert.equal(run(['record', '--duration', '10ms', '-o', '/dev/null']).code, 0);
  assert.ok(lstatSync('/dev/null').isCharacterDevice());
  assert.equal(existsSync(join(dir, '-')), false);
  assert.equal(existsSync(join(repo, '-')), false);
});

// ─── 5. write errors ───────────────────────────────────────────────────────────────────────

test('5: write errors are one line and exit 2: file-size limit, full device, read-only directory', () => {
  const big = join(dir, 'efbig.csft');
  const efbig = run([], { shell: `ulimit -f 8; exec "${process.execPath}" "$CLI" export "${base}" --format jsonl -o "${big}"` });
  assertOneLineError(efbig, /efbig\.csft: cannot write \(EFBIG: file too large/);
  assert.equal(readdirSync(dir).some((f) => f.includes('efbig.csft.tmp')), false, 'no temporary file left');
  const full = run([], { shell: `exec "${process.execPath}" "$CLI" events "${base}" > /dev/full` });
  assertOneLineError(full, /<stdout>: cannot write \(ENOSPC: no space left on the device\)/);
  // a directory that cannot be made (under /proc): one line, at once
  assertOneLineError(run(['bugreport', base, '-o', '/proc/1/csftrace-report']), /\/proc\/1\/csftrace-report: cannot write \((ENOENT|EACCES|EPERM)/);
  if (userInfo().uid !== 0) {
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    assertOneLineError(run(['bugreport', base, '-o', join(ro, 'report')]), /ro\/report: cannot write \(EACCES: permission denied\)/);
    chmodSync(ro, 0o755);
  }
});

// ─── 8. control characters ─────────────────────────────────────────────────────────────────

test('8: control characters in notes and header strings reach no terminal raw', () => {
  const p = join(dir, 'escapes.csft');
  writeFileSync(p, readFileSync(base));
  assert.equal(run(['note', p, '--at', '3', 'retitle \x1b]0;pwned\x07 clear \x1b[2J rtl \u202e c1 \u009b2J del \x7f']).code, 0);
  const withHdr = withHeader('escapes-header.csft', (h) => { h.scenarioName = 'evil\x1b[2Jname\u009b2J'; h.metadata = { ...h.metadata, source: '\x1b]0;x\x07' }; });
  for (const args of [['info', p], ['info', p, '--json'], ['events', p, '--limit', '5'], ['events', p, '--json', '--limit', '5'], ['info', withHdr], ['check', withHdr], ['state', withHdr],
    // the JSON exports to standard output: JSON's escapes, and \uXXXX for what JSON.stringify leaves raw
    ['export', p, '--format', 'jsonl', '--to', '5', '-o', '-'], ['export', withHdr, '--format', 'chrome-json', '--to', '5', '-o', '-']]) {
    const r = run(args);
    assert.ok(r.code === 0 || r.code === 1, `${args.join(' ')}: ${r.err}`);
    assert.doesNotMatch(r.out + r.err, /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/, args.join(' '));
  }
  assert.match(run(['export', p, '--format', 'jsonl', '--to', '5', '-o', '-']).out, /rtl \\u202e c1 \\u009b2J del \\u007f/);
  assert.match(run(['export', withHdr, '--format', 'chrome-json', '--to', '5', '-o', '-']).out, /evil\\u001b\[2Jname\\u009b2J/);
  assert.match(run(['info', p]).out, /retitle \\x1b\]0;pwned\\x07 clear \\x1b\[2J rtl \\u202e/);
  const out = join(dir, 'esc-report');
  assert.equal(run(['bugreport', p, '-o', out, '--at', '3']).code, 0);
   
  assert.doesNotMatch(readFileSync(join(out, 'report.md'), 'utf8'), /[\x00-\x08\x0b-\x1f\x7f]/);
});

// ─── 9. the bug bundle is redacted ─────────────────────────────────────────────────────────

test('9: absolute paths, the user name and the host name are redacted from the bundle; --no-redact keeps them', () => {
  const user = userInfo().username, host = hostname();
  // a system account (root under CI) is on every machine: not redacted, and "root decision" stays readable
  const personal = userInfo().uid >= 1000;
  const p = join(dir, 'private.csft');
  writeFileSync(p, readFileSync(base));
  const text = `seen in /home/${user}/work/private.yaml on ${host} by ${user}`;
  assert.equal(run(['note', p, '--at', '3', text]).code, 0);
  const out = join(dir, 'redacted');
  const r = run(['bugreport', p, '-o', out, '--at', '3']);
  assert.equal(r.code, 0, r.err);
  const hostRedacted = host.length >= 3;
  assert.match(r.out, new RegExp(`redacted: the directories of 1 absolute path \\(as <dir>\\)${personal ? ', the user name \\(as <user>\\)' : ''}${hostRedacted ? ', the host name \\(as <host>\\)' : ''}`));
  const md = readFileSync(join(out, 'report.md'), 'utf8');
  const expected = `seen in <dir>/private.yaml on ${hostRedacted ? '<host>' : host} by ${personal ? '<user>' : user}`;
  assert.ok(md.includes(expected), md);
  assert.match(md, /## Redacted/);
  const bundle = readFileSync(join(out, 'trace.csft')).toString('latin1');
  for (const secret of [`/home/${user}`, ...(hostRedacted ? [` ${host} `] : [])]) {
    assert.equal(md.includes(secret), false, secret);
    assert.equal(bundle.includes(secret), false, secret);
  }
  const notes = JSON.parse(run(['info', join(out, 'trace.csft'), '--json']).out) as { notes: { text: string }[]; integrity: { ok: boolean } };
  assert.equal(notes.integrity.ok, true);
  assert.equal(notes.notes.at(-1)!.text, expected);
  const kept = join(dir, 'kept');
  assert.equal(run(['bugreport', p, '-o', kept, '--at', '3', '--no-redact']).code, 0);
  assert.match(readFileSync(join(kept, 'report.md'), 'utf8'), new RegExp(`/home/${user}/work/private\\.yaml`));
});

// ─── 10. note never makes a damaged trace look intact ──────────────────────────────────────

test('10: note on a damaged trace keeps it damaged', () => {
  const whole = readFileSync(base);
  const cut = write('cut.csft', whole.subarray(0, whole.length - 3000));
  assert.equal(run(['info', cut]).code, 1);
  const r = run(['note', cut, '--at', '2', 'after the crash']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /the trace is damaged: no new index was written/);
  const info = run(['info', cut]);
  assert.equal(info.code, 1);
  assert.match(info.out, /integrity +DAMAGED/);
  assert.match(info.out, /#2 +after the crash/);
});

