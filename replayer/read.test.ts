/**
 * replayer/read.ts stays the light entry it is for: the files it reaches through its imports
 * include none of the model, the recorder, diff, check, export, metrics, verify or bug reports
 * (each of which would be loaded by every `state`, `info` or `events` at start-up).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { repo } from '../test-support/sources.js';

/** Repo-relative .ts files reached from `start` through value imports and re-exports. */
function reached(start: string): Set<string> {
  const seen = new Set<string>();
  const todo = [start];
  while (todo.length) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    const text = readFileSync(join(repo, f), 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'(\.[^']+)\.js'/gms)) {
      const target = normalize(join(dirname(f), `${m[1]}.ts`));
      if (existsSync(join(repo, target))) todo.push(relative('.', target));
    }
  }
  return seen;
}

test('replayer/read.ts reaches no model, recorder, diff, check, export, metrics, verify or bug-report code', () => {
  const files = [...reached('replayer/read.ts')];
  assert.ok(files.includes('replayer/reducer.ts') && files.includes('replayer/keyframe-index.ts'), 'the walk follows imports');
  const heavy = files.filter((f) => /^(hw-model|recorder)\/|^replayer\/(diff|check|export|metrics)\/|^replayer\/(verify|rerun|bugreport)\.ts$/.test(f));
  assert.deepEqual(heavy, []);
});

test('the commands that only read a trace import the replayer through read.ts', () => {
  for (const f of ['cli/commands/state.ts', 'cli/commands/info.ts', 'cli/commands/events.ts', 'cli/output.ts', 'cli/trace-input.ts']) {
    const text = readFileSync(join(repo, f), 'utf8');
    assert.doesNotMatch(text, /^import (?!type\b)[^;]*from '(\.\.\/)+replayer\/index\.js'/m, `${f} imports replayer/index.js for values`);
  }
});
