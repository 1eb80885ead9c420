// Lint: TypeScript rules plus the layer boundaries of DESIGN.md.
// Each folder is a layer; cross-folder imports go through the folder's index.ts, and the
// forbidden arrows (hw-model → recorder/replayer/tui/cli, replayer → tui/cli, tui → hw-model/proto
// internals) are errors here rather than a matter of memory, and so are import cycles.
import tseslint from 'typescript-eslint';
import local from './lint/no-import-cycle.mjs';

const layer = (folder, forbidden) => ({
  files: [`${folder}/**/*.ts`],
  rules: {
    'no-restricted-imports': ['error', {
      patterns: [
        ...forbidden.map((f) => ({
          group: [`**/${f}`, `**/${f}/*`, `**/${f}/**`],
          message: `${folder}/ must not import ${f}/ (DESIGN.md layering)`,
        })),
        {
          // Other layers only through their index.ts.
          regex: '^\\.\\./(\\.\\./)*(proto|hw-model|recorder|replayer|tui|cli|explore)/(?!index\\.js$).+',
          message: 'import another layer through its index.js only',
        },
      ],
    }],
  },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'proto/gen/**', 'proto/codegen/**', 'traces/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-restricted-syntax': ['error',
        { selector: "MemberExpression[object.name='Math'][property.name='random']", message: 'no Math.random: use the seeded PRNG (determinism)' },
      ],
    },
  },
  {
    // No file reaches itself through its imports (lint/no-import-cycle.mjs).
    files: ['**/*.ts'],
    plugins: { local },
    rules: { 'local/no-import-cycle': 'error' },
  },
  layer('proto', ['hw-model', 'recorder', 'replayer', 'tui', 'cli', 'bench']),
  layer('hw-model', ['recorder', 'replayer', 'tui', 'cli', 'bench']),
  layer('recorder', ['replayer', 'tui', 'cli', 'bench']),
  layer('replayer', ['recorder', 'tui', 'cli', 'bench']),
  layer('tui', ['hw-model', 'proto', 'recorder', 'cli', 'bench']),
  layer('test-support', ['proto', 'hw-model', 'recorder', 'replayer', 'tui', 'cli', 'bench', 'fuzz']),
  layer('explore', ['tui', 'cli', 'bench', 'fuzz']),
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
