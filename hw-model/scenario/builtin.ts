/**
 * The built-in scenarios, embedded as YAML text so that they are found wherever the code runs
 * (dist/, a packed install). `csftrace scenarios --show <name>` prints one as a starting point
 * for a scenario file of one's own. Each is parsed by the same loader as user files.
 */
import type { ScenarioConfig } from '../contract.js';
import { PM_FAULT_SCENARIOS } from './builtin-pm.js';
import { ScenarioError, parseScenario, suggest } from './loader.js';
import { HEAP_BUILTINS } from './builtin-heaps.js';
import { MMU_FAULT, TILER_OOM, VM_BIND_RACE } from './builtin-oom.js';

export interface BuiltinScenario {
  name: string;
  text: string;
}

const DRM_VIDEO_OVER_UI = `\
name: drm-video-over-ui
description: Protected 30 fps video (MEDIUM) over a 60 Hz UI compositor (HIGH) with background compute (LOW)
duration: 5s
seed: 1
driver:
  protm_policy: panthor-2026
  heap_policy: probe-defer
  heap_name_source: module-param
  protected_heap_name: protected
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
    job_duration: 2.5ms
  - name: video
    kind: video-player
    priority: medium
    protected: true
    fps: 30
    job_duration: 6ms
    buffers: 4
    start: 200ms
  - name: ml-batch
    kind: compute
    priority: low
    job_duration: 40ms
    start: 100ms
`;

const HEAP_MISSING_DEFER = `\
name: heap-missing-defer
description: The protected heap registers 1.5 s after boot; the probe defers (-EPROBE_DEFER) until it appears
duration: 4s
seed: 1
driver:
  heap_policy: probe-defer
  heap_name_source: module-param
  protected_heap_name: protected
heaps:
  - name: system
    kind: system
  - name: protected
    kind: protected-carveout
    size: 64MiB
    appear_at: 1.5s
apps:
  - name: weston
    kind: compositor
    priority: high
  - name: video
    kind: video-player
    protected: true
    fps: 30
    start: 100ms
`;

const HEAP_LATE_LAZY_RESET = `\
name: heap-late-lazy-reset
description: The heap appears late; lazy-slow-reset probes without it and slow-resets at the first protected group
duration: 4s
seed: 1
driver:
  heap_policy: lazy-slow-reset
  heap_name_source: module-param
  protected_heap_name: protected
heaps:
  - name: system
    kind: system
  - name: protected
    kind: protected-carveout
    size: 64MiB
    appear_at: 1s
apps:
  - name: weston
    kind: compositor
    priority: high
  - name: video
    kind: video-player
    protected: true
    fps: 30
    start: 500ms
`;

const USERSPACE_DMABUF = `\
name: userspace-dmabuf
description: No protected heap at probe; user space supplies protected dma-bufs from a TEE-backed restricted heap
duration: 3s
seed: 1
driver:
  heap_policy: userspace-dmabuf
  heap_name_source: dt
  protected_heap_name: restricted_mtk_cma
heaps:
  - name: system
    kind: system
  - name: restricted_mtk_cma
    kind: restricted-tee
    size: 128MiB
    alloc_latency: 2ms
    appear_at: 300ms
apps:
  - name: weston
    kind: compositor
    priority: high
  - name: video
    kind: video-player
    protected: true
    heap: restricted_mtk_cma
    fps: 30
    start: 500ms
`;

const PROTM_FAULT = `\
name: protm-fault
description: A GPU_IRQ_PROTM_FAULT while the video is protected; reset, the protected group ends fatal, the UI is not blamed
duration: 3s
seed: 1
apps:
  - name: weston
    kind: compositor
    priority: high
  - name: video
    kind: video-player
    protected: true
    fps: 30
    job_duration: 12ms
    start: 100ms
faults:
  - at: 1.2s
    kind: protm-fault
`;

const PRIORITY_INVERSION = `\
name: priority-inversion
description: A protected LOW video group against a HIGH normal game group; can the protected work ever run?
duration: 4s
seed: 1
apps:
  - name: video
    kind: video-player
    priority: low
    protected: true
    fps: 30
    job_duration: 8ms
  - name: game
    kind: game
    priority: high
    privileged: true
    fps: 60
    job_duration: 14ms
    start: 50ms
`;

