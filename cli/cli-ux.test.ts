/**
 * The CLI as people who use git and trace-cmd expect it, run as a subprocess: completion scripts and
 * the man page hold every command and option; bash completion completes; --color and NO_COLOR;
 * traces from standard input; exit statuses as --help and the README state them; `next:` hints
 * that run as printed; the wrapper script before `npm ci`; reading without the lz4 addon.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProgram } from './program.js';
import { EXIT_STATUS } from './exit-status.js';
import { resetColor, setColor, useColor } from './color.js';
import { invokedAs, shellWord } from './invocation.js';
import { skipUnless } from '../test-support/skip.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(repo, 'dist/cli/main.js');
const tiny = join(repo, 'traces/v1/tiny.csft');
const golden = join(repo, 'traces/v1/priority-inversion.csft');

interface Run { code: number; out: string; err: string }
function run(args: string[], o: { input?: Buffer | string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Run {
  const r = spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8', cwd: o.cwd ?? repo, input: o.input, maxBuffer: 64 << 20,
    env: { ...process.env, NO_COLOR: undefined, ...o.env },
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const program = await buildProgram();
const commands = program.commands.filter((c) => c.name() !== 'help');

test('completion scripts and the man page hold every command, alias and option', () => {
  const bash = run(['completion', 'bash']).out;
  const zsh = run(['completion', 'zsh']).out;
  const fish = run(['completion', 'fish']).out;
  const man = run(['man']).out;
  assert.ok(commands.length >= 19);
  for (const c of commands) {
    for (const n of [c.name(), ...c.aliases()]) {
      assert.match(bash, new RegExp(`[ |(]${n}[|)]`), `bash: ${n}`);
      assert.ok(zsh.includes(`'${n}:`), `zsh: ${n}`);
      assert.ok(fish.includes(`-a ${n} `), `fish: ${n}`);
      assert.ok(man.includes(`.SS "csftrace ${[c.name(), ...c.aliases()].join('|')} `), `man: ${n}`);
    }
    for (const o of c.options.filter((x) => !x.hidden)) {
      for (const f of [o.short, o.long].filter((x): x is string => x !== undefined)) {
        assert.ok(bash.includes(` ${f}`), `bash: ${c.name()} ${f}`);
        assert.ok(zsh.includes(`'${f}[`) || zsh.includes(`'${f}=[`), `zsh: ${c.name()} ${f}`);
        assert.ok(fish.includes(f.startsWith('--') ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`), `fish: ${c.name()} ${f}`);
        assert.ok(man.includes(f.replace(/-/g, '\\-')), `man: ${c.name()} ${f}`);
      }
    }
  }
  for (const text of [bash, zsh, fish]) assert.match(text, /-(-|l )color/);
  assert.match(man, /^\.TH CSFTRACE 1 /m);
  assert.match(man, /\.SH EXIT STATUS/);
  assert.match(man, /\.B NO_COLOR/);
  // the help text after the options (examples, exit status) is in the man page too
  assert.ok(man.includes(`Exit status: ${EXIT_STATUS.check!.replace(/-/g, '\\-')}.`));
  // the build writes the same page for `npm pack`'s man entry
  assert.equal(readFileSync(join(repo, 'dist/csftrace.1'), 'utf8'), man);
});

test('bash completion completes commands, options, option values and files', { skip: skipUnless(spawnSync('bash', ['--version']).status === 0, 'bash') }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'csft-compl-'));
  try {
    const script = join(dir, 'c.bash');
    writeFileSync(script, run(['completion', 'bash']).out);
    writeFileSync(join(dir, 'a.csft'), '');
    const complete = (words: string[]): string[] => {
      const r = spawnSync('bash', ['-c', `source ${script}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _csftrace; printf '%s\\n' "\${COMPREPLY[@]}"`], { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.split('\n').filter(Boolean).sort();
    };
    assert.deepEqual(complete(['csftrace', 'ch']), ['check']);
    assert.deepEqual(complete(['csftrace', 'check', '--st']), ['--starvation-bound']);
    assert.deepEqual(complete(['csftrace', '--color', '']), ['always', 'auto', 'never']);
    assert.deepEqual(complete(['csftrace', '--color', 'never', 'inf']), ['info']);
    assert.deepEqual(complete(['csftrace', 'info', 'a.']), ['a.csft']);
    assert.deepEqual(complete(['csftrace', 'completion', '--h']), ['--help']);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('--color=always|never|auto beside NO_COLOR', () => {
  const a = join(repo, 'traces/v1/drm-video-over-ui.csft');
  const b = join(repo, 'traces/v1/drm-video-over-ui-kbase.csft');
  const esc = /\x1b\[3[12]m/;
  const always = run(['--color=always', 'diff', a, b]);
  assert.equal(always.code, 1, always.err);
  assert.match(always.out, esc);
  assert.match(run(['diff', a, b, '--color', 'always'], { env: { NO_COLOR: '1' } }).out, esc); // after the command too; beats NO_COLOR
  assert.doesNotMatch(run(['diff', a, b, '--color=never']).out, esc);
  assert.doesNotMatch(run(['diff', a, b]).out, esc); // auto: standard output is a pipe here
  const bad = run(['--color=sometimes', 'info', tiny]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /^csftrace: option '--color <when>' argument 'sometimes' is invalid\. Allowed choices are auto, always, never\.\n$/);
  // auto on a terminal: colour unless NO_COLOR is set to something
  const tty = { isTTY: true };
  const saved = process.env.NO_COLOR;
  try {
    delete process.env.NO_COLOR;
    assert.equal(useColor(tty), true);
    assert.equal(useColor({ isTTY: false }), false);
    process.env.NO_COLOR = '';
    assert.equal(useColor(tty), true);
    process.env.NO_COLOR = '1';
    assert.equal(useColor(tty), false);
    setColor('always');
    assert.equal(useColor({ isTTY: false }), true);
    assert.equal(process.env.NO_COLOR, undefined); // the terminal UI reads NO_COLOR itself
    resetColor();
    assert.equal(process.env.NO_COLOR, '1');
    setColor('never');
    assert.equal(useColor(tty), false);
    assert.equal(process.env.NO_COLOR, '1');
  } finally {
    resetColor();
    if (saved === undefined) delete process.env.NO_COLOR; else process.env.NO_COLOR = saved;
  }
});

test('a trace from standard input (-): the same output as from the file, spool removed, bounded', () => {
  const bytes = readFileSync(golden);
  const tmp = mkdtempSync(join(tmpdir(), 'csft-stdin-'));
  try {
    const env = { TMPDIR: tmp };
    const same = (args: string[]): void => {
      const fromFile = run(args.map((a, i) => (i === 1 && a === '-' ? golden : a))); // the trace argument; -o - stays
      const fromPipe = run(args, { input: bytes, env });
      assert.equal(fromPipe.code, fromFile.code, `${args.join(' ')}: ${fromPipe.err}`);
      assert.equal(fromPipe.out.split(golden).join('<stdin>'), fromFile.out.split(golden).join('<stdin>'), args.join(' '));
    };
    same(['info', '-', '--json']);
    same(['events', '-', '--from', '100', '--limit', '50', '--json']);
    same(['check', '-', '--json']);
    same(['state', '-', '--at', '500', '--json']);
    same(['export', '-', '--format', 'jsonl', '--to', '300', '-o', '-']);
    same(['verify', '-', '--json']);
    same(['diff', '-', join(repo, 'traces/v1/priority-inversion.csft'), '--json']);
    const dump = spawnSync(process.execPath, [cli, 'dump', '-', '--chunk', '0'], { input: bytes, env: { ...process.env, TMPDIR: tmp } });
    assert.equal(dump.status, 0);
    assert.deepEqual(dump.stdout, spawnSync(process.execPath, [cli, 'dump', golden, '--chunk', '0']).stdout);
    assert.deepEqual(readdirSync(tmp), []); // every spool was removed
    const two = run(['diff', '-', '-'], { input: bytes, env });
    assert.equal(two.code, 2);
    assert.equal(two.err, 'csftrace: -: standard input can be given as only one of the traces\n');
    const big = run(['info', '-'], { input: bytes, env: { ...env, CSFTRACE_STDIN_MAX: '1000' } });
    assert.equal(big.code, 2);
    assert.equal(big.err, 'csftrace: <stdin>: more than 1000 bytes: save the trace to a file and give its name\n');
    const empty = run(['info', '-'], { input: '', env });
    assert.equal(empty.code, 2);
    assert.equal(empty.err, 'csftrace: <stdin>: empty file (0 bytes): not a trace\n');
    assert.deepEqual(readdirSync(tmp), []);
    // a recording piped into another command, and rerun's -o -
    const rerun = spawnSync(process.execPath, [cli, 'rerun', '-', '--policy', 'kbase', '-o', '-'], { input: readFileSync(tiny), env: { ...process.env, TMPDIR: tmp } });
    assert.equal(rerun.status, 0, rerun.stderr.toString());
    assert.match(rerun.stderr.toString(), /^rerun <stdin> \(panthor-2026\) under kbase\/probe-defer: stdout, \d+ events/);
    const info = JSON.parse(run(['info', '-', '--json'], { input: rerun.stdout, env }).out) as { header: { policy: string; metadata: Record<string, string> } };
    assert.equal(info.header.policy, 'kbase');
    assert.equal(info.header.metadata.rerun_of, '<stdin>');
  } finally { rmSync(tmp, { recursive: true, force: true }); }
});

test('exit statuses: every command\'s --help states it, the README\'s table agrees, and the cases hold', () => {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  for (const c of commands) {
    const status = EXIT_STATUS[c.name()];
    assert.ok(status, `${c.name()}: no exit status in cli/exit-status.ts`);
    const help = run([c.name(), '--help']);
    assert.equal(help.code, 0);
    assert.ok(help.out.includes(`Exit status: ${status}.`), `${c.name()} --help`);
    assert.ok(readme.includes(`| \`${c.name()}\` | ${status} |`), `README exit status row of ${c.name()}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'csft-exit-'));
  try {
    const cut = join(dir, 'cut.csft');
    writeFileSync(cut, readFileSync(golden).subarray(0, 20000));
    assert.equal(run(['info', golden]).code, 0);
    assert.equal(run(['info', cut]).code, 1);
    assert.equal(run(['check', cut]).code, 1);
    assert.equal(run(['diff', golden, golden]).code, 0);
    assert.equal(run(['diff', golden, join(repo, 'traces/v1/drm-video-over-ui.csft')]).code, 1);
    assert.equal(run(['verify', tiny]).code, 0);
    for (const cmd of ['info', 'events', 'state', 'check', 'verify', 'export', 'dump', 'trim', 'bugreport', 'diff']) {
      const extra = cmd === 'dump' ? ['--chunk', '0'] : cmd === 'diff' ? [golden] : cmd === 'trim' ? ['--around', '1', '-o', join(dir, 't.csft')] : cmd === 'bugreport' ? ['-o', join(dir, 'r')] : cmd === 'export' ? ['--format', 'jsonl', '-o', '-'] : [];
      const r = run([cmd, join(dir, 'missing.csft'), ...extra]);
      assert.equal(r.code, 2, cmd);
      assert.match(r.err, /^csftrace: \S*missing\.csft: no such file\n$/, `${cmd}: ${r.err}`);
    }
    assert.equal(run(['completion', 'tcsh']).code, 2);
    assert.equal(run(['nonsense']).code, 2);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('next: hints run as printed: ./csftrace from a checkout, the installed name, node <path>', () => {
  assert.equal(shellWord('demo.csft'), 'demo.csft');
  assert.equal(shellWord('my trace.csft'), "'my trace.csft'");
  assert.equal(shellWord("it's"), "'it'\\''s'");
  const cwd = process.cwd();
  assert.equal(invokedAs({ CSFTRACE_INVOKED_AS: join(cwd, 'csftrace') }, cli), './csftrace');
  assert.equal(invokedAs({ CSFTRACE_INVOKED_AS: './csftrace' }, cli), './csftrace');
  assert.equal(invokedAs({ CSFTRACE_INVOKED_AS: '/elsewhere/csftrace' }, cli), '/elsewhere/csftrace');
  assert.equal(invokedAs({}, '/usr/local/bin/csftrace'), 'csftrace');
  assert.match(invokedAs({}, cli), /^node \S+main\.js$/);
  const dir = mkdtempSync(join(tmpdir(), 'csft-hint-'));
  try {
    const r = spawnSync(join(repo, 'csftrace'), ['rerun', tiny, '--policy', 'kbase', '-o', 'k b.csft'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const line = /^compare: (.*)$/m.exec(r.stdout)?.[1];
    assert.equal(line, `${join(repo, 'csftrace')} diff ${tiny} 'k b.csft'`);
    const again = spawnSync('sh', ['-c', line!], { cwd: dir, encoding: 'utf8' });
    assert.equal(again.status, 1, again.stderr); // the diff ran: the policies differ
    assert.match(again.stdout, /first divergence/i);
    const fromRepo = spawnSync('./csftrace', ['rerun', tiny, '--policy', 'kbase', '-o', join(dir, 'k.csft')], { cwd: repo, encoding: 'utf8' });
    assert.match(fromRepo.stdout, /^compare: \.\/csftrace diff /m);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('the wrapper script before npm ci and before a build: what to run, no stack trace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csft-wrap-'));
  try {
    copyFileSync(join(repo, 'csftrace'), join(dir, 'csftrace'));
    const r1 = spawnSync('sh', [join(dir, 'csftrace'), 'info', 'x.csft'], { encoding: 'utf8' });
    assert.equal(r1.status, 2);
    assert.equal(r1.stdout, '');
    assert.match(r1.stderr, /^csftrace: the dependencies are not installed: run `npm ci` in \S+ \(it builds too\), then \S+ again\n$/);
    mkdirSync(join(dir, 'node_modules/commander'), { recursive: true });
    const r2 = spawnSync('sh', [join(dir, 'csftrace'), 'info', 'x.csft'], { encoding: 'utf8' });
    assert.equal(r2.status, 2);
    assert.match(r2.stderr, /^csftrace: not built: run `npm run build` in \S+, then \S+ again\n$/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('without the lz4 addon: reading commands give the same output; writing ones say what to do', () => {
  const env = { CSFTRACE_LZ4: 'js' };
  for (const args of [['info', golden, '--json'], ['events', golden, '--from', '2000', '--limit', '300'], ['check', golden, '--json'], ['state', golden, '--at', '3000', '--json']]) {
    const a = run(args);
    const b = run(args, { env });
    assert.equal(b.code, a.code, b.err);
    assert.equal(b.out, a.out, args.join(' '));
  }
  const dir = mkdtempSync(join(tmpdir(), 'csft-nolz4-'));
  try {
    const rec = run(['record', '--duration', '10ms', '-o', join(dir, 'r.csft')], { env });
    assert.equal(rec.code, 2);
    assert.match(rec.err, /^csftrace: writing a trace needs the lz4 package's native addon, which is not built here \(reading works without it\): run `npm rebuild lz4`.*\n$/);
    assert.deepEqual(readdirSync(dir), []);
    const trim = run(['trim', golden, '--around', '100', '-o', join(dir, 't.csft')], { env });
    assert.equal(trim.code, 2);
    assert.match(trim.err, /native addon/);
    assert.deepEqual(readdirSync(dir), []);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('./csftrace reached through a symbolic link runs the checkout it points into', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csftrace-link-'));
  try {
    const wrapper = fileURLToPath(new URL('../../csftrace', import.meta.url));
    symlinkSync(wrapper, join(dir, 'csftrace'));
    symlinkSync(join(dir, 'csftrace'), join(dir, 'cs'));
    for (const name of ['csftrace', 'cs']) {
      const r = spawnSync(join(dir, name), ['--version'], { encoding: 'utf8', cwd: dir });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
    }
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
