import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PmOp } from '../../proto/index.js';
import { formatTables, renderState } from '../render-state.js';
import { Replayer } from '../replayer.js';
import { decodeStateSnapshot, encodeStateSnapshot } from '../snapshot.js';
import { openTrace } from '../trace-file.js';
import { skipUnless } from '../../test-support/skip.js';

const GOLDEN = fileURLToPath(new URL('../../../traces/v1/runtime-pm-protected.csft', import.meta.url));

test('the runtime PM state of a replayed trace: suspended between frames, resumed fast, one slow resume after a failed fast one', { skip: skipUnless(existsSync(GOLDEN), 'golden runtime-pm-protected.csft missing') }, () => {
  const tr = openTrace(GOLDEN);
  try {
    const r = Replayer.open(tr);
    let suspended = -1, resumedSlow = -1;
    for (let i = 0; i < tr.eventCount; i++) {
      const b = tr.event(i).body;
      if (b.case !== 'pm') continue;
      if (b.value.op === PmOp.PM_SUSPENDED && suspended < 0) suspended = i;
      if (b.value.op === PmOp.PM_RESUMED && !b.value.fast) resumedSlow = i;
    }
    assert.ok(suspended > 0 && resumedSlow > suspended);
    const s = r.stateAt(suspended);
    assert.equal(s.device.pm.state, 'PM_STATE_SUSPENDED');
    assert.equal(s.device.gpuMode, 'MODE_OFF');
    assert.equal(s.device.pm.hasRef, false);
    assert.ok(s.slots.every((sl) => sl.group === 0), 'no group resident while suspended');
    const end = r.stateAt(tr.eventCount - 1);
    assert.equal(end.device.pm.slowResumes, 1);
    assert.equal(end.device.pm.fastFailed, 1);
    assert.ok(end.device.pm.fastResumes >= 5, `${end.device.pm.fastResumes} fast resumes`);
    assert.ok(end.device.pm.suspends >= end.device.pm.fastResumes + end.device.pm.slowResumes);
    assert.match(formatTables(renderState(r.stateAt(suspended))), /runtime PM +SUSPENDED since #\d+ .* sched holds no PM reference; 1 suspends/);
  } finally {
    tr.close();
  }
});

test('a state snapshot written before runtime PM was traced (no device.pm, fewer families) still loads', { skip: skipUnless(existsSync(GOLDEN), 'golden runtime-pm-protected.csft missing') }, () => {
  const tr = openTrace(GOLDEN);
  try {
    const s = Replayer.open(tr).stateAt(10);
    const old = JSON.parse(new TextDecoder().decode(encodeStateSnapshot(s))) as { device: Record<string, unknown>; counters: { families: number[] } };
    delete old.device.pm;
    old.counters.families = old.counters.families.slice(0, 18);
    const back = decodeStateSnapshot({ eventIndex: 10, timeNs: 0, state: new TextEncoder().encode(JSON.stringify(old)), encoding: 1 });
    assert.equal(back.device.pm.state, '');
    assert.equal(back.counters.families.length, s.counters.families.length);
  } finally {
    tr.close();
  }
});
