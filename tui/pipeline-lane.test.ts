/**
 * The timeline's display lane on a recorded secure pipeline: missed vblanks drawn with their
 * reason's letter (N: no pipeline before the GPU probes), then flips.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UNICODE_GLYPHS } from './canvas.js';
import { lanesOf, openReplay, replayApi } from './backend.js';
import { drawScreen } from './frame.js';
import { Session } from './session.js';

const MAIN = join(fileURLToPath(new URL('../../', import.meta.url)), 'dist/cli/main.js');

test('a display lane: N while the pipeline has no GPU, then flips; lanesOf counts flips and misses', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csft-lane-'));
  try {
    const path = join(dir, 'p.csft');
    const r = spawnSync(process.execPath, [MAIN, 'record', '--scenario', 'secure-video-pipeline', '--duration', '1200ms', '-o', path], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const { trace, replayer } = openReplay(path);
    try {
      const s = new Session(replayApi, replayer, { at: String(trace.eventCount - 1) });
      drawScreen(s, 120, 40, UNICODE_GLYPHS);
      while (s.sampleColumns(1000));
      const lines = drawScreen(s, 120, 40, UNICODE_GLYPHS).canvas.toText().split('\n');
      const lane = lines.find((l) => l.startsWith('│lcd'));
      assert.ok(lane, lines.slice(0, 10).join('\n'));
      const cells = lane.slice(7, -1);
      const firstFlip = cells.indexOf(UNICODE_GLYPHS.laneRun);
      assert.ok(cells.indexOf('N') >= 0 && cells.indexOf('N') < firstFlip, lane);
      assert.ok(firstFlip > 0, lane);
      const last = lanesOf(replayer.stateAt(trace.eventCount - 1)).displays ?? [];
      assert.equal(last.length, 1);
      const [lcd] = last;
      assert.ok(lcd);
      assert.equal(lcd.name, 'lcd');
      assert.ok(lcd.flips > 5 && lcd.misses >= 40, JSON.stringify(lcd));
    } finally {
      trace.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
