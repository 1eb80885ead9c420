/**
 * What a run did to the system beyond the scheduler, per device, heap and app: the consequences of
 * the heap debates that scheduling metrics do not show. Fed the same single pass as the metrics
 * (diff's extract.ts); each row is a subject ("gpu 0", "heap protected", "app video"), a metric
 * and its value as text, so that two runs compare row by row.
 *
 *   gpu N      probe outcome (probed / probed, no protected support / deferred / failed) and when,
 *              probe attempts, protected heap held
 *   heap H     allocations after its removal, removal refused (-EBUSY), freed at (last kref)
 *   app A      protected GROUP_CREATE failures (errno), EGL errors
 */
import { EglOp, HeapOp, IoctlCmd, ProbeStage, ProcessOp, ERRNO_NAMES, DRM_PANTHOR_GROUP_CREATE_PROTECTED, type Event } from '../../proto/index.js';
import { formatNs } from '../time-text.js';

export interface PlatformRow { subject: string; metric: string; value: string }

interface Gpu { outcome: string; at: number; attempts: number; heap: string }

export class PlatformCollector {
  private readonly gpus = new Map<number, Gpu>();
  private readonly removed = new Map<string, number>();        // heap → removal time
  private readonly allocsAfterRemoval = new Map<string, number>();
  private readonly refused = new Map<string, number>();
  private readonly freed = new Map<string, number>();
  private readonly comm = new Map<number, string>();
  private readonly protFails = new Map<string, Map<string, number>>(); // app → errno → count
  private readonly eglErrors = new Map<string, number>();

  private gpu(d: number): Gpu {
    let g = this.gpus.get(d);
    if (!g) { g = { outcome: 'probing', at: -1, attempts: 0, heap: '' }; this.gpus.set(d, g); }
    return g;
  }

  private app(pid: number): string { return this.comm.get(pid) ?? `pid ${pid}`; }

  onEvent(ev: Event): void {
    const b = ev.body;
    switch (b.case) {
      case 'probe': {
        const p = b.value;
        const g = this.gpu(p.device);
        if (p.stage === ProbeStage.PROBE_START) g.attempts++;
        else if (p.stage === ProbeStage.PROBE_DEFER) { g.outcome = 'deferred'; g.at = ev.t; }
        else if (p.stage === ProbeStage.PROBE_DONE) { g.outcome = g.heap ? 'probed' : 'probed, no protected support'; g.at = ev.t; }
        else if (p.stage === ProbeStage.PROBE_FAILED) { g.outcome = `failed (${errno(p.result)})`; g.at = ev.t; }
        return;
      }
      case 'heap': {
        const h = b.value;
        if (h.op === HeapOp.DMA_HEAP_FIND && h.result === 0 && h.callerPid === 0) this.gpu(h.device).heap = h.heapName;
        else if (h.op === HeapOp.DMA_HEAP_REMOVE) {
          if (h.result === 0) this.removed.set(h.heapName, ev.t);
          else this.refused.set(h.heapName, (this.refused.get(h.heapName) ?? 0) + 1);
        } else if (h.op === HeapOp.DMA_HEAP_BUFFER_ALLOC && h.result === 0 && this.removed.has(h.heapName)) {
          this.allocsAfterRemoval.set(h.heapName, (this.allocsAfterRemoval.get(h.heapName) ?? 0) + 1);
        } else if (h.op === HeapOp.DMA_HEAP_RELEASE) this.freed.set(h.heapName, ev.t);
        else if (h.op === HeapOp.DMA_HEAP_ADD && h.result === 0) this.removed.delete(h.heapName);
        return;
      }
      case 'process':
        if (b.value.op === ProcessOp.PROC_START && b.value.comm) this.comm.set(b.value.pid, b.value.comm);
        return;
      case 'ioctl': {
        const io = b.value;
        if (io.cmd !== IoctlCmd.GROUP_CREATE || io.ret >= 0 || io.args.case !== 'groupCreate') return;
        if (!(io.args.value.flags & DRM_PANTHOR_GROUP_CREATE_PROTECTED)) return;
        const a = this.app(io.pid);
        let m = this.protFails.get(a);
        if (!m) { m = new Map(); this.protFails.set(a, m); }
        const e = errno(io.ret);
        m.set(e, (m.get(e) ?? 0) + 1);
        return;
      }
      case 'egl':
        if (b.value.error !== 0 && b.value.error !== 0x3000 && b.value.op !== EglOp.EGL_DESTROY_SURFACE) {
          const a = this.app(b.value.pid);
          this.eglErrors.set(a, (this.eglErrors.get(a) ?? 0) + 1);
        }
        return;
      default: return;
    }
  }

  /** The rows, subjects in a stable order (GPUs by index, heaps and apps by name). */
  finish(): PlatformRow[] {
    const rows: PlatformRow[] = [];
    for (const d of [...this.gpus.keys()].sort((x, y) => x - y)) {
      const g = this.gpus.get(d)!;
      const s = `gpu ${d}`;
      rows.push({ subject: s, metric: 'probe outcome', value: g.at >= 0 ? `${g.outcome} at ${formatNs(g.at)}` : g.outcome });
      rows.push({ subject: s, metric: 'probe attempts', value: String(g.attempts) });
      rows.push({ subject: s, metric: 'protected heap', value: g.heap || 'none' });
    }
    const heaps = new Set([...this.removed.keys(), ...this.refused.keys(), ...this.freed.keys()]);
    for (const h of [...heaps].sort()) {
      const s = `heap ${h}`;
      const rm = this.removed.get(h);
      rows.push({ subject: s, metric: 'removed at', value: rm !== undefined ? formatNs(rm) : this.refused.has(h) ? `refused ×${this.refused.get(h)} (EBUSY)` : '-' });
      rows.push({ subject: s, metric: 'allocations after removal', value: String(this.allocsAfterRemoval.get(h) ?? 0) });
      const f = this.freed.get(h);
      rows.push({ subject: s, metric: 'struct freed at', value: f !== undefined ? formatNs(f) : '-' });
    }
    const apps = new Set([...this.protFails.keys(), ...this.eglErrors.keys()]);
    for (const a of [...apps].sort()) {
      const m = this.protFails.get(a);
      if (m) rows.push({ subject: `app ${a}`, metric: 'protected GROUP_CREATE failures', value: [...m].map(([e, n]) => `${n} × ${e}`).join(', ') });
      const eg = this.eglErrors.get(a);
      if (eg) rows.push({ subject: `app ${a}`, metric: 'EGL errors', value: String(eg) });
    }
    return rows;
  }
}

function errno(ret: number): string {
  return ERRNO_NAMES[Math.abs(ret)] ?? `errno ${Math.abs(ret)}`;
}

/** Two runs' rows side by side (a subject and metric missing on one side shows "-"). */
export function platformDelta(a: readonly PlatformRow[], b: readonly PlatformRow[]): { subject: string; metric: string; a: string; b: string }[] {
  const key = (r: PlatformRow): string => `${r.subject}\u0000${r.metric}`;
  const bm = new Map(b.map((r) => [key(r), r.value]));
  const out: { subject: string; metric: string; a: string; b: string }[] = [];
  const seen = new Set<string>();
  for (const r of a) { seen.add(key(r)); out.push({ subject: r.subject, metric: r.metric, a: r.value, b: bm.get(key(r)) ?? '-' }); }
  for (const r of b) if (!seen.has(key(r))) out.push({ subject: r.subject, metric: r.metric, a: '-', b: r.value });
  return out;
}
