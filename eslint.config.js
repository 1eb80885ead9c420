// Lint: TypeScript rules plus the layer boundaries of DESIGN.md, written as allow-lists.
// Each top-level folder is a layer. A layer may import only the layers and the packages listed
// for it below (anything else is an error naming what is allowed); other layers only through their
// index.js (or, from tests and benches, their testing.js; proto's user-error.js, the error base class,
// which the CLI's shell needs without loading the codecs; replayer's read.js, its reading half without
// the model, for the commands that only read a trace); and no file reaches itself through its
// imports (lint/no-import-cycle.mjs). Test doubles (fakes, stubs, synthetic traces, fixtures) are
// for tests, benches and the fuzzer: production code that imports one is an error.
import tseslint from 'typescript-eslint';
import local from './lint/no-import-cycle.mjs';

const LAYERS = ['proto', 'hw-model', 'recorder', 'replayer', 'tui', 'cli', 'bench', 'fuzz', 'test-support', 'explore'];

/** What each layer's production code may import: layers, npm packages, node built-ins. */
const ALLOW = {
  proto: { layers: [], packages: [], node: ['zlib', 'module'] },
  // node:module only for createRequire (yaml loaded at the first scenario parsed): no I/O, no clock
  'hw-model': { layers: ['proto'], packages: ['yaml'], node: ['module'] },
  recorder: { layers: ['proto', 'hw-model'], packages: [], node: ['fs', 'os', 'worker_threads'] },
  // worker_threads only for `export --format jsonl` on several threads (replayer/export/jsonl-threads.ts)
  replayer: { layers: ['proto', 'hw-model'], packages: [], node: ['fs', 'worker_threads'] },
  tui: { layers: ['replayer'], packages: ['blessed'], node: ['child_process', 'fs', 'path', 'perf_hooks', 'stream', 'worker_threads'] },
  cli: { layers: ['proto', 'hw-model', 'recorder', 'replayer', 'tui', 'explore'], packages: ['commander'], node: '*' },
  bench: { layers: ['proto', 'hw-model', 'recorder', 'replayer', 'tui', 'cli', 'explore', 'test-support'], packages: [], node: '*' },
  fuzz: { layers: ['proto', 'hw-model', 'recorder', 'replayer', 'cli'], packages: [], node: '*' },
  'test-support': { layers: [], packages: [], node: ['child_process', 'fs', 'os', 'path', 'url'] },
  explore: { layers: ['proto', 'hw-model', 'recorder', 'replayer'], packages: ['piscina', 'bullmq', 'ioredis', 'yaml'], node: '*' },
};
/** What tests may import on top of their layer's list. */
const TEST_EXTRA = { layers: ['test-support'], packages: ['fast-check', 'protobufjs', 'eslint'] };

/** Files that are tests or test doubles (a fake kernel, stubs, synthetic traces, fixtures). */
const TEST_FILES = ['**/*.test.ts', '**/*.testutil.ts', '**/*.fixture.ts', '**/testing.ts', '**/test-events.ts', '**/synthetic.ts', '**/fake-*.ts', '**/stub-*.ts'];
const DOUBLE = '(^|/)(testing|test-events|synthetic|fake-[a-z-]+|stub-[a-z-]+)\\.js$|\\.(testutil|fixture)\\.js$';

const alt = (xs) => xs.map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");

function importRules(folder, { layers, packages, node }, forTests) {
  const others = LAYERS.filter((l) => l !== folder && !layers.includes(l));
  const allowedPkgs = forTests ? [...packages, ...TEST_EXTRA.packages] : packages;
  const nodeRe = node === '*' || forTests ? 'node:' : node.length ? `node:(${alt(node)})$` : '(?!)';
  const patterns = [
    {
      // another layer than the allowed ones
      regex: `^(\\.\\./)+(${alt(others)})/`,
      message: `${folder}/ may import only ${layers.length ? layers.map((l) => `${l}/`).join(', ') : 'its own files'}${forTests ? ' (and test-support/)' : ''} (DESIGN.md layering)`,
    },
    {
      // an allowed layer, but not through its public entry
      regex: `^(\\.\\./)+(${alt(LAYERS.filter((l) => l !== "test-support" && l !== "bench" && l !== "fuzz"))})/(?!index\\.js$|user-error\\.js$|(?<=replayer/)read\\.js$${forTests ? '|testing\\.js$' : ''}).+`,
      message: `import another layer through its index.js only (replayer/read.js: its reading half)${forTests ? ' (or testing.js for test doubles)' : ''}`,
    },
    {
      // a package or built-in not on the list
      regex: `^(?!\\.)(?!${nodeRe})(?!(${alt(allowedPkgs.length ? allowedPkgs : ['(?!)'])})(/|$))`,
      message: `${folder}/${forTests ? ' tests' : ''} may use only ${[...allowedPkgs, ...(node === '*' || forTests ? ['node:*'] : node.map((n) => `node:${n}`))].join(', ') || 'no packages'} (eslint.config.js ALLOW)`,
    },
  ];
  if (!forTests) patterns.push({ regex: DOUBLE, message: 'production code must not import a test double (fake, stub, synthetic trace, fixture)' });
  return { 'no-restricted-imports': ['error', { patterns }] };
}

const layer = (folder) => {
  const allow = ALLOW[folder];
  const testExtra = { ...allow, layers: [...allow.layers, ...TEST_EXTRA.layers] };
  const isTool = folder === 'bench' || folder === 'fuzz';
  return [
    { files: [`${folder}/**/*.ts`], ignores: TEST_FILES.map((g) => `${folder}/${g}`), rules: importRules(folder, allow, isTool) },
    { files: TEST_FILES.map((g) => `${folder}/${g}`), rules: importRules(folder, testExtra, true) },
  ];
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'proto/gen/**', 'proto/codegen/**', 'traces/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-syntax': ['error',
        { selector: "MemberExpression[object.name='Math'][property.name='random']", message: 'no Math.random: use the seeded PRNG (determinism)' },
      ],
    },
  },
  {
    // A switch over a union or an enum without a default names every member (typed lint: the
    // TypeScript program is built once per run for this rule alone).
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: { '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }] },
  },
  {
    // No file reaches itself through its imports (lint/no-import-cycle.mjs).
    files: ['**/*.ts'],
    plugins: { local },
    rules: { 'local/no-import-cycle': 'error' },
  },
  {
    // A function a reader can hold in their head: at most 150 lines of code in production files
    // (tests and test doubles excepted), no exception.
    files: ['**/*.ts'],
    ignores: [...TEST_FILES],
    rules: { 'max-lines-per-function': ['error', { max: 150, skipBlankLines: true, skipComments: true }] },
  },
  ...LAYERS.flatMap(layer),
  {
    files: ['hw-model/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error',
        { name: 'Date', message: 'no wall clock in the model (determinism)' },
        { name: 'performance', message: 'no wall clock in the model (determinism)' },
        { name: 'process', message: 'hw-model takes and returns data; no process access' },
      ],
    },
  },
);
