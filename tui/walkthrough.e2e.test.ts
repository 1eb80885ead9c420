/**
 * The README's worked example, run as a user runs it: record the default scenario, `check` names the
 * root decision, the TUI opened at `trace.csft#ev=<root>` shows that decision and its "why", `diff`
 * against the reviewed policy names it as the first divergence, `bugreport` centres on it and its
 * reproduce block runs as written; `simulate`, `diff` and the bug report agree on the metrics.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tmux, statusIndex, tmuxAvailable } from './tmux-harness.js';
import { skipUnless } from '../test-support/skip.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'dist/cli/main.js');
// Under CI the terminal part must run: a missing tmux fails there instead of skipping.
const skip = skipUnless(tmuxAvailable(), 'tmux not installed');
let dir = '';

function run(args: string[], cwd = dir): { code: number; out: string; err: string } {
  const r = spawnSync('node', [cli, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'csftrace-walkthrough-'));
  const r = run(['record', '-o', 'demo.csft']);
  assert.equal(r.code, 0, r.err);
});
after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

let rootIdx = -1;

test('walkthrough: check names the weston grant as the root decision; diff and the bug report land on it', () => {
  const c = run(['check', 'demo.csft', '--json']);
  assert.equal(c.code, 1, 'findings: exit 1');
  const rep = JSON.parse(c.out) as { findings: { rule: string; index: number; root: number; message: string }[]; clean: boolean };
  assert.equal(rep.clean, false);
  const first = rep.findings[0];
  assert.ok(first, 'a finding');
  assert.equal(first.rule, 'R20');
  assert.match(first.message, /GRANTED to group \d+ \(weston\), which has no pending protected queue/);
  assert.equal(first.root, first.index, 'the grant is its own root');
  rootIdx = first.root;
  assert.ok(rep.findings.some((f) => f.rule === 'R21' && /\(video\) waited/.test(f.message)), 'the video starves');
  const text = run(['check', 'demo.csft']).out;
  assert.match(text, new RegExp(`^R20 +protm-grant-needs-pending +#${rootIdx} .* root #${rootIdx}$`, 'm'));

  const rr = run(['rerun', 'demo.csft', '--policy', 'panthor-2026-reviewed', '-o', 'reviewed.csft']);
  assert.equal(rr.code, 0, rr.err);
  const d = run(['diff', 'demo.csft', 'reviewed.csft']);
  assert.equal(d.code, 1);
  assert.match(d.out, new RegExp(`^first divergence .*\\n {2}A decision 0 #${rootIdx} [\\d.]+ms TRIGGER_\\w+ slots\\[0:weston:0@15 START\\] PROTM_GRANTED weston:0 \\(RULE_FIRST_OF_HIGHEST_LIST\\)$`, 'm'));
  assert.match(d.out, new RegExp(`^ {2}B decision 0 #${rootIdx} [\\d.]+ms TRIGGER_\\w+ slots\\[0:weston:0@15 START\\]$`, 'm'));

  const b = run(['bugreport', 'demo.csft', '--baseline', 'reviewed.csft', '-o', 'report']);
  assert.equal(b.code, 0, b.err);
  const md = readFileSync(join(dir, 'report', 'report.md'), 'utf8');
  assert.match(md, new RegExp(`^Point of interest: \\[#${rootIdx}\\]\\(trace\\.csft#ev=${rootIdx}\\)`, 'm'));
  // The reproduce block runs as written from the bundle (the TUI line aside).
  const block = /## Reproduce\n\n```sh\n([\s\S]*?)```/.exec(md)![1]!;
  const lines = block.split('\n').filter((l) => l.startsWith('csftrace ') && !l.startsWith('csftrace replay'));
  assert.ok(lines.some((l) => l.startsWith('csftrace rerun ')) && lines.some((l) => l.startsWith('csftrace diff ')));
  for (const l of lines) {
    const args = l.replace(/\s+#.*$/, '').split(/\s+/).slice(1);
    const r = run(args, join(dir, 'report'));
    assert.ok(r.code === 0 || ((args[0] === 'check' || args[0] === 'diff') && r.code === 1), `${l}: exit ${r.code} ${r.err}`);
  }
  assert.ok(existsSync(join(dir, 'report', 'baseline.csft')));
  assert.equal(run(['verify', 'trace.csft'], join(dir, 'report')).code, 0, 'the bundled trace is untouched');

  // One metrics module: simulate, diff and the bug report agree.
  const sim = JSON.parse(run(['simulate', '--json']).out) as { metrics: { apps: Record<string, Record<string, number>> } };
  const dj = JSON.parse(run(['diff', 'demo.csft', 'reviewed.csft', '--json']).out) as { consequences: { apps: { name: string; a: Record<string, number> }[] } };
  for (const app of ['weston', 'video', 'ml-batch']) {
    const fromDiff = dj.consequences.apps.find((x) => x.name === app)!.a;
    for (const k of ['jobsDone', 'gpuNs', 'framesDone', 'framesExpected', 'lateFrames', 'longestStarvationNs', 'blockedProtmNs']) {
      assert.equal(sim.metrics.apps[app]?.[k], fromDiff[k], `${app} ${k}: simulate and diff agree`);
    }
  }
  assert.match(md, /\| video \| /);
});

test('walkthrough: the TUI opened at the root decision shows the grant and why', { skip }, async () => {
  assert.ok(rootIdx >= 0, 'the check step ran first');
  const t = new Tmux(120, 40, 'walkthrough');
  try {
    t.start(`node ${cli} replay ${join(dir, 'demo.csft')}#ev=${rootIdx}`);
    const screen = await t.waitFor(new RegExp(`^ #${rootIdx}/\\d+ `, 'm'), 15000);
    assert.equal(statusIndex(screen), rootIdx);
    assert.match(screen, /PROTM_GRANTED/);
    const why = await t.waitFor(/pending queues not/, 10000);
    assert.match(why, /panthor-2026 as posted/);
    t.send('q');
    await t.waitFor('[exit 0]');
  } finally {
    t.kill();
  }
});
