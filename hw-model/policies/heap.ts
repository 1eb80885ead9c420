/**
 * Missing-heap policies (reference §4.4): what the driver does when the protected heap it was told
 * about is not registered at probe, and where the heap's name comes from.
 */
import type { HeapPolicy } from '../contract.js';

export interface HeapPolicyDesc {
  readonly name: HeapPolicy;
  /** The probe returns -EPROBE_DEFER until the heap appears (the 2026 series as posted). */
  readonly deferProbe: boolean;
  /** Probe without the heap; retry at the first protected group and do a slow reset to load the
   *  protected FW sections (Boris' proposal; Liviu: the slow reset re-initialises them). */
  readonly lazySlowReset: boolean;
  /** User space supplies the dma-bufs (protm suspend buffer per group, FW sections) (Chia-I Wu). */
  readonly userSupplied: boolean;
  /** No protected support at all. */
  readonly disabled: boolean;
}

export const HEAP_POLICY_DESCS: Readonly<Record<HeapPolicy, HeapPolicyDesc>> = {
  'probe-defer': { name: 'probe-defer', deferProbe: true, lazySlowReset: false, userSupplied: false, disabled: false },
  'lazy-slow-reset': { name: 'lazy-slow-reset', deferProbe: false, lazySlowReset: true, userSupplied: false, disabled: false },
  'userspace-dmabuf': { name: 'userspace-dmabuf', deferProbe: false, lazySlowReset: false, userSupplied: true, disabled: false },
  'disabled': { name: 'disabled', deferProbe: false, lazySlowReset: false, userSupplied: false, disabled: true },
};

export function heapPolicy(name: HeapPolicy): HeapPolicyDesc {
  const p = HEAP_POLICY_DESCS[name];
  if (!p) throw new Error(`unknown heap policy: ${name}`);
  return p;
}

