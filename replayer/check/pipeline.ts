/**
 * Rules of the secure video pipeline (hw-model/devices/): the central allocator keeps to the
 * intersection of the import lists of the devices sharing a pool (the 2026 review's direction),
 * a protected pool holds only protected memory, and the display flips a frame only once every
 * fence of the frame (the decoder's and the GPU's) has signalled.
 */
import { DeviceKind, FenceOp, ImportOp, ScanoutOp } from '../../proto/index.js';
import type { CheckRule } from './engine.js';
import { checkRuleWords } from '../rule-text.js';

const R30: CheckRule = {
  ...checkRuleWords('R30'),
  families: ['heapChoice'],
  create(ctx) {
    return {
      before(ev, i) {
        const b = ev.body;
        if (b.case !== 'heapChoice' || !b.value.chosen) return;
        const v = b.value;
        if (v.intersection.includes(v.chosen)) return;
        const refuse = v.devices.filter((d) => !d.heaps.includes(v.chosen)).map((d) => `${d.device} [${d.heaps.join(', ')}]`);
        ctx.report(i, ev.t, `pool "${v.pool}" of pid ${v.pid} allocated from ${v.chosen}${v.chosen === v.gpuHeap ? ' (the GPU driver\'s own heap)' : ''}, outside the intersection [${v.intersection.join(', ')}]: ${refuse.join(', ')} cannot import it`, 'violation', [], -1);
      },
    };
  },
};

const R31: CheckRule = {
  ...checkRuleWords('R31'),
  families: ['heapChoice', 'devImport'],
  create(ctx) {
    /** "pid:pool" → index of the HeapChoice that made the pool protected. */
    const protectedPools = new Map<string, number>();
    return {
      before(ev, i) {
        const b = ev.body;
        if (b.case === 'heapChoice') {
          const key = `${b.value.pid}:${b.value.pool}`;
          if (b.value.protected && b.value.chosen) protectedPools.set(key, i); else protectedPools.delete(key);
          return;
        }
        if (b.case !== 'devImport' || b.value.op !== ImportOp.IMPORT_ATTACH || b.value.protected) return;
        const v = b.value;
        const choice = protectedPools.get(`${v.pid}:${v.pool}`);
        if (choice === undefined) return;
        ctx.report(i, ev.t, `${v.device} attached buffer ${v.bufferId} from ${v.heapName} into the protected pool "${v.pool}": ${v.heapName} is not protected memory, protected frames would be readable`, 'violation', [choice], -1);
      },
    };
  },
};

const R32: CheckRule = {
  ...checkRuleWords('R32'),
  families: ['fence', 'scanout'],
  create(ctx) {
    const decoded = new Set<number>();
    const composited = new Set<number>();
    return {
      before(ev, i) {
        const b = ev.body;
        if (b.case === 'fence') {
          if (b.value.op !== FenceOp.FENCE_SIGNAL) return;
          (b.value.kind === DeviceKind.DEVICE_DECODER ? decoded : composited).add(b.value.frame);
          return;
        }
        if (b.case !== 'scanout' || b.value.op !== ScanoutOp.SCANOUT_FLIP) return;
        const f = b.value.frame;
        const missing = [decoded.has(f) ? '' : 'the decoder\'s', composited.has(f) ? '' : 'the GPU\'s'].filter(Boolean);
        if (missing.length) ctx.report(i, ev.t, `${b.value.device} flipped frame ${f} before ${missing.join(' and ')} fence of it signalled`, 'violation', [], -1);
        // Frames up to f are done with: keep the sets small.
        for (const s of [decoded, composited]) for (const x of s) if (x <= f) s.delete(x);
      },
    };
  },
};

export const PIPELINE_RULES: readonly CheckRule[] = [R30, R31, R32];
