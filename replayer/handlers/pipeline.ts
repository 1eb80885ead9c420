/**
 * Pipeline handler: the secure video pipeline's devices (decoder, display, the GPU's fences) and
 * the central allocator's heap choices (hw-model/devices/). Imports and refusals per device,
 * fences emitted and signalled, the display's vblank count, the frame on screen, flips, missed
 * vblanks and drops with the last miss's reason.
 */
import {
  DeviceKindNames, FenceOp, ImportOp, MissReasonNames, PipelineAllocatorNames, ScanoutOp,
} from '../../proto/index.js';
import { enumName, type Handler } from './handler.js';
import type { PipelineDeviceRec, PipelineSlices } from './slices.js';

const strip = (s: string, p: string): string => (s.startsWith(p) ? s.slice(p.length) : s);

function device(s: PipelineSlices, name: string, kind: number, i: number): PipelineDeviceRec {
  let d = s.pipeline.devices[name];
  if (!d) {
    d = {
      name, kind: strip(enumName(DeviceKindNames, kind), 'DEVICE_'), imports: 0, refused: 0, lastRefusal: '',
      fencesEmitted: 0, fencesSignalled: 0, lastFrame: 0, vblank: 0, shownFrame: 0, shownBuffer: 0, flips: 0,
      misses: 0, drops: 0, lastMiss: '', createdIdx: i, idx: i,
    };
    s.pipeline.devices[name] = d;
  }
  d.idx = i;
  return d;
}

export const pipelineHandler: Handler<PipelineSlices> = {
  name: 'pipeline',
  families: ['heapChoice', 'devImport', 'fence', 'scanout'],
  owns: ['pipeline'],
  reads: [],
  init: () => ({ pipeline: { devices: {}, choices: {} } }),
  handleEvent(s, ev, i) {
    const b = ev.body;
    switch (b.case) {
      case 'heapChoice': {
        const v = b.value;
        s.pipeline.choices[`${v.pid}:${v.pool}`] = {
          pid: v.pid, pool: v.pool, protected: v.protected, allocator: strip(enumName(PipelineAllocatorNames, v.allocator), 'ALLOC_'),
          lists: v.devices.map((d) => `${d.device}[${d.heaps.join(',')}]`).join(' '), intersection: [...v.intersection],
          chosen: v.chosen, gpuHeap: v.gpuHeap, result: v.result, reason: v.reason, idx: i,
        };
        break;
      }
      case 'devImport': {
        const v = b.value;
        const d = device(s, v.device, v.kind, i);
        if (v.op === ImportOp.IMPORT_ATTACH) d.imports++;
        else if (v.op === ImportOp.IMPORT_DETACH) d.imports = Math.max(0, d.imports - 1);
        else { d.refused++; d.lastRefusal = `buffer ${v.bufferId} from ${v.heapName || '?'} (${v.result})`; }
        break;
      }
      case 'fence': {
        const v = b.value;
        if (v.op === FenceOp.FENCE_WAIT) break;
        const d = device(s, v.device, v.kind, i);
        if (v.op === FenceOp.FENCE_EMIT) d.fencesEmitted++;
        else { d.fencesSignalled++; d.lastFrame = v.frame; }
        break;
      }
      case 'scanout': {
        const v = b.value;
        const d = device(s, v.device, 2, i);
        if (v.vblank > d.vblank) d.vblank = v.vblank;
        if (v.op === ScanoutOp.SCANOUT_FLIP) { d.flips++; d.shownFrame = v.frame; d.shownBuffer = v.bufferId; }
        else if (v.op === ScanoutOp.SCANOUT_MISS) { d.misses++; d.lastMiss = `frame ${v.frame} ${strip(enumName(MissReasonNames, v.reason), 'MISS_')} at #${i}`; }
        else if (v.op === ScanoutOp.SCANOUT_DROP) d.drops++;
        break;
      }
      default: break;
    }
  },
};