const PROTM_PENDING_NO_HEAP = `\
name: protm-pending-no-heap
description: No protected heap, yet a player emits PROT_REGION in an ordinary group; CS_PROTM_PENDING reaches the kernel
duration: 2s
seed: 1
driver:
  heap_policy: disabled
  protected_heap_name: ""
apps:
  - name: weston
    kind: compositor
    priority: high
  - name: video
    kind: video-player
    protected: true
    protected_group: false
    buffers: 0
    fps: 30
`;

const WATCHDOG_PING_IN_PROTM = `\
name: watchdog-ping-in-protm
description: Long protected jobs span the 12 s watchdog PING; under panthor-2026 the PING forces an exit
duration: 13.5s
seed: 1
apps:
  - name: video
    kind: video-player
    priority: high
    privileged: true
    protected: true
    fps: 0
    job_duration: 400ms
    jitter: 0.05
  - name: ml-batch
    kind: compute
    priority: low
    job_duration: 30ms
`;

const STRESS = `\
name: stress
description: Many apps and groups at once (two protected players, games, compute, UI clients); over 1M events per virtual minute
duration: 10s
seed: 1
gpu:
  group_num: 16
  stream_num: 8
heaps:
  - name: system
    kind: system
  - name: protected
    kind: protected-carveout
    size: 256MiB
apps:
  - { name: weston, kind: compositor, priority: realtime, fps: 120, job_duration: 1.5ms }
  - { name: video-a, kind: video-player, protected: true, fps: 60, job_duration: 4ms }
  - { name: video-b, kind: video-player, protected: true, fps: 24, job_duration: 6ms, start: 1s }
  - { name: game-a, kind: game, fps: 60, job_duration: 6ms, queues: 2 }
  - { name: game-b, kind: game, fps: 144, job_duration: 2ms, queues: 2 }
  - { name: game-c, kind: game, fps: 30, job_duration: 10ms, start: 2s, stop: 8s }
  - { name: browser, kind: compositor, priority: medium, fps: 60, job_duration: 1ms }
  - { name: terminal, kind: compositor, priority: medium, fps: 60, job_duration: 300us }
  - { name: chat, kind: compositor, priority: medium, fps: 30, job_duration: 500us, start: 500ms }
  - { name: clock, kind: compositor, priority: low, fps: 1, job_duration: 200us }
  - { name: ml-a, kind: compute, job_duration: 20ms }
  - { name: ml-b, kind: compute, job_duration: 5ms }
  - { name: ml-c, kind: compute, job_duration: 1ms, start: 3s }
  - { name: indexer, kind: compute, job_duration: 500us, stop: 6s }
  - { name: thumbnailer, kind: compute, job_duration: 300us }
  - { name: ml-d, kind: compute, priority: medium, job_duration: 800us, start: 1.5s }
  - { name: launcher, kind: compositor, priority: medium, fps: 144, job_duration: 400us }
  - { name: overlay, kind: compositor, priority: medium, fps: 144, job_duration: 300us, start: 250ms }
  - { name: game-d, kind: game, fps: 240, job_duration: 1ms, queues: 3, start: 4s }
  - { name: notifier, kind: compositor, priority: low, fps: 30, job_duration: 200us, start: 1s, stop: 9s }
`;

const SECURE_VIDEO_PIPELINE = `\
name: secure-video-pipeline
description: Protected frames from a decoder, composited by the GPU into a protected scanout buffer, flipped by a KMS display at 60 Hz
duration: 3s
seed: 1
driver:
  protm_policy: panthor-2026-reviewed
  heap_policy: probe-defer
  heap_name_source: module-param
  protected_heap_name: protected
heaps:
  - name: system
    kind: system
  - name: protected
    kind: protected-carveout
    size: 128MiB
    appear_at: 600ms
  - name: restricted_mtk_cma
    kind: restricted-tee
    size: 256MiB
    alloc_latency: 2ms
devices:
  - { name: vdec, kind: decoder, decode_time: 12ms, jitter: 0.4, heaps: system, protected_heaps: "restricted_mtk_cma, protected" }
  - { name: lcd, kind: display, refresh: 60, heaps: system, protected_heaps: "restricted_mtk_cma, protected" }
  - { name: gpu, kind: gpu, heaps: system, protected_heaps: "protected, restricted_mtk_cma" }
apps:
  - { name: weston, kind: compositor, priority: high, fps: 60, job_duration: 2.5ms }
  - { name: player, kind: secure-pipeline, decoder: vdec, display: lcd, fps: 30, job_duration: 4ms, buffers: 4 }
  - { name: ml-batch, kind: compute, priority: low, job_duration: 30ms, start: 100ms }
`;

