/**
 * Notes (csftrace note) are shown at their events everywhere: `events` (text and JSON), `info`,
 * and the TUI's detail pane and events list.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Session, openReplay, replayApi } from '../../tui/index.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(repo, 'dist/cli/main.js');
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: repo });

test('a note shows under its event in events, in events --json, in info and in the TUI', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'csftrace-notes-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const trace = join(dir, 'n.csft');
  copyFileSync(join(repo, 'traces/v1/tiny.csft'), trace);
  assert.equal(run('note', trace, '--at', '20', 'FW boots here').status, 0);
  assert.equal(run('note', trace, '--at', '20', 'second note').status, 0);

  const text = run('events', trace, '--from', '19', '--limit', '3');
  assert.equal(text.status, 0, text.stderr);
  const lines = text.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^#19 /);
  assert.match(lines[1]!, /^#20 /);
  assert.deepEqual(lines.slice(2, 4), ['    note: FW boots here', '    note: second note']);
  assert.match(lines[4]!, /^#21 /);

  const json = run('events', trace, '--from', '20', '--limit', '2', '--json');
  const [a, b] = json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(a.notes, ['FW boots here', 'second note']);
  assert.equal(b.notes, undefined);

  assert.match(run('info', trace).stdout, /#20\s+FW boots here/);

  const { trace: tr, replayer } = openReplay(trace);
  try {
    const s = new Session(replayApi, replayer, { at: '20' });
    assert.equal(s.index, 20);
    assert.deepEqual(s.detail()!.notes, ['FW boots here', 'second note']);
    assert.deepEqual(s.notesAt(21), []);
  } finally {
    tr.close();
  }
});
