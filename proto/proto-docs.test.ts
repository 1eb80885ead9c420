/**
 * csftrace.proto documents itself: every message, enum and field has a comment (a `//` line right
 * above it or at the end of its line; a message written on one line names each of its fields in the
 * comment above it), and every file a comment points to exists in the repository.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const text = readFileSync(join(repo, 'proto/csftrace.proto'), 'utf8');

/** Every declaration of the file that lacks its comment, as "line N: what". */
export function undocumented(proto: string): string[] {
  const lines = proto.split('\n');
  const missing: string[] = [];
  let message: string | undefined;
  const commentAbove = (i: number): string[] => {
    const out: string[] = [];
    for (let j = i - 1; j >= 0 && lines[j]!.trim().startsWith('//'); j--) out.unshift(lines[j]!.trim().slice(2));
    return out;
  };
  for (const [i, l] of lines.entries()) {
    const decl = /^\s*(message|enum)\s+(\w+)\s*\{(.*)$/.exec(l);
    if (decl) {
      const [, kind, name, tail] = decl as unknown as [string, string, string, string]; // the three groups always match
      const above = commentAbove(i);
      if (above.length === 0 && !l.includes('//')) missing.push(`line ${i + 1}: ${kind} ${name}`);
      const rest = tail.replace(/\/\/.*$/, '');
      if (rest.includes('}')) {
        // a one-line message: the comment above names each field
        const said = above.join(' ') + (l.includes('//') ? l.slice(l.indexOf('//')) : '');
        for (const f of rest.matchAll(/(\w+)\s*=\s*\d+/g)) {
          if (kind === 'message' && !new RegExp(`\\b${f[1]}\\b`).test(said)) missing.push(`line ${i + 1}: ${name}.${f[1]}`);
        }
        message = undefined;
      } else message = kind === 'message' ? name : undefined;
      continue;
    }
    if (/^}\s*$/.test(l)) { message = undefined; continue; }
    const field = /^\s*(?:repeated\s+)?(?:map<[^>]+>|[\w.]+)\s+(\w+)\s*=\s*\d+\s*;/.exec(l);
    if (field && message !== undefined && !l.includes('//') && commentAbove(i).length === 0) missing.push(`line ${i + 1}: ${message}.${field[1]}`);
  }
  return missing;
}

test('every message, enum and field of csftrace.proto has a comment', () => {
  assert.deepEqual(undocumented(text), []);
  const messages = [...text.matchAll(/^\s*message\s+\w+/gm)].length;
  assert.ok(messages >= 56, `${messages} messages`);
});

test('the check fails on an undocumented field, message or one-line message field', () => {
  assert.deepEqual(undocumented('// A.\nmessage A {\n  // x.\n  uint32 x = 1;\n  uint32 y = 2;\n}\n'), ['line 5: A.y']);
  assert.deepEqual(undocumented('message B {\n  uint32 x = 1; // x.\n}\n'), ['line 1: message B']);
  assert.deepEqual(undocumented('// C. a: the a.\nmessage C { uint32 a = 1; uint32 b = 2; }\n'), ['line 2: C.b']);
  assert.deepEqual(undocumented('// D.\nenum D {\n  D_X = 0;\n}\n'), []);
});

test('csftrace.proto points only to files in the repository', () => {
  const comments = text.split('\n').filter((l) => l.includes('//')).map((l) => l.slice(l.indexOf('//')));
  const paths = new Set<string>();
  for (const c of comments) {
    for (const m of c.matchAll(/\b((?:proto|hw-model|recorder|replayer|tui|cli|traces|schemas)\/[\w./-]*\w)/g)) paths.add(m[1]!);
    assert.doesNotMatch(c, /reference §|§\d|the review thread|lifetime debate/, c);
  }
  assert.ok(paths.size >= 3, [...paths].join());
  for (const p of paths) {
    const ok = existsSync(join(repo, p)) || existsSync(join(repo, `${p}.ts`));
    assert.ok(ok, `csftrace.proto mentions ${p}, which is not in the repository`);
  }
});
