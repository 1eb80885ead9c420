/**
 * Built-in scenarios of the driver's other paths into and out of protected time: tiler OOM and
 * heap growth, MMU faults with the AS LRU, and a VM_BIND between a protected enter and its exit.
 * Listed by builtin.ts after the others.
 */

export const TILER_OOM = `\
name: tiler-oom
description: A game outgrows its tiler heap (TILER_OOM, one chunk per OOM, forced protected exits) and a capped heap fails its pass (NULL chunk, CS_FATAL OOM), beside protected video
duration: 2s
seed: 4
driver:
  protm_policy: panthor-2026-reviewed
heaps:
  - name: system
    kind: system
  - name: protected
    kind: protected-carveout
    size: 128MiB
apps:
  - name: video
    kind: video-player
    priority: medium
    protected: true
    fps: 30
    job_duration: 6ms
    buffers: 4
  - name: game
    kind: game
    priority: medium
    fps: 60
    job_duration: 8ms
    tiler_chunks: 2
    tiler_chunks_step: 1
    tiler_initial_chunks: 1
    tiler_max_chunks: 64
    start: 20ms
  - name: capped
    kind: game
    priority: low
    fps: 30
    job_duration: 6ms
    tiler_chunks: 5
    tiler_initial_chunks: 2
    tiler_max_chunks: 3
    start: 300ms
`;

export const MMU_FAULT = `\
name: mmu-fault
description: An unhandled page fault on the game's address space (MMU IRQ, AS disabled, the game's group made fatal on the next tick), with AS slots reused by LRU (four VMs, three user address spaces)
duration: 1s
seed: 1
gpu:
  as_present: 0xf
driver:
  protm_policy: panthor-2026-reviewed
heaps:
  - name: system
    kind: system
  - name: protected
    kind: protected-carveout
    size: 128MiB
apps:
  - name: weston
    kind: compositor
    priority: high
    fps: 60
    job_duration: 2ms
  - name: game
    kind: game
    priority: medium
    fps: 60
    job_duration: 6ms
  - name: ml-a
    kind: compute
    priority: low
    job_duration: 5ms
  - name: ml-b
    kind: compute
    priority: low
    job_duration: 5ms
faults:
  - at: 400ms
    kind: mmu-fault
    app: game
`;

export const VM_BIND_RACE = `\
name: vm-bind-race
description: VM_BIND on an ioctl thread between a protected enter and its exit forces an exit mid-job (2026 series); under rfc-2025 its MMU commands run while protected (R8)
duration: 2s
seed: 1
driver:
  protm_policy: panthor-2026-reviewed
heaps:
  - name: system
    kind: system
  - name: protected
    kind: protected-carveout
    size: 128MiB
apps:
  - name: video
    kind: video-player
    priority: medium
    protected: true
    fps: 30
    job_duration: 20ms
    buffers: 4
  - name: ml-batch
    kind: compute
    priority: low
    fps: 100
    job_duration: 3ms
    jitter: 0.5
    start: 50ms
`;
