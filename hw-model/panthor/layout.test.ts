/**
 * The layout of panthor/: one file per driver file, each opening with the real file it models,
 * and no import cycle in hw-model (the same check as lint's local/no-import-cycle).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sourceFiles } from '../../test-support/sources.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const lintRule = (): Promise<{
  findCycle(edges: (f: string) => string[], start: string): string[] | null;
  importsOf(text: string): string[];
  resolveSpec(from: string, spec: string): string | null;
}> => import(join(ROOT, 'lint/no-import-cycle.mjs'));


/** Each model file and the real file its opening comment must name. */
const MODELS: Record<string, string> = {
  'device.ts': 'panthor_device.c', 'drv.ts': 'panthor_drv.c', 'fw.ts': 'panthor_fw.c', 'gpu.ts': 'panthor_gpu.c',
  'mmu.ts': 'panthor_mmu.c', 'gem.ts': 'panthor_gem.c', 'heap.ts': 'panthor_heap.c', 'sched.ts': 'panthor_sched.c',
  'sched-events.ts': 'panthor_sched.c', 'syncobj.ts': 'drm_syncobj.c', 'prime.ts': 'drm_prime.c',
};

test('every panthor/ model file opens with the real file it models', () => {
  const dir = join(ROOT, 'hw-model/panthor');
  for (const [file, real] of Object.entries(MODELS)) {
    const text = readFileSync(join(dir, file), 'utf8');
    assert.ok(text.startsWith('/**'), `${file}: no opening comment`);
    const head = text.slice(0, text.indexOf('*/'));
    assert.ok(head.includes(real), `${file}: the opening comment does not name ${real}`);
    assert.match(head, /\b[a-z_]+\(?\)?[ ,/)]/, `${file}: no kernel function named`);
  }
});

test('hw-model has no import cycle; the cycle finder reports one when there is', async () => {
  const { findCycle, importsOf, resolveSpec } = await lintRule();
  const files = sourceFiles().filter((f) => f.startsWith('hw-model/')).map((f) => join(ROOT, f));
  const edges = new Map<string, string[]>();
  for (const f of files) {
    const e: string[] = [];
    for (const s of importsOf(readFileSync(f, 'utf8'))) { const r = resolveSpec(f, s); if (r) e.push(r); }
    edges.set(f, e);
  }
  assert.ok((edges.get(join(ROOT, 'hw-model/panthor/device.ts')) ?? []).length >= 10, 'the device imports its parts');
  for (const f of files) assert.equal(findCycle((x) => edges.get(x) ?? [], f), null, `cycle through ${f}`);
  // The scheduler importing the device back (a device ↔ scheduler tie) is a cycle.
  const bad = new Map(edges);
  const sched = join(ROOT, 'hw-model/panthor/sched.ts'), device = join(ROOT, 'hw-model/panthor/device.ts');
  bad.set(sched, [...(edges.get(sched) ?? []), device]);
  const c = findCycle((x) => bad.get(x) ?? [], sched);
  assert.ok(c && c[0] === sched && c[c.length - 1] === sched && c.includes(device), `cycle found: ${c?.join(' → ')}`);
  assert.deepEqual(importsOf("import type { A } from './a.js';\nimport {\n  B,\n} from '../b.js';\nexport * from './c.js';\nimport './d.js';"),
    ['./a.js', '../b.js', './c.js', './d.js']);
});
