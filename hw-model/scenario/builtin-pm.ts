/**
 * Built-in scenarios of the driver's power-management and fault paths: runtime PM between
 * protected frames (GLB IDLE, autosuspend, fast and slow resume), the lazy-slow-reset policy's
 * section reset folded into a resume, the CSG progress timer on a long protected job, and a
 * recoverable CS_FAULT. Listed after the others by builtin.ts.
 */

const RUNTIME_PM_PROTECTED = `\
name: runtime-pm-protected
description: A 4 fps protected player alone; the GPU idles between frames (GLB IDLE), autosuspends after 50 ms and resumes on each submit; one fast restart fails (1 s FW boot timeout, then a slow restart)
duration: 3s
seed: 1
apps:
  - name: video
    kind: video-player
    protected: true
    fps: 4
    job_duration: 8ms
faults:
  - { at: 600ms, kind: resume-fast-fail }
`;

const RUNTIME_PM_LAZY_HEAP = `\
name: runtime-pm-lazy-heap
description: lazy-slow-reset with the heap late; the player's group is created while the GPU is suspended, so the section reset waits for the resume, which is slow and loads the protected sections
duration: 2s
seed: 1
driver:
  heap_policy: lazy-slow-reset
heaps:
  - name: system
    kind: system
  - name: protected
    kind: protected-carveout
    size: 64MiB
    appear_at: 200ms
apps:
  - name: video
    kind: video-player
    protected: true
    fps: 4
    job_duration: 8ms
    start: 400ms
`;

const PROGRESS_TIMEOUT_PROTM = `\
name: progress-timeout-protm
description: A protected job of 3 s against the FW's progress timeout (PROGRESS_TIMEOUT_CYCLES at 1 GHz, about 2.6 s); the CSG PROGRESS_TIMER_EVENT times the group out before the 5 s job timeout
duration: 4s
seed: 1
apps:
  - name: weston
    kind: compositor
    priority: high
    fps: 10
    job_duration: 1ms
  - name: video
    kind: video-player
    protected: true
    fps: 0
    job_duration: 3s
    jitter: 0
`;

const CS_FAULT_SCENARIO = `\
name: cs-fault
description: A recoverable CS_FAULT on the player's queue next to a CS_FATAL on the compute queue; the faulted job's fence fails, its queue goes on
duration: 1500ms
seed: 1
apps:
  - name: weston
    kind: compositor
    priority: high
  - name: video
    kind: video-player
    protected: false
    fps: 30
  - name: ml-batch
    kind: compute
    priority: low
    job_duration: 20ms
faults:
  - { at: 500ms, kind: cs-fault, app: video }
  - { at: 500ms, kind: cs-fatal, app: ml-batch }
`;

export const PM_FAULT_SCENARIOS: readonly { name: string; text: string }[] = [
  { name: 'runtime-pm-protected', text: RUNTIME_PM_PROTECTED },
  { name: 'runtime-pm-lazy-heap', text: RUNTIME_PM_LAZY_HEAP },
  { name: 'progress-timeout-protm', text: PROGRESS_TIMEOUT_PROTM },
  { name: 'cs-fault', text: CS_FAULT_SCENARIO },
];
