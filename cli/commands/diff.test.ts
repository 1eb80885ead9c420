import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeContainer } from '../../proto/index.js';
import { syntheticEvents, syntheticHeader } from '../../replayer/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = join(ROOT, 'dist/cli/main.js');

function run(args: string[], cwd: string): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('csftrace diff: exit 0 same, 1 different, 2 error; --json report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csftrace-diff-'));
  try {
    writeFileSync(join(dir, 'a.csft'), encodeContainer(syntheticHeader('shared'), syntheticEvents({ ticks: 30 })));
    writeFileSync(join(dir, 'b.csft'), encodeContainer(syntheticHeader('sole'), syntheticEvents({ ticks: 30, policy: 'sole' })));
    const same = run(['diff', 'a.csft', 'a.csft'], dir);
    assert.equal(same.code, 0, same.err);
    assert.match(same.out, /^same: /m);

    const diff = run(['diff', 'a.csft', 'b.csft', '--context', '1'], dir);
    assert.equal(diff.code, 1, diff.err);
    assert.match(diff.out, /^first divergence$/m);
    assert.match(diff.out, /^ {2}A decision 9 #\d+ /m);
    assert.match(diff.out, /^@@ A 9\.\.10 /m);

    const json = run(['diff', 'a.csft', 'b.csft', '--json'], dir);
    assert.equal(json.code, 1);
    const r = JSON.parse(json.out);
    assert.equal(r.a.path, 'a.csft');
    assert.equal(r.firstDivergence.b.decision.decision, 9);
    assert.equal(r.decisions.hunks, 3);

    const missing = run(['diff', 'a.csft', 'nope.csft'], dir);
    assert.equal(missing.code, 2);
    assert.equal(missing.err.trim(), 'csftrace: nope.csft: no such file');
    const bad = run(['diff', 'a.csft', 'b.csft', '--max-hunks', '-1'], dir);
    assert.equal(bad.code, 2);
    assert.equal(bad.err.split('\n').filter(Boolean).length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
