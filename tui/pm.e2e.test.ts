/**
 * End-to-end: the runtime PM state in the UI (status line and the slots tab's first line) on the
 * golden runtime-pm-protected trace, at its first suspend and after the following resume.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openTrace, parseFilter } from '../replayer/index.js';
import { Tmux, tmuxAvailable } from './tmux-harness.js';
import { skipUnless } from '../test-support/skip.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'dist/cli/main.js');
const golden = join(root, 'traces/v1/runtime-pm-protected.csft');
const skip = skipUnless(tmuxAvailable() && existsSync(golden), 'tmux not installed or golden runtime-pm-protected.csft missing');

test('replay shows the runtime PM state: GPU OFF and PM SUSPENDED at a suspend, nothing extra once resumed', { skip }, async () => {
  const tf = openTrace(golden);
  let suspended = -1, resumed = -1;
  try {
    const f = parseFilter('type=Pm');
    for (let i = 0; i < tf.eventCount && resumed < 0; i++) {
      if (!f.matchEvent(tf.event(i), i)) continue;
      const b = tf.event(i).body;
      if (b.case === 'pm' && b.value.op === 3 /* PM_SUSPENDED */ && suspended < 0) suspended = i;
      else if (b.case === 'pm' && b.value.op === 5 /* PM_RESUMED */ && suspended >= 0) resumed = i;
    }
  } finally {
    tf.close();
  }
  assert.ok(suspended > 0 && resumed > suspended);
  const t = new Tmux(120, 40, 'replay');
  try {
    t.start(`node ${cli} replay ${golden} --at ${suspended}`);
    let screen = await t.waitFor(new RegExp(`#${suspended}/\\d+ │ [^│]+ │ GPU OFF PM SUSPENDED │`));
    assert.match(screen, /GPU OFF, no protected group, runtime PM SUSPENDED/);
    t.send(`g`);
    await t.waitFor(/go to/i);
    t.send(`${resumed}`);
    t.send('Enter');
    screen = await t.waitFor(new RegExp(`#${resumed}/\\d+ │ [^│]+ │ GPU NORMAL │`));
    assert.doesNotMatch(screen, /runtime PM SUSPENDED/);
    t.send('q');
    await t.waitFor('[exit 0]');
  } finally {
    t.kill();
  }
});
