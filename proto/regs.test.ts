/**
 * proto/regs.ts and proto/errno.ts are the one vocabulary of register bits, group priority names and
 * errno values and names: register values are unsigned 32-bit words, the tables agree with the
 * constants, and no other source file defines one of them again (a second copy is how two layers came to disagree on GLB_DBG_HOST).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { repo, sourceFiles } from '../test-support/sources.js';
import { ERRNO_BY_NAME, ERRNO_NAMES, EINVAL } from './errno.js';
import * as R from './regs.js';


/** Register-bit names: the interface words, GPU/MCU registers, FW image flags and exception codes. */
const REGISTER_NAME = /^(GLB|CSG|CS|GPU|MCU|JOB_INT|CSF|DRM_PANTHOR_EXCEPTION|PANTHOR_GROUP_PRIORITY)_[A-Z0-9_]+$|^MAX_(GROUPS_PER_POOL|CS_PER_CSG|CSG_PRIO)$/;

/** Where `text` defines one of `names` (as a const or an object key with a value); one line each. */
function redefinitions(text: string, names: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const lines = text.split('\n');
  const def = /\b(?:const|let|var)\s+([A-Z][A-Z0-9_]*)\s*[:=]|(?:^|[{,])\s*([A-Z][A-Z0-9_]*)\s*:\s*[-(0-9]/g;
  lines.forEach((line, i) => {
    for (const m of line.matchAll(def)) {
      const n = m[1] ?? m[2];
      if (n !== undefined && names.has(n)) out.push(`${i + 1}: ${n}`);
    }
  });
  // Tables of names written out again.
  if (/'LOW',\s*'MEDIUM',\s*'HIGH',\s*'REALTIME'/.test(text)) out.push('group priority names');
  if (/\bEINVAL\s*:\s*22\b|\b22\s*:\s*'EINVAL'/.test(text)) out.push('errno table');
  return out;
}

test('register words are unsigned 32-bit values (bit 31 included)', () => {
  assert.equal(R.GLB_DBG_HOST, 0x80000000);
  assert.equal(R.CSG_PROGRESS_TIMER_EVENT, 0x80000000);
  assert.equal(R.CS_FAULT, 0x80000000);
  assert.equal(R.JOB_INT_GLOBAL_IF, 0x80000000);
  for (const [name, v] of Object.entries(R)) {
    if (typeof v !== 'number') continue;
    assert.ok(Number.isInteger(v) && v >= 0 && v <= 0xffffffff, `${name} = ${v}`);
  }
});

test('the bit tables name each constant by its own name, one bit each, no overlaps', () => {
  const all = R as unknown as Record<string, unknown>;
  for (const table of [R.GLB_BITS, R.CSG_BITS, R.CS_BITS]) {
    let seen = 0;
    for (const [name, bit] of Object.entries(table)) {
      assert.equal(bit, all[name], name);
      assert.equal(bit & (bit - 1), 0, `${name} is one bit`);
      assert.equal((seen & bit) >>> 0, 0, `${name} overlaps`);
      seen = (seen | bit) >>> 0;
    }
  }
  assert.equal(Object.keys(R.GLB_BITS).length, 21);
  assert.deepEqual(R.CSG_STATE_NAMES.map((_, i) => i), [R.CSG_STATE_TERMINATE, R.CSG_STATE_START, R.CSG_STATE_SUSPEND, R.CSG_STATE_RESUME]);
  assert.deepEqual([...R.CSG_STATE_NAMES], ['CSG_STATE_TERMINATE', 'CSG_STATE_START', 'CSG_STATE_SUSPEND', 'CSG_STATE_RESUME']);
  assert.deepEqual([...R.CS_STATE_NAMES], ['CS_STATE_STOP', 'CS_STATE_START']);
  assert.equal(R.GROUP_PRIORITY_NAMES[3], 'REALTIME');
  assert.equal(ERRNO_NAMES[EINVAL], 'EINVAL');
  assert.equal(ERRNO_BY_NAME.EPROBE_DEFER, 517);
  assert.equal(Object.keys(ERRNO_BY_NAME).length, Object.keys(ERRNO_NAMES).length);
});

test('the duplicate check finds a constant, a table key and a name table written again', () => {
  const names = new Set(['GLB_DBG_HOST', 'CS_FAULT']);
  assert.deepEqual(redefinitions('export const GLB_DBG_HOST = 1 << 31;', names), ['1: GLB_DBG_HOST']);
  assert.deepEqual(redefinitions('const T = {\n  CS_FAULT: (1 << 31) >>> 0,\n};', names), ['2: CS_FAULT']);
  assert.deepEqual(redefinitions("const P = ['LOW', 'MEDIUM', 'HIGH', 'REALTIME'];", names), ['group priority names']);
  assert.deepEqual(redefinitions('const E = { EPERM: 1, EINVAL: 22 };', names), ['errno table']);
  // Uses are not definitions.
  assert.deepEqual(redefinitions('if (x & R.CS_FAULT) f({ bits: GLB_DBG_HOST });', names), []);
});

test('no register bit, errno value or name table is defined outside proto/', () => {
  const names = new Set([...Object.keys(R).filter((n) => REGISTER_NAME.test(n)), ...Object.keys(ERRNO_BY_NAME)]);
  assert.ok(names.has('GLB_DBG_HOST') && names.has('CSG_STATE_MASK') && names.has('EPROBE_DEFER') && names.size > 130);
  const home = new Set(['proto/regs.ts', 'proto/errno.ts', 'proto/regs.test.ts']);
  const found: string[] = [];
  const files = sourceFiles();
  assert.ok(files.includes('replayer/fw-bits.ts') && files.includes('hw-model/firmware/fw.ts'));
  for (const f of files) {
    if (home.has(f)) continue;
    for (const hit of redefinitions(readFileSync(join(repo, f), 'utf8'), names)) found.push(`${f}:${hit}`);
  }
  assert.deepEqual(found, [], 'import these from proto/index.js instead');
});
