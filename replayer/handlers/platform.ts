/**
 * Platform handler: what lies beside the first GPU's driver state. Every panthor device's probe
 * outcome (device 0 and a second GPU that only probes: the DT property vs module parameter
 * debate), dma-heaps freed by their last reference or whose removal was refused (the lifetime
 * debate), and the apps' EGL contexts (EGL_EXT_protected_content model).
 */
import { EglOp, EglOpNames, HeapOp, ProbeStage, ProbeStageNames, EBUSY } from '../../proto/index.js';
import { eglErrorName } from '../format.js';
import { enumName, type Handler } from './handler.js';
import type { GpuProbeRec, PlatformSlices, PlatformState } from './slices.js';

export function initialPlatform(): PlatformState {
  return { gpus: {}, heapsReleased: {}, heapRemovalsRefused: 0, egl: {}, eglErrors: 0, lastEglError: null };
}

const EGL_SUCCESS = 0x3000;

function gpu(s: PlatformSlices, device: number): GpuProbeRec {
  const k = String(device);
  let g = s.platform.gpus[k];
  if (!g) {
    g = { device, outcome: 'probing', stage: '', result: 0, heapName: '', nameSource: '', nameSet: true, protectedHeap: '',
      attempts: 0, defers: 0, idx: -1 };
    s.platform.gpus[k] = g;
  }
  return g;
}

export const platformHandler: Handler<PlatformSlices> = {
  name: 'platform',
  families: ['probe', 'heap', 'egl'],
  owns: ['platform'],
  reads: [],
  init: () => ({ platform: initialPlatform() }),
  handleEvent(s, ev, i) {
    const b = ev.body;
    const p = s.platform;
    switch (b.case) {
      case 'probe': {
        const v = b.value;
        const g = gpu(s, v.device);
        g.stage = enumName(ProbeStageNames, v.stage);
        g.result = v.result;
        g.idx = i;
        if (v.heapNameSource) g.nameSource = v.heapNameSource;
        switch (v.stage) {
          case ProbeStage.PROBE_START:
            g.attempts = Math.max(g.attempts + 1, v.attempt); g.outcome = 'probing'; g.nameSet = true;
            if (v.heapName) g.heapName = v.heapName;
            break;
          case ProbeStage.PROBE_HEAP_NAME: g.heapName = v.heapName; g.nameSet = v.nameSet; break;
          case ProbeStage.PROBE_HEAP_LOOKUP: g.heapName = v.heapName; break;
          case ProbeStage.PROBE_DEFER: g.defers++; g.outcome = 'deferred'; break;
          case ProbeStage.PROBE_NO_PROTECTED: g.protectedHeap = ''; g.outcome = 'probing, no protected support'; break;
          case ProbeStage.PROBE_DONE: g.outcome = g.protectedHeap ? 'probed' : 'probed, no protected support'; break;
          case ProbeStage.PROBE_FAILED: g.outcome = 'failed'; break;
          case ProbeStage.PROBE_REMOVE: g.outcome = 'removed'; break;
          default: break;
        }
        return;
      }
      case 'heap': {
        const h = b.value;
        if (h.op === HeapOp.DMA_HEAP_FIND && h.result === 0 && h.callerPid === 0) gpu(s, h.device).protectedHeap = h.heapName;
        else if (h.op === HeapOp.DMA_HEAP_RELEASE) p.heapsReleased[h.heapName] = i;
        else if (h.op === HeapOp.DMA_HEAP_REMOVE && h.result === -EBUSY) p.heapRemovalsRefused++;
        else if (h.op === HeapOp.DMA_HEAP_ADD && h.result === 0) delete p.heapsReleased[h.heapName];
        return;
      }
      case 'egl': {
        const e = b.value;
        const key = String(e.pid);
        const ok = e.error === 0 || e.error === EGL_SUCCESS;
        let c = p.egl[key];
        if (!c) {
          c = { pid: e.pid, context: 0, protected: false, group: 0, draw: 0, surfaces: 0, protectedSurfaces: 0, errors: 0, lastError: '', idx: i };
          p.egl[key] = c;
        }
        c.idx = i;
        if (ok) {
          switch (e.op) {
            case EglOp.EGL_CREATE_CONTEXT: c.context = e.context; c.protected = e.protectedContent; c.group = e.groupHandle; c.draw = 0; break;
            case EglOp.EGL_CREATE_SURFACE: c.surfaces++; if (e.protectedContent) c.protectedSurfaces++; break;
            case EglOp.EGL_DESTROY_SURFACE: c.surfaces = Math.max(0, c.surfaces - 1); if (e.protectedContent) c.protectedSurfaces = Math.max(0, c.protectedSurfaces - 1); break;
            case EglOp.EGL_MAKE_CURRENT: c.draw = e.draw; break;
            case EglOp.EGL_DESTROY_CONTEXT: c.context = 0; c.protected = false; c.group = 0; c.draw = 0; break;
            default: break;
          }
        } else {
          p.eglErrors++;
          p.lastEglError = { pid: e.pid, op: enumName(EglOpNames, e.op), error: eglErrorName(e.error), idx: i };
          c.errors++; c.lastError = eglErrorName(e.error);
        }
        return;
      }
      default: return;
    }
  },
};
