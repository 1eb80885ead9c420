/**
 * The lint rules that hold the layering and hygiene of the codebase (eslint.config.js) reject what
 * they are meant to: each case lints a few lines as if they were a file of the named layer and
 * expects the named rule to fire, next to a legal import of the same shape that must pass.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const repo = fileURLToPath(new URL('../../', import.meta.url));
// The probes are files that do not exist: the typed rules' project service takes them as extra files.
const eslint = new ESLint({
  cwd: repo,
  overrideConfig: { languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['*/x.ts', '*/x.test.ts'] } } } },
});

async function rulesFiring(file: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: join(repo, file) });
  assert.ok(r, 'one result for one text');
  return r.messages.map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

const cases: { file: string; code: string; fires: RegExp | null }[] = [
  // layers: allow-lists
  { file: 'hw-model/x.ts', code: "import { a } from '../recorder/index.js';\nexport const b = a;\n", fires: /hw-model\/ may import only proto\// },
  { file: 'hw-model/x.ts', code: "import { a } from '../proto/index.js';\nexport const b = a;\n", fires: null },
  { file: 'tui/x.ts', code: "import { a } from '../proto/index.js';\nexport const b = a;\n", fires: /tui\/ may import only replayer\// },
  { file: 'replayer/x.ts', code: "import { a } from '../hw-model/sim/sim.js';\nexport const b = a;\n", fires: /through its index\.js only/ },
  { file: 'cli/x.ts', code: "import { openTrace } from '../replayer/read.js';\nexport const b = openTrace;\n", fires: null },
  { file: 'cli/x.ts', code: "import { a } from '../hw-model/read.js';\nexport const b = a;\n", fires: /through its index\.js only/ },
  // packages and built-ins
  { file: 'hw-model/x.ts', code: "import { readFileSync } from 'node:fs';\nexport const b = readFileSync;\n", fires: /may use only yaml, node:module/ },
  { file: 'replayer/x.ts', code: "import blessed from 'blessed';\nexport const b = blessed;\n", fires: /may use only node:fs/ },
  { file: 'replayer/x.test.ts', code: "import fc from 'fast-check';\nexport const b = fc;\n", fires: null },
  { file: 'replayer/x.ts', code: "import fc from 'fast-check';\nexport const b = fc;\n", fires: /may use only/ },
  // test doubles stay out of production code
  { file: 'replayer/x.ts', code: "import { syntheticEvents } from './diff/synthetic.js';\nexport const b = syntheticEvents;\n", fires: /must not import a test double/ },
  { file: 'cli/x.ts', code: "import { FakeKernel } from '../hw-model/testing.js';\nexport const b = FakeKernel;\n", fires: /through its index\.js only/ },
  { file: 'cli/x.test.ts', code: "import { FakeKernel } from '../hw-model/testing.js';\nexport const b = FakeKernel;\n", fires: null },
  // strictness
  { file: 'replayer/x.ts', code: 'export function f(a: any): unknown { return a; }\n', fires: /no-explicit-any/ },
  { file: 'hw-model/x.ts', code: 'export const r = Math.random();\n', fires: /no Math\.random/ },
  { file: 'hw-model/x.ts', code: 'export const n = Date.now();\n', fires: /no wall clock/ },
];

for (const c of cases) {
  test(`lint: ${c.file}: ${c.code.split('\n')[0]} ${c.fires ? 'is rejected' : 'passes'}`, async () => {
    const got = await rulesFiring(c.file, c.code);
    if (c.fires) assert.ok(got.some((m) => c.fires!.test(m)), `expected ${c.fires}, got:\n${got.join('\n')}`);
    else assert.deepEqual(got, []);
  });
}

test('lint: a function over 150 lines of code is rejected in production files, not in tests', async () => {
  const fn = (n: number): string => `export function f(): number {\n  let x = 0;\n${'  x++;\n'.repeat(n - 4)}  return x;\n}\n`;
  const long = await rulesFiring('replayer/x.ts', fn(151));
  assert.ok(long.some((m) => /max-lines-per-function.*\(151\)/.test(m)), long.join('\n'));
  assert.deepEqual(await rulesFiring('replayer/x.ts', fn(150)), []);
  // blank lines and comments do not count
  assert.deepEqual(await rulesFiring('replayer/x.ts', fn(150).replace('  x++;\n', '  x++;\n\n  // why\n')), []);
  assert.deepEqual(await rulesFiring('replayer/x.test.ts', fn(300)), []);
});

test('lint: a switch over a union without a default names every member', async () => {
  const code = "export type K = 'a' | 'b';\nexport function f(k: K): number {\n  switch (k) {\n    case 'a': return 1;\n  }\n  return 0;\n}\n";
  const got = await rulesFiring('replayer/x.ts', code);
  assert.ok(got.some((m) => /switch-exhaustiveness-check/.test(m)), got.join('\n'));
});
