/**
 * proto/units.ts is the one home of time and byte text: its forms, and no other source file writing
 * its own formatter of the same kind (three copies of the byte formatter had drifted apart).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { repo, sourceFiles } from '../test-support/sources.js';
import { formatBytes, formatBytesShort, formatCount, formatNs, formatNsExact, formatSize } from './units.js';


test('the text forms of time and bytes', () => {
  assert.deepEqual([1_234_567_000, 12_500_000, 800_000, 42, -2_000_000].map(formatNs), ['1.234567s', '12.500ms', '800.000us', '42ns', '-2.000ms']);
  assert.deepEqual([0, 2e9, 40e6, 1_500_000, 1500, 7].map(formatNsExact), ['0', '2s', '40ms', '1500us', '1500ns', '7ns']);
  assert.deepEqual([512, 12_800, 3.25 * 2 ** 20, 2 ** 30].map(formatBytes), ['512 B', '12.5 KiB', '3.25 MiB', '1.00 GiB']);
  assert.deepEqual([512, 12_800, 3.25 * 2 ** 20, 2 ** 30].map(formatBytesShort), ['512', '12.5K', '3.3M', '1.0G']);
  assert.deepEqual([64, 4096, 1.5 * 2 ** 20, 2 ** 31].map(formatSize), ['64B', '4KiB', '1.5MiB', '2GiB']);
});

test('counts are grouped as toLocaleString(\'en-US\') groups them', () => {
  assert.deepEqual([0, 7, 999, 1000, 2594, 10_006_817, -1234, -999].map(formatCount), ['0', '7', '999', '1,000', '2,594', '10,006,817', '-1,234', '-999']);
  const values: number[] = [Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1.5, NaN, Infinity];
  for (let k = 0; k < 16; k++) for (const d of [-1, 0, 1]) values.push(10 ** k + d, -(10 ** k) + d, 7 * 10 ** k);
  for (const v of values) assert.equal(formatCount(v), v.toLocaleString('en-US'), String(v));
});

test('no other source file defines a time, byte or count formatter of its own', () => {
  const shapes: [RegExp, string][] = [
    [/toFixed\(6\)\}s`/, 'seconds with 6 decimals (formatNs)'],
    [/\}(GiB|G) ?`|\} GiB`/, 'a GiB/G byte form (formatBytes, formatBytesShort, formatSize)'],
    [/% 1_?000_?000_?000 === 0\) return/, 'an exact duration form (formatNsExact)'],
    [/toLocaleString\(/, 'a grouped count (formatCount: toLocaleString loads locale data at its first call, 15–30 ms of a start)'],
  ];
  const found: string[] = [];
  for (const f of sourceFiles({ tests: false })) {
    if (f === 'proto/units.ts') continue;
    const text = readFileSync(join(repo, f), 'utf8');
    for (const [re, what] of shapes) if (re.test(text)) found.push(`${f}: ${what}`);
  }
  // tui/time-format.ts keeps the TUI's own fixed-width status form below a second; above, it uses formatNs.
  assert.deepEqual(found, [], 'import these from proto/index.js (or replayer/index.js in tui/)');
});
