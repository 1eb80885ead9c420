// ESLint rule `local/no-import-cycle`: a file must not reach itself through its relative imports
// (`import type` included: a type-only cycle still ties the files' designs together). The graph
// is read from the sources once per lint run (relative specifiers only; `./x.js` is `./x.ts`).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const SPEC = /^\s*(?:import|export)\b[^'";]*?\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]|^\s*import\s+['"](\.{1,2}\/[^'"]+)['"]/gm;

/** The relative imports of a source text, as written. */
export function importsOf(text) {
  const out = [];
  for (const m of text.matchAll(SPEC)) out.push(m[1] ?? m[2]);
  return out;
}

/** The file a relative specifier names (`.js` written for a `.ts` source), or null. */
export function resolveSpec(from, spec) {
  const p = resolve(dirname(from), spec);
  for (const c of [p.replace(/\.js$/, '.ts'), p, `${p}.ts`, `${p}/index.ts`]) if (existsSync(c) && c.endsWith('.ts')) return c;
  return null;
}

/**
 * A cycle through `start` in `edges` (file → files it imports), as the list of files from start
 * back to start, or null. Depth-first, neighbours in import order, so the answer is stable.
 */
export function findCycle(edges, start) {
  const seen = new Set();
  const path = [start];
  const visit = (f) => {
    for (const n of edges(f)) {
      if (n === start) return [...path, start];
      if (seen.has(n)) continue;
      seen.add(n);
      path.push(n);
      const c = visit(n);
      if (c) return c;
      path.pop();
    }
    return null;
  };
  return visit(start);
}

const cache = new Map();
function edgesOf(file) {
  let e = cache.get(file);
  if (e) return e;
  e = [];
  cache.set(file, e);
  let text = '';
  try { text = readFileSync(file, 'utf8'); } catch { return e; }
  for (const s of importsOf(text)) { const r = resolveSpec(file, s); if (r) e.push(r); }
  return e;
}

export const noImportCycle = {
  meta: { type: 'problem', docs: { description: 'no import cycles between source files' }, schema: [] },
  create(context) {
    const file = context.filename ?? context.getFilename();
    return {
      Program() {
        cache.delete(file);
        const cycle = findCycle(edgesOf, file);
        if (!cycle) return;
        const root = context.cwd ?? process.cwd();
        const names = cycle.map((f) => f.startsWith(root) ? f.slice(root.length + 1) : f);
        context.report({ loc: { line: 1, column: 0 }, message: `import cycle: ${names.join(' → ')}` });
      },
    };
  },
};

export default { rules: { 'no-import-cycle': noImportCycle } };
