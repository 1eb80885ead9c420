/**
 * Text of the secure video pipeline's events (hw-model/devices/): the central allocator's heap
 * choice, device imports, fences between devices and the display's commits, flips and missed
 * vblanks. format.ts calls these from its per-family switches.
 */
import {
  DeviceKindNames, FenceOpNames, ImportOpNames, MissReasonNames, PipelineAllocatorNames, ScanoutOpNames,
  ERRNO_NAMES, type Event,
} from '../proto/index.js';
import { formatNs } from './time-text.js';

type Body = Event['body'];
export type PipelineBody = Extract<Body, { case: 'heapChoice' | 'devImport' | 'fence' | 'scanout' }>;

/** The pipeline families, for switches that group them. */
export const PIPELINE_FAMILIES = ['heapChoice', 'devImport', 'fence', 'scanout'] as const;

function nm(names: Readonly<Record<number, string>>, v: number, prefix = ''): string {
  const n = names[v];
  return n === undefined ? String(v) : prefix && n.startsWith(prefix) ? n.slice(prefix.length) : n;
}

function errno(v: number): string {
  if (v >= 0) return String(v);
  const n = ERRNO_NAMES[-v];
  return n ? `-${n}` : String(v);
}

/** A missed vblank's reason without its prefix: "GPU_PROTM_DENIED". */
export function missReasonName(r: number): string { return nm(MissReasonNames, r, 'MISS_'); }

/** The one-line description of a pipeline event (after "#i t family "). */
export function describePipeline(b: PipelineBody): string {
  switch (b.case) {
    case 'heapChoice': {
      const v = b.value;
      const lists = v.devices.map((d) => `${d.device}[${d.heaps.join(',')}]`).join(' ');
      const parts = [`pool=${v.pool}`, v.protected ? 'protected' : 'normal', nm(PipelineAllocatorNames, v.allocator), lists,
        `∩=[${v.intersection.join(',')}]`];
      parts.push(v.chosen ? `chosen=${v.chosen}` : 'chosen=-');
      if (v.gpuHeap) parts.push(`gpu_heap=${v.gpuHeap}${v.chosen && v.gpuHeap !== v.chosen ? '(differs)' : ''}`);
      parts.push(`pid=${v.pid}`, `ret=${errno(v.result)}`);
      if (v.reason) parts.push(`"${v.reason}"`);
      return parts.join(' ');
    }
    case 'devImport': {
      const v = b.value;
      const parts = [nm(ImportOpNames, v.op), v.device, `(${nm(DeviceKindNames, v.kind, 'DEVICE_')})`, `buf=${v.bufferId}`,
        `heap=${v.heapName}`];
      if (v.protected) parts.push('protected');
      if (v.pool) parts.push(`pool=${v.pool}`);
      parts.push(`pid=${v.pid}`, `refs=${v.refcount}`, `ret=${errno(v.result)}`);
      return parts.join(' ');
    }
    case 'fence': {
      const v = b.value;
      const parts = [nm(FenceOpNames, v.op), `${v.device}`, `frame=${v.frame}`, `seqno=${v.seqno}`];
      if (v.bufferId) parts.push(`buf=${v.bufferId}`);
      if (v.waiter) parts.push(`waiter=${v.waiter}`);
      return parts.join(' ');
    }
    case 'scanout': {
      const v = b.value;
      const parts = [nm(ScanoutOpNames, v.op), v.device, `vblank=${v.vblank}`, `frame=${v.frame}`];
      if (v.bufferId) parts.push(`buf=${v.bufferId}`);
      if (v.reason) parts.push(missReasonName(v.reason));
      if (v.lateNs) parts.push(`late=${formatNs(v.lateNs)}`);
      if (v.detail) parts.push(`"${v.detail}"`);
      return parts.join(' ');
    }
  }
}

/** Names a pipeline event answers to in `--type` filters, beside its family. */
export function pipelineTypeNames(b: PipelineBody): string[] {
  switch (b.case) {
    case 'heapChoice': return [nm(PipelineAllocatorNames, b.value.allocator)];
    case 'devImport': return [nm(ImportOpNames, b.value.op)];
    case 'fence': return [nm(FenceOpNames, b.value.op)];
    case 'scanout': return b.value.reason ? [nm(ScanoutOpNames, b.value.op), nm(MissReasonNames, b.value.reason)] : [nm(ScanoutOpNames, b.value.op)];
  }
}

/** Enum fields of the pipeline messages, by message case / field name (format.ts ENUM_FIELDS). */
export const PIPELINE_ENUM_FIELDS = {
  heapChoice: { allocator: PipelineAllocatorNames },
  devices: { kind: DeviceKindNames },
  devImport: { op: ImportOpNames, kind: DeviceKindNames },
  fence: { op: FenceOpNames, kind: DeviceKindNames },
  scanout: { op: ScanoutOpNames, reason: MissReasonNames },
} as const;
