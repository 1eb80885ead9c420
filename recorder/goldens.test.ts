/**
 * Golden traces (traces/): today's recorder reproduces every current-version golden byte for byte;
 * every golden of every format version opens and decodes; the smallest is cut at every byte offset
 * and still opens with its complete chunks. The goldens are `csftrace record` runs listed in
 * traces/goldens.json; when the model's behaviour changes on purpose, `npm run goldens`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  applyOverrides, findBuiltin, parseHeapPolicy, parseProtmPolicy, parseRunDuration, parseScenario, parseSeed,
  type ScenarioOverrides,
} from '../hw-model/index.js';
import {
  CONTAINER_VERSION, ContainerError, bufferSource, decodeChunkEvents, getU32, openContainer, readChunkBytes,
  type Event, type OpenedContainer,
} from '../proto/index.js';
import { recordScenario, traceHeaderFor } from './index.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const tracesDir = join(repo, 'traces');

interface Golden { file: string; scenario: string; duration: string; seed?: number; policy?: string; heapPolicy?: string }
const manifest = JSON.parse(readFileSync(join(tracesDir, 'goldens.json'), 'utf8')) as { goldens: Golden[] };

function openAll(buf: Uint8Array): { oc: OpenedContainer; events: Event[] } {
  const src = bufferSource(buf);
  const oc = openContainer(src);
  const events: Event[] = [];
  for (const c of oc.chunks) decodeChunkEvents(readChunkBytes(src, c, true), c, events);
  return { oc, events };
}

/** The same run as `csftrace record --scenario <builtin> [flags]`. */
function recordLikeTheCli(g: Golden, out: string): void {
  const b = findBuiltin(g.scenario);
  assert.ok(b, `traces/goldens.json: ${g.scenario} is not a built-in scenario`);
  const o: ScenarioOverrides = { duration: parseRunDuration(g.duration) };
  if (g.seed !== undefined) o.seed = parseSeed(String(g.seed));
  if (g.policy !== undefined) o.protmPolicy = parseProtmPolicy(g.policy);
  if (g.heapPolicy !== undefined) o.heapPolicy = parseHeapPolicy(g.heapPolicy);
  const config = applyOverrides(parseScenario(b.text, `builtin:${b.name}`), o);
  const header = traceHeaderFor({ config, text: b.text, source: `builtin:${b.name}` });
  recordScenario(out, header, config, { offload: false });
}

test('today\'s recorder reproduces the current goldens byte for byte', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csft-golden-'));
  try {
    for (const g of manifest.goldens) {
      const rel = `traces/v${CONTAINER_VERSION}/${g.file}`;
      const golden = join(repo, rel);
      assert.ok(existsSync(golden), `${rel} is missing: run \`npm run goldens\``);
      const out = join(dir, g.file);
      recordLikeTheCli(g, out);
      const a = readFileSync(golden), b = readFileSync(out);
      if (Buffer.compare(a, b) !== 0) {
        let i = 0;
        while (i < a.length && i < b.length && a[i] === b[i]) i++;
        const ea = openAll(a).events, eb = openAll(b).events;
        let k = 0;
        while (k < ea.length && k < eb.length && JSON.stringify(ea[k]) === JSON.stringify(eb[k])) k++;
        assert.fail(`${rel} differs from today's recording at byte ${i} (${a.length} vs ${b.length} bytes; ` +
          `first different event #${k} of ${ea.length} vs ${eb.length}). If the model changed on purpose, run \`npm run goldens\`.`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every golden of every format version opens intact and decodes', () => {
  const versions = readdirSync(tracesDir).filter((d) => /^v\d+$/.test(d));
  assert.ok(versions.includes(`v${CONTAINER_VERSION}`));
  let files = 0;
  for (const v of versions) {
    for (const f of readdirSync(join(tracesDir, v)).filter((x) => x.endsWith('.csft'))) {
      const { oc, events } = openAll(readFileSync(join(tracesDir, v, f)));
      assert.deepEqual(oc.notices, [], `${v}/${f}`);
      assert.equal(oc.indexed, true, `${v}/${f}`);
      assert.ok(oc.eventCount > 0, `${v}/${f}`);
      assert.equal(events.length, oc.eventCount, `${v}/${f}`);
      assert.ok(oc.header.scenarioName.length > 0);
      for (let i = 1; i < events.length; i++) assert.ok(events[i]!.t >= events[i - 1]!.t, `${v}/${f}: time order at ${i}`);
      files++;
    }
  }
  assert.ok(files >= manifest.goldens.length);
});

test('the smallest golden cut at every byte offset opens with its complete chunks or fails cleanly', () => {
  const buf = readFileSync(join(tracesDir, `v${CONTAINER_VERSION}`, 'tiny.csft'));
  const full = openAll(buf);
  for (let cut = 0; cut < buf.length; cut++) {
    let r: { oc: OpenedContainer; events: Event[] };
    try { r = openAll(buf.subarray(0, cut)); }
    catch (e) {
      assert.ok(e instanceof ContainerError && ['E_EMPTY', 'E_TRUNCATED'].includes(e.code), `cut ${cut}: ${String(e)}`);
      continue;
    }
    assert.ok(r.oc.notices.length > 0, `cut ${cut}`);
    const complete = full.oc.chunks.filter((c) => c.offset + 9 + getU32(buf, c.offset + 1) <= cut).length;
    assert.equal(r.oc.chunks.length, complete, `cut ${cut}`);
    assert.deepEqual(r.events, full.events.slice(0, r.events.length));
  }
});
