#!/usr/bin/env node
// Regenerates the golden traces listed in goldens.json with today's `csftrace record` (from dist/,
// so run `npm run build` first; `npm run goldens` does both) and rewrites README.md's table.
// Goldens of older format versions (traces/v<N>/ for N below the current version) are never
// touched: they must keep opening.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..');
const { CONTAINER_VERSION } = await import(join(repo, 'dist/proto/index.js'));
const manifest = JSON.parse(readFileSync(join(here, 'goldens.json'), 'utf8'));
const dir = join(here, `v${CONTAINER_VERSION}`);
mkdirSync(dir, { recursive: true });
const MAX = 200 * 1024;

export function commandOf(g, out) {
  const args = ['record', '--scenario', g.scenario, '--duration', g.duration];
  if (g.seed !== undefined) args.push('--seed', String(g.seed));
  if (g.policy !== undefined) args.push('--policy', g.policy);
  if (g.heapPolicy !== undefined) args.push('--heap-policy', g.heapPolicy);
  args.push('-o', out);
  return args;
}

const rows = [];
let bad = 0;
for (const g of manifest.goldens) {
  const rel = `traces/v${CONTAINER_VERSION}/${g.file}`;
  const args = commandOf(g, rel);
  execFileSync(process.execPath, [join(repo, 'dist/cli/main.js'), ...args], { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] });
  const size = statSync(join(repo, rel)).size;
  const info = JSON.parse(execFileSync(process.execPath, [join(repo, 'dist/cli/main.js'), 'info', rel, '--json'], { cwd: repo, encoding: 'utf8' }));
  if (size > MAX) { console.error(`${rel}: ${size} bytes is over the ${MAX}-byte budget for a golden: shorten its duration`); bad++; }
  console.log(`${rel}: ${info.events} events, ${size} bytes`);
  rows.push(`| \`${rel}\` | ${g.about} | ${info.events} | ${(size / 1024).toFixed(1)} KiB | \`csftrace ${args.join(' ')}\` |`);
}

writeFileSync(join(here, 'README.md'), `# Golden traces

Small traces recorded from the built-in scenarios. They are test fixtures and demos:

- \`recorder/goldens.test.ts\` checks that today's recorder reproduces each current-version golden
  **byte for byte** (same scenario, seed, policy and duration → same file), that every golden of
  every format version still opens, and cuts the smallest one at every byte offset.
- They are handy inputs for the other commands: \`csftrace info\`, \`csftrace events\`,
  \`csftrace replay\`, \`csftrace diff traces/v1/drm-video-over-ui.csft traces/v1/drm-video-over-ui-kbase.csft\`.

## Regenerating

The model changes often; when a change of its behaviour is intended, regenerate and commit:

\`\`\`sh
npm run goldens        # npm run build, then traces/make-goldens.mjs
\`\`\`

The list lives in \`traces/goldens.json\`; the script rewrites \`traces/v<format version>/\` and this
file. Goldens in older \`traces/v<N>/\` folders are never regenerated: when the container format
version changes, they stay as they are and must keep opening.

## Current goldens (format v${CONTAINER_VERSION})

Each was made by the command beside it, run from the repository root.

| file | what it shows | events | size | command |
|---|---|---:|---:|---|
${rows.join('\n')}
`);
if (bad) process.exitCode = 1;
