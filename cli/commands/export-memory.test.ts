/**
 * `csftrace export` streams: every format runs on a large synthetic trace in a child process whose
 * V8 heap is capped (--max-old-space-size), and its peak RSS stays under the bound whatever the
 * trace's size (a trace ten times larger costs no more than a few MB more).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ContainerWriter } from '../../proto/index.js';
import { EXPORT_FORMATS } from '../../replayer/index.js';
import { syntheticHeader, syntheticStream } from '../../replayer/testing.js';

const CLI = fileURLToPath(new URL('../index.js', import.meta.url));
/**
 * V8 old-space cap of the exporting process, MB: an export holding its output or a per-event table
 * dies under it (the export before streaming, with a table of every cause link, died at 600k events).
 */
const HEAP_MB = 40;
/** Peak RSS bound of an export, MB (issue target: 300 MB whatever the trace size). */
const RSS_MB = 300;
/** How much more a 10× larger trace may cost, MB (V8 grows its young generation with the work, up to 48 MB). */
const GROWTH_MB = 60;

function writeSynthetic(path: string, events: number): number {
  const fd = openSync(path, 'w');
  let n = 0;
  try {
    const w = new ContainerWriter(syntheticHeader('shared'), { write: (b) => { writeSync(fd, b); } });
    for (const ev of syntheticStream({ ticks: Math.ceil(events / 4) + 10, protmEvery: 5 })) {
      if (n >= events) break;
      // causes as dense as a recording's (nearly every event has one; some reach far back)
      w.add(n === 0 ? ev : { ...ev, cause: n % 97 === 0 ? Math.min(n, 5000) : 1 });
      n++;
    }
    w.finish();
  } finally { closeSync(fd); }
  return n;
}

/** Runs `csftrace export` (output to standard output, discarded) under the heap cap; returns its peak RSS in MB. */
function exportRss(dir: string, trace: string, format: string, extra: string[] = []): number {
  const child = join(dir, 'child.mjs');
  writeFileSync(child, `import { runCli } from ${JSON.stringify(pathToFileURL(CLI).href)};
const code = await runCli(process.argv.slice(2));
process.stderr.write('\\nmaxrss ' + process.resourceUsage().maxRSS + ' code ' + code + '\\n');
process.exitCode = code;
`);
  const r = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_MB}`, child, 'export', trace, '--format', format, '-o', '-', ...extra],
    { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  assert.equal(r.status, 0, `export --format ${format} under a ${HEAP_MB} MB heap: ${r.stderr.slice(-2000)}`);
  const m = /maxrss (\d+) code 0/.exec(r.stderr);
  assert.ok(m, r.stderr);
  return Number(m[1]) / 1024;
}

test(`export streams: every format under a ${HEAP_MB} MB heap, peak RSS ≤ ${RSS_MB} MB, not growing with the trace`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'csftrace-export-mem-'));
  try {
    const small = join(dir, 'small.csft'), large = join(dir, 'large.csft');
    assert.equal(writeSynthetic(small, 60_000), 60_000);
    assert.equal(writeSynthetic(large, 600_000), 600_000);
    const rss: Record<string, number> = {};
    for (const f of EXPORT_FORMATS) {
      rss[f] = exportRss(dir, large, f);
      assert.ok(rss[f] <= RSS_MB, `export --format ${f}: peak RSS ${rss[f].toFixed(0)} MB`);
    }
    // jsonl on four threads (three workers, each with its heap and up to 24 MiB of lines untaken)
    rss['jsonl --threads 4'] = exportRss(dir, large, 'jsonl', ['--threads', '4']);
    assert.ok(rss['jsonl --threads 4'] <= RSS_MB, `export --format jsonl --threads 4: peak RSS ${rss['jsonl --threads 4'].toFixed(0)} MB`);
    const smallRss = exportRss(dir, small, 'perfetto');
    const largeRss = rss.perfetto ?? assert.fail('perfetto is one of EXPORT_FORMATS');
    console.log(`peak RSS: ${Object.entries(rss).map(([f, v]) => `${f} ${v.toFixed(0)} MB`).join(', ')} (600k events); perfetto ${smallRss.toFixed(0)} MB (60k)`);
    assert.ok(largeRss - smallRss <= GROWTH_MB,
      `perfetto: ${smallRss.toFixed(0)} MB for 60k events, ${largeRss.toFixed(0)} MB for 600k: grows with the trace`);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
