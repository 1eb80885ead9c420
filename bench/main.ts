/**
 * `npm run bench`: runs every benchmark module in one process, one after the other, and prints one
 * line per figure, so ratios are measured in one run on one machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benches } from './list.js';
import type { BenchContext } from './registry.js';

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const tmpDir = mkdtempSync(join(tmpdir(), 'csftrace-bench-'));
  const ctx: BenchContext = {
    tmpDir,
    quick: process.env.CSFTRACE_BENCH_QUICK === '1',
    report(name, value, unit, target) {
      const v = Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 3 : 1);
      console.log(`  ${name.padEnd(58)} ${v.padStart(14)} ${unit}${target ? `   (target ${target})` : ''}`);
    },
    note(text) { console.log(`  # ${text}`); },
  };
  try {
    for (const b of benches) {
      if (only.length && !only.includes(b.name)) continue;
      console.log(`${b.name}`);
      await b.run(ctx);
    }
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
