import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../../replayer/export/', import.meta.url));

test('perfetto-fields.ts is what gen-perfetto-fields.mjs makes of the vendored upstream schema', async () => {
  const gen = (await import(`${SRC}gen-perfetto-fields.mjs`)) as { generate: () => string };
  assert.equal(readFileSync(`${SRC}perfetto-fields.ts`, 'utf8'), gen.generate(),
    'regenerate with: node replayer/export/gen-perfetto-fields.mjs');
  const { TAG } = await import('./perfetto-fields.js');
  // spot checks against the field numbers the Perfetto documentation gives
  assert.equal(TAG.TracePacket.trackEvent, (11 << 3) | 2);
  assert.equal(TAG.TrackEvent.flowIds, (47 << 3) | 1);
  assert.equal(TAG.DebugAnnotation.doubleValue, (5 << 3) | 1);
});
