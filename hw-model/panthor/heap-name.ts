/**
 * Where the protected heap's name comes from, as behaviour (reference §4.2 / §4.3):
 *
 *   dt            the RFC's `protected-heap-name` property of the GPU's DT node, one per device:
 *                 of_property_read_string() → 0 and the string, -EINVAL when the property is
 *                 absent, -ENODATA when it has no value. The RFC looks the string up as it is
 *                 (no strlen check): "" is looked up, and dma_heap_add refuses empty names, so it
 *                 is never found.
 *   module-param  the 2026 series 4/8's `protected_heap_name` parameter of the panthor module: one
 *                 value for every panthor device. `if (protected_heap_name &&
 *                 strlen(protected_heap_name))`: unset or "" means no protected support.
 *
 * The probe then follows the heap policy (policies/heap.ts): a name that is looked up and not
 * found defers the probe under probe-defer ("It is an integration error to provide a heap name
 * that does not exist or is never created": the probe stays deferred).
 */
import { EINVAL, ENODATA } from '../../proto/index.js';
import type { DriverConfig } from '../contract.js';

export interface HeapNameRead {
  /** The name to look up (null: none). */
  readonly name: string | null;
  /** A name was given (property present / parameter set). */
  readonly set: boolean;
  /** of_property_read_string's return (dt), 0 for a module parameter. */
  readonly result: number;
  /**
   * `lookup`: dma_heap_find(name) follows; `none`: the probe goes on without protected support;
   * `fail`: the probe fails with `result` (INFERRED: the RFC returns a read error other than
   * -EINVAL, the usual handling of an optional property).
   */
  readonly outcome: 'lookup' | 'none' | 'fail';
}

/**
 * The heap name device `device` reads. Device 0 reads `protected_heap_name` under
 * `heap_name_state`; a second GPU (device 1) reads its own DT property
 * (`second_gpu_heap_name`), or the same module parameter as device 0.
 */
export function readProtectedHeapName(d: DriverConfig, device: number): HeapNameRead {
  const state = d.heapNameState ?? 'set';
  if (d.heapNameSource === 'module-param') {
    if (state === 'absent') return { name: null, set: false, result: 0, outcome: 'none' };
    const v = d.protectedHeapName;
    return v ? { name: v, set: true, result: 0, outcome: 'lookup' } : { name: '', set: true, result: 0, outcome: 'none' };
  }
  if (device > 0) {
    const v = d.secondGpuHeapName ?? d.protectedHeapName;
    return { name: v, set: true, result: 0, outcome: 'lookup' };
  }
  if (state === 'absent') return { name: null, set: false, result: -EINVAL, outcome: 'none' };
  if (state === 'no-value') return { name: null, set: true, result: -ENODATA, outcome: 'fail' };
  return { name: d.protectedHeapName, set: true, result: 0, outcome: 'lookup' };
}

/**
 * Whether the probe's trace shows the name read as its own PROBE_HEAP_NAME event: only when it
 * does not lead straight to a lookup of a non-empty name (whose PROBE_HEAP_LOOKUP already names it).
 */
export function nameReadTraced(r: HeapNameRead): boolean {
  return r.outcome !== 'lookup' || r.name === '';
}
