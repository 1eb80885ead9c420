/** The repository's own TypeScript sources (no node_modules, dist or generated code), for tests that read them. */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = fileURLToPath(new URL('../../', import.meta.url));

/** Repo-relative paths of the .ts sources under `dir`; `tests: false` leaves *.test.ts out. */
export function sourceFiles(opts: { tests?: boolean } = {}, dir = repo): string[] {
  const out: string[] = [];
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    if (d.name.startsWith('.') || ['node_modules', 'dist', 'gen'].includes(d.name)) continue;
    const p = join(dir, d.name);
    if (d.isDirectory()) out.push(...sourceFiles(opts, p));
    else if (d.name.endsWith('.ts') && !d.name.endsWith('.d.ts') && (opts.tests !== false || !d.name.endsWith('.test.ts'))) out.push(relative(repo, p));
  }
  return out;
}
