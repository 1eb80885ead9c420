/**
 * A second panthor device in the same system, modelled up to its probe (panthor_device_init's
 * protected-heap part): it reads its heap name (its own DT node, or the one module parameter of
 * the panthor module), looks the heap up with dma_heap_find (a kref on the heap, device index 1),
 * defers while it is missing (retried on every dma_heap_add, as driver_deferred_probe_trigger
 * does), and drops its reference at removal. Its FW, scheduler and apps are not modelled: the
 * second GPU exists to show what a global module parameter does to a device whose integrator
 * wanted another heap.
 *
 *   start ─► PROBE_START ─► [PROBE_HEAP_NAME] ─► PROBE_HEAP_LOOKUP ─► dma_heap_find
 *            ─► PROBE_DEFER (heap missing) … dma_heap_add ─► retry
 *            ─► PROBE_DONE (with or without protected support) / PROBE_FAILED
 */
import { HeapPurpose, LogLevel, ProbeStage, EPROBE_DEFER, type ProbeInit } from '../../proto/index.js';
import type { ScenarioConfig } from '../contract.js';
import type { DmaHeap, HeapRegistry } from '../dma-heap/index.js';
import { heapPolicy } from '../policies/index.js';
import type { Sim } from '../sim/index.js';
import { nameReadTraced, readProtectedHeapName } from './heap-name.js';

export const SECOND_GPU_DEVICE = 1;

export class SecondGpu {
  probed = false;
  failed = false;
  attempt = 0;
  heap: DmaHeap | null = null;

  constructor(private readonly sim: Sim, private readonly cfg: ScenarioConfig, private readonly heaps: HeapRegistry) {
    heaps.onAdd((_h, ev) => { if (!this.probed && !this.failed && this.attempt > 0) this.probe(ev); });
  }

  private emit(v: ProbeInit, cause: number): number {
    return this.sim.bus.emitBody({ case: 'probe', value: {
      heapNameSource: this.cfg.driver.heapNameSource, attempt: this.attempt, device: SECOND_GPU_DEVICE, ...v,
    } }, cause);
  }

  private log(level: LogLevel, msg: string, cause: number): void {
    this.sim.bus.emitBody({ case: 'log', value: { level, msg, source: 'panthor gpu1' } }, cause);
  }

  probe(cause: number): void {
    this.attempt++;
    const pol = heapPolicy(this.cfg.driver.heapPolicy);
    const r = readProtectedHeapName(this.cfg.driver, SECOND_GPU_DEVICE);
    let ev = this.emit({ stage: ProbeStage.PROBE_START, heapName: r.name ?? '' }, cause);
    if (nameReadTraced(r)) ev = this.emit({ stage: ProbeStage.PROBE_HEAP_NAME, heapName: r.name ?? '', nameSet: r.set, result: r.result }, ev);
    if (r.outcome === 'fail') { this.failed = true; this.emit({ stage: ProbeStage.PROBE_FAILED, result: r.result }, ev); return; }
    if (r.outcome === 'lookup' && r.name !== null && !pol.disabled) {
      ev = this.emit({ stage: ProbeStage.PROBE_HEAP_LOOKUP, heapName: r.name }, ev);
      const heap = this.heaps.find(r.name, HeapPurpose.PURPOSE_PROBE, 0, ev, SECOND_GPU_DEVICE);
      if (!heap && pol.deferProbe) {
        const e = this.emit({ stage: ProbeStage.PROBE_DEFER, result: -EPROBE_DEFER, heapName: r.name }, this.heaps.lastEvent);
        this.log(LogLevel.LOG_INFO, `Protected heap '${r.name}' not (yet) available - deferring probe`, e);
        return;
      }
      this.heap = heap;
      ev = this.heaps.lastEvent;
    } else {
      ev = this.emit({ stage: ProbeStage.PROBE_NO_PROTECTED, heapName: r.name ?? '' }, ev);
    }
    this.probed = true;
    this.emit({ stage: ProbeStage.PROBE_DONE, heapName: this.heap?.name ?? '' }, ev);
  }

  /** panthor_device_unplug: the heap reference goes. */
  shutdown(): void {
    if (!this.probed) return;
    const ev = this.emit({ stage: ProbeStage.PROBE_REMOVE }, -1);
    if (this.heap) { this.heaps.put(this.heap, HeapPurpose.PURPOSE_PROBE, 0, ev, SECOND_GPU_DEVICE); this.heap = null; }
  }
}
