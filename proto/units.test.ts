/**
 * proto/units.ts is the one home of time and byte text: its forms, and no other source file writing
 * its own formatter of the same kind (three copies of the byte formatter had drifted apart).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { repo, sourceFiles } from '../test-support/sources.js';
import { formatBytes, formatBytesShort, formatNs, formatNsExact, formatSize } from './units.js';


test('the text forms of time and bytes', () => {
  assert.deepEqual([1_234_567_000, 12_500_000, 800_000, 42, -2_000_000].map(formatNs), ['1.234567s', '12.500ms', '800.000us', '42ns', '-2.000ms']);
  assert.deepEqual([0, 2e9, 40e6, 1_500_000, 1500, 7].map(formatNsExact), ['0', '2s', '40ms', '1500us', '1500ns', '7ns']);
  assert.deepEqual([512, 12_800, 3.25 * 2 ** 20, 2 ** 30].map(formatBytes), ['512 B', '12.5 KiB', '3.25 MiB', '1.00 GiB']);
  assert.deepEqual([512, 12_800, 3.25 * 2 ** 20, 2 ** 30].map(formatBytesShort), ['512', '12.5K', '3.3M', '1.0G']);
  assert.deepEqual([64, 4096, 1.5 * 2 ** 20, 2 ** 31].map(formatSize), ['64B', '4KiB', '1.5MiB', '2GiB']);
});

test('no other source file defines a time or byte formatter of its own', () => {
  const shapes: [RegExp, string][] = [
    [/toFixed\(6\)\}s`/, 'seconds with 6 decimals (formatNs)'],
    [/\}(GiB|G) ?`|\} GiB`/, 'a GiB/G byte form (formatBytes, formatBytesShort, formatSize)'],
    [/% 1_?000_?000_?000 === 0\) return/, 'an exact duration form (formatNsExact)'],
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