const PIPELINE_NO_COMMON_HEAP = `\
name: pipeline-no-common-heap
description: The decoder imports protected frames only from its own secure heap, the GPU only from the carve-out; the allocator finds no common heap
duration: 1s
seed: 1
heaps:
  - name: system
    kind: system
  - name: protected
    kind: protected-carveout
    size: 128MiB
  - name: vdec_secure
    kind: restricted-tee
    size: 64MiB
devices:
  - { name: vdec, kind: decoder, protected_heaps: vdec_secure }
  - { name: lcd, kind: display, protected_heaps: "protected, vdec_secure" }
  - { name: gpu, kind: gpu, protected_heaps: protected }
apps:
  - { name: weston, kind: compositor, priority: high }
  - { name: player, kind: secure-pipeline, fps: 30 }
`;

const PIPELINE_GPU_HEAP_DISAGREES = `\
name: pipeline-gpu-heap-disagrees
description: The GPU driver's protected heap is one the display cannot scan out from; a player that takes the GPU's heap for every buffer is refused
duration: 1s
seed: 1
driver:
  protm_policy: panthor-2026-reviewed
  protected_heap_name: protected
heaps:
  - name: system
    kind: system
  - name: protected
    kind: protected-carveout
    size: 128MiB
  - name: restricted_mtk_cma
    kind: restricted-tee
    size: 256MiB
devices:
  - { name: vdec, kind: decoder, protected_heaps: "restricted_mtk_cma, protected" }
  - { name: lcd, kind: display, protected_heaps: restricted_mtk_cma }
  - { name: gpu, kind: gpu, protected_heaps: "protected, restricted_mtk_cma" }
apps:
  - { name: weston, kind: compositor, priority: high }
  - { name: player, kind: secure-pipeline, fps: 30, allocator: gpu-heap }
`;

/** The built-ins, in the order `csftrace scenarios` lists them; the first is the default. */
export const BUILTIN_SCENARIOS: readonly BuiltinScenario[] = [
  { name: 'drm-video-over-ui', text: DRM_VIDEO_OVER_UI },
  { name: 'heap-missing-defer', text: HEAP_MISSING_DEFER },
  { name: 'heap-late-lazy-reset', text: HEAP_LATE_LAZY_RESET },
  { name: 'userspace-dmabuf', text: USERSPACE_DMABUF },
  { name: 'protm-fault', text: PROTM_FAULT },
  { name: 'priority-inversion', text: PRIORITY_INVERSION },
  { name: 'watchdog-ping-in-protm', text: WATCHDOG_PING_IN_PROTM },
  { name: 'stress', text: STRESS },
  { name: 'protm-pending-no-heap', text: PROTM_PENDING_NO_HEAP },
  ...PM_FAULT_SCENARIOS,
  ...HEAP_BUILTINS,
  { name: 'secure-video-pipeline', text: SECURE_VIDEO_PIPELINE },
  { name: 'pipeline-no-common-heap', text: PIPELINE_NO_COMMON_HEAP },
  { name: 'pipeline-gpu-heap-disagrees', text: PIPELINE_GPU_HEAP_DISAGREES },
  { name: 'tiler-oom', text: TILER_OOM },
  { name: 'mmu-fault', text: MMU_FAULT },
  { name: 'vm-bind-race', text: VM_BIND_RACE },
];

export const DEFAULT_SCENARIO = 'drm-video-over-ui';

export function findBuiltin(name: string): BuiltinScenario | undefined {
  return BUILTIN_SCENARIOS.find((s) => s.name === name);
}

/** Loads a built-in by name; an unknown name is a ScenarioError naming the built-ins. */
export function loadBuiltin(name: string): ScenarioConfig {
  const b = findBuiltin(name);
  if (!b) {
    const names = BUILTIN_SCENARIOS.map((s) => s.name);
    throw new ScenarioError(name, 0, '', `unknown built-in scenario${suggest(name, names)} (built-ins: ${names.join(', ')})`);
  }
  return parseScenario(b.text, `builtin:${b.name}`);
}

/** name + one-line description of every built-in. */
export function listBuiltins(): { name: string; description: string }[] {
  return BUILTIN_SCENARIOS.map((b) => ({ name: b.name, description: parseScenario(b.text, `builtin:${b.name}`).description }));
}
