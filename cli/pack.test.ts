/**
 * The package as users install it: `npm pack` holds the built CLI, the schemas, the .proto, the man
 * page and the licence, and no tests or TypeScript sources; the tarball installs offline into an
 * empty directory without dev dependencies and without install scripts, and the installed `csftrace` prints its version, reads a golden trace and says that
 * recording needs the addon (read with the TypeScript LZ4 decoder). protobufjs is not a runtime dependency; engines matches the Node the
 * tests run on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
  version: string; dependencies: Record<string, string>; devDependencies: Record<string, string>;
  engines: { node: string }; bin: Record<string, string>; files: string[]; repository: { url: string }; license: string;
};

function npm(args: string[], cwd: string): { code: number; out: string; err: string } {
  const r = spawnSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' }, maxBuffer: 64 << 20 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('package.json: runtime dependencies without protobufjs, licence, repository, engines', () => {
  assert.equal(pkg.dependencies.protobufjs, undefined);
  assert.ok(pkg.devDependencies.protobufjs);
  assert.equal(pkg.license, 'MIT');
  assert.match(readFileSync(join(repo, 'LICENSE'), 'utf8'), /^MIT License\n/);
  assert.match(pkg.repository.url, /^git\+https:\/\//);
  const min = Number(/^>=(\d+)$/.exec(pkg.engines.node)?.[1]);
  assert.ok(Number(process.versions.node.split('.')[0]) >= min, `engines ${pkg.engines.node}, running ${process.version}`);
  assert.equal(`^${min}`, pkg.devDependencies['@types/node']?.split('.')[0]); // compiled against the oldest Node it accepts
  const ls = npm(['ls', '--omit=dev', '--all', '--parseable'], repo);
  assert.equal(ls.code, 0, ls.err);
  assert.doesNotMatch(ls.out, /protobufjs/);
  assert.match(ls.out, /node_modules\/commander/);
});

test('npm pack, then an offline install of the tarball without dev dependencies runs csftrace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csft-pack-'));
  try {
    const packed = npm(['pack', '--ignore-scripts', '--pack-destination', dir, '--json'], repo);
    assert.equal(packed.code, 0, packed.err);
    const [info] = JSON.parse(packed.out) as Array<{ filename: string; size: number; files: Array<{ path: string }> }>;
    assert.ok(info, packed.out);
    const files = info.files.map((f) => f.path);
    for (const want of ['dist/cli/main.js', 'dist/proto/gen/schema.js', 'dist/csftrace.1', 'LICENSE', 'README.md', 'proto/csftrace.proto', 'schemas/event.v1.json']) {
      assert.ok(files.includes(want), `the tarball lacks ${want}`);
    }
    assert.deepEqual(files.filter((f) => /\.test\.js$|\.testutil\.js$|\.ts$|^dist\/(bench|fuzz|test-support)\//.test(f)), []);
    assert.ok(info.size < 1_000_000, `tarball ${info.size} bytes`);

    // the install: the tarball plus the runtime packages of package-lock.json, from the npm cache
    const app = join(dir, 'app');
    mkdirSync(app);
    const tgz = join(dir, info.filename);
    const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const packages: Record<string, unknown> = {
      '': { name: 'app', dependencies: { csftrace: `file:../${info.filename}` } },
      'node_modules/csftrace': {
        version: pkg.version, resolved: `file:../${info.filename}`, license: pkg.license, bin: pkg.bin, engines: pkg.engines,
        integrity: `sha512-${createHash('sha512').update(readFileSync(tgz)).digest('base64')}`, dependencies: pkg.dependencies,
      },
    };
    for (const [k, v] of Object.entries(lock.packages)) if (k.startsWith('node_modules/') && !v.dev) packages[k] = v;
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, dependencies: { csftrace: `file:../${info.filename}` } }));
    writeFileSync(join(app, 'package-lock.json'), JSON.stringify({ name: 'app', lockfileVersion: 3, requires: true, packages }));
    const inst = npm(['ci', '--omit=dev', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], app);
    assert.equal(inst.code, 0, inst.err);
    assert.equal(existsSync(join(app, 'node_modules/protobufjs')), false);
    const bin = join(app, 'node_modules/.bin/csftrace');
    // The lz4 tarball ships an addon built for some Node: it loads here or it does not (install
    // scripts did not run); CSFTRACE_LZ4=js makes sure the TypeScript decoder is what reads.
    const run = (args: string[]): { code: number; out: string; err: string } => {
      const r = spawnSync(bin, args, { cwd: app, encoding: 'utf8', env: { ...process.env, CSFTRACE_LZ4: 'js' } });
      return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
    };
    const v = run(['--version']);
    assert.equal(v.code, 0, v.err);
    assert.equal(v.out, `${pkg.version}\n`);
    const golden = join(repo, 'traces/v1/priority-inversion.csft');
    const i = run(['info', golden, '--json']);
    assert.equal(i.code, 0, i.err);
    const doc = JSON.parse(i.out) as { events: number; integrity: { ok: boolean; deep: { decoded: number } } };
    assert.equal(doc.integrity.ok, true);
    assert.equal(doc.integrity.deep.decoded, doc.events);
    assert.ok(doc.events > 1000);
    const rec = run(['record', '--duration', '10ms', '-o', join(dir, 'r.csft')]);
    assert.equal(rec.code, 2);
    assert.match(rec.err, /^csftrace: writing a trace needs the lz4 package's native addon/);
    assert.match(run(['man']).out, /^\.\\" Generated by `csftrace man`/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
