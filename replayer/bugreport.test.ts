import { test } from 'node:test';
import assert from 'node:assert/strict';
import { syntheticEvents, syntheticHeader } from './diff/synthetic.js';
import { buildBugReport, trimToFit, BUNDLE_TRACE } from './bugreport.js';
import { Replayer } from './replayer.js';
import { memoryTrace, openTraceBytes } from './trace-file.js';
import { shiftStateIndices } from './trim.js';

const big = memoryTrace({ ...syntheticHeader('shared'), notes: [{ eventIndex: 2000, text: 'look | here' }] },
  syntheticEvents({ ticks: 600, protmEvery: 8 }), { chunkEvents: 256 });
const base = memoryTrace(syntheticHeader('sole'), syntheticEvents({ ticks: 600, protmEvery: 8, policy: 'sole' }), { chunkEvents: 256 });

test('trimToFit: the bundled window fits, holds the point and replays like the original', () => {
  const at = 1500;
  const { window, bytes } = trimToFit(big, at, 16_384);
  assert.ok(bytes.length <= 16_384, `${bytes.length} bytes`);
  assert.ok(window.from <= at && at <= window.to);
  assert.ok(window.to - window.from > 50, `window ${window.from}..${window.to}`);
  const small = openTraceBytes(bytes);
  const k = at - window.from;
  assert.deepEqual(Replayer.open(small).stateAt(k), shiftStateIndices(Replayer.open(big).stateAt(at), window.from));
});

test('bug report: sections, links into the bundled trace, notes, first divergence', () => {
  const r = buildBugReport(big, { toolVersion: '9.9.9', traceName: 'demo.csft', baseline: base, baselineName: 'kbase.csft', at: 2000, maxBytes: 16_384 });
  const md = r.markdown;
  for (const s of ['# ', '## Versions', '## Scenario', '## Reproduce', '## Check', '## Key metrics', '## Timeline around', '## Notes', '## First divergence against the baseline']) {
    assert.ok(md.includes(s), `section ${s}`);
  }
  assert.match(md, /csftrace 9\.9\.9/);
  assert.match(md, /csftrace record --scenario scenario\.yaml --seed 1 --policy shared .*-o full\.csft/);
  assert.doesNotMatch(md, /-o trace\.csft/, 'never overwrites the bundled trace');
  assert.ok(r.trimmed, 'trimmed: the trace is larger than the limit');
  const w = r.trimmed!.window;
  const bundled = openTraceBytes(r.trimmed!.bytes);
  // Every link names an event of the bundled trace that is the original's event it claims to be.
  const links = [...md.matchAll(/\[#(\d+)\]\(trace\.csft#ev=(\d+)\)(?: \(original #(\d+)\))?/g)];
  assert.ok(links.length >= 2, `${links.length} links`);
  for (const m of links) {
    const n = Number(m[2]);
    assert.equal(Number(m[1]), n);
    assert.ok(n >= 0 && n < bundled.eventCount, `link #${n} inside the bundled trace`);
    const orig = Number(m[3]);
    assert.equal(orig, n + w.from);
    assert.deepEqual(bundled.event(n).body, big.event(orig).body);
  }
  assert.match(md, new RegExp(`- \\[#${2000 - w.from}\\]\\(${BUNDLE_TRACE.replace('.', '\\.')}#ev=${2000 - w.from}\\) \\(original #2000\\): look \\\\\\| here`));
  // The first divergence (decision 7) lies before the bundled window: named, not linked.
  assert.match(md, /\*\*This trace\*\*: decision 7 at original #\d+ \(outside the bundled window\)/);
  assert.match(md, /RULE_KBASE_SOLE_RESIDENT/);
  assert.match(md, /\| app video-player \| protected residency \|/);
  assert.match(md, /point of interest +v #\d+/);
});

test('bug report: the point of interest defaults to the first check finding', () => {
  const r = buildBugReport(base, { toolVersion: '1', traceName: 'x.csft' });
  assert.ok(r.findings > 0);
  assert.match(r.markdown, new RegExp(`Point of interest: \\[#${r.pointOfInterest}\\]`));
  assert.equal(r.trimmed, undefined);
});
