/**
 * Built-in scenarios of the heap debates (issue: heap lifetime, DT property vs module parameter)
 * and of the EGL protected-content layer; appended to the list in builtin.ts. Variants of one
 * debate point differ in one driver key, so `csftrace diff` between their recordings shows that
 * key's consequence per app and device.
 */

/** The heap-remove-held workload under one heap lifetime policy. */
function heapRemove(name: string, lifetime: string, what: string): string {
  return `\
name: ${name}
description: "The protected heap's module goes away at 1 s while the GPU holds a reference, FW sections and a suspend buffer; a new player at 1.5 s (${what})"
duration: 3s
seed: 1
driver:
  protm_policy: panthor-2026-reviewed
  heap_policy: probe-defer
  heap_name_source: module-param
  protected_heap_name: protected
  heap_lifetime: ${lifetime}
heaps:
  - name: system
    kind: system
  - name: protected
    kind: protected-carveout
    size: 64MiB
apps:
  - name: weston
    kind: compositor
    priority: high
  - name: video
    kind: video-player
    protected: true
    fps: 30
    start: 100ms
  - name: video-2
    kind: video-player
    protected: true
    buffers: 0
    fps: 24
    start: 1.5s
faults:
  - at: 1s
    kind: heap-remove
    heap: protected
`;
}

/** Two GPUs, each wanting its own protected heap; the name from DT properties or one module parameter. */
function twoGpus(name: string, source: string, what: string): string {
  return `\
name: ${name}
description: "Two GPUs, GPU 0 on the carve-out 'protected', GPU 1 on the TEE heap that registers at 1.5 s (${what})"
duration: 3s
seed: 1
driver:
  protm_policy: panthor-2026-reviewed
  heap_policy: probe-defer
  heap_name_source: ${source}
  protected_heap_name: ${source === 'dt' ? 'protected' : 'restricted_mtk_cma'}
  second_gpu: true
  second_gpu_heap_name: restricted_mtk_cma
heaps:
  - name: system
    kind: system
  - name: protected
    kind: protected-carveout
    size: 64MiB
  - name: restricted_mtk_cma
    kind: restricted-tee
    size: 64MiB
    appear_at: 1.5s
apps:
  - name: weston
    kind: compositor
    priority: high
  - name: video
    kind: video-player
    protected: true
    heap: protected
    fps: 30
    start: 200ms
`;
}

const EGL_PROTECTED = `\
name: egl-protected
description: Apps on the EGL_EXT_protected_content layer; a browser makes a protected video surface current in its normal context (EGL_BAD_ACCESS)
duration: 2s
seed: 1
driver:
  protm_policy: panthor-2026-reviewed
apps:
  - name: weston
    kind: compositor
    priority: high
    egl: true
  - name: video
    kind: video-player
    protected: true
    fps: 30
    start: 100ms
    egl: true
  - name: browser
    kind: compositor
    priority: medium
    fps: 30
    start: 300ms
    stop: 1.8s
    egl: true
    egl_mixed_surfaces: true
`;

/** Same shape as builtin.ts's BuiltinScenario (kept apart: builtin.ts imports this list). */
export const HEAP_BUILTINS: readonly { name: string; text: string }[] = [
  { name: 'heap-remove-held', text: heapRemove('heap-remove-held', 'kref', 'kref as posted, allocations still reach the removed heap') },
  { name: 'heap-remove-revoke', text: heapRemove('heap-remove-revoke', 'revoke', 'revoke, a removed heap refuses allocations with -ENODEV') },
  { name: 'two-gpus-dt', text: twoGpus('two-gpus-dt', 'dt', 'a DT property per GPU') },
  { name: 'two-gpus-module-param', text: twoGpus('two-gpus-module-param', 'module-param', 'one module parameter for both, GPU 0 waits for the heap of GPU 1') },
  { name: 'egl-protected', text: EGL_PROTECTED },
];
