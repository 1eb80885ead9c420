/**
 * The seams inside hw-model: what a scenario configures, and what user space (app models) sees of
 * the kernel. User space talks to the kernel only through this uAPI surface, as real processes do
 * through the render node and /dev/dma_heap/<name>.
 *
 *   scenario/ (YAML → ScenarioConfig) ──► world.ts builds Sim + Kernel + apps
 *   userspace/ (apps, CS builder, libdrm-like) ──ioctl()──► panthor/ + dma-heap/ ──► firmware/
 */
import { IoctlCmd, type IoctlInit } from '../proto/index.js';
import type { Ns } from './sim/index.js';

// ───────────────────────────── policies ─────────────────────────────

/** Protected-mode scheduling policy (reference §4.2–4.5). */
export const PROTM_POLICIES = ['rfc-2025', 'panthor-2026', 'panthor-2026-reviewed', 'kbase'] as const;
export type ProtmPolicy = (typeof PROTM_POLICIES)[number];

/**
 * Firmware assumptions: what the FW does where no source says (names, values, defaults and
 * reasons: firmware/assumptions.ts).
 */
export interface FwAssumptions {
  protm_enter_without_pending: 'enter-then-exit' | 'hang' | 'ignore';
  ping_while_protected: 'exit' | 'ack-only';
  suspend_protected_csg: 'exit' | 'finish-region';
  resume_in_protected_region: 'pending-again' | 'next-enter';
  protm_done: 'exit' | 'stay';
  higher_priority_work: 'wait' | 'exit';
  tiler_oom_null_chunk: 'wait-fragments-then-fatal' | 'wait';
}

/**
 * The review's requested changes to the posted 2026 series (7/8), each separately switchable on
 * top of `panthor-2026` (`panthor-2026-reviewed` = all of them). Descriptions and sources:
 * policies/review-fixes.ts.
 */
export const REVIEW_FIXES = [
  'pending-required', 'pause-ping', 'fail-protm-slot', 'pending-without-heap-fatal', 'handle-protm-group',
  'clear-pending-at-suspend',
] as const;
export type ReviewFix = (typeof REVIEW_FIXES)[number];

/** What the driver does when the named protected heap is missing at probe (reference §4.4). */
export const HEAP_POLICIES = ['probe-defer', 'lazy-slow-reset', 'userspace-dmabuf', 'disabled'] as const;
export type HeapPolicy = (typeof HEAP_POLICIES)[number];

/** Where the protected heap name comes from: RFC's DT property or the 2026 module parameter. */
export const HEAP_NAME_SOURCES = ['dt', 'module-param'] as const;
export type HeapNameSource = (typeof HEAP_NAME_SOURCES)[number];

/**
 * What a heap's removal (module unload) does to the references others hold (reference §4.4, the
 * lifetime debate): `kref` = the 2026 series 1/8 as posted (struct dma_heap is refcounted, nothing
 * else: allocations through a held reference still reach the gone module's allocate op); `revoke` =
 * what the review asks for (a removed heap refuses new allocations with -ENODEV; its private data
 * outlives the last reference and the last buffer); `pinned` = heaps are never removed while used
 * (the removal is refused with -EBUSY while a reference or a buffer is held).
 */
export const HEAP_LIFETIMES = ['kref', 'revoke', 'pinned'] as const;
export type HeapLifetime = (typeof HEAP_LIFETIMES)[number];

/**
 * Whether the protected heap name is given (PROBE_HEAP_NAME): `set` = the DT property / module
 * parameter holds `protected_heap_name` ("" allowed); `absent` = no property / no parameter;
 * `no-value` = DT only, a property without a value (`protected-heap-name;`).
 */
export const HEAP_NAME_STATES = ['set', 'absent', 'no-value'] as const;
export type HeapNameState = (typeof HEAP_NAME_STATES)[number];

export const HEAP_KINDS = ['system', 'cma', 'protected-carveout', 'restricted-tee'] as const;
export type HeapKindName = (typeof HEAP_KINDS)[number];

export const APP_KINDS = ['compositor', 'video-player', 'compute', 'game', 'secure-pipeline'] as const;
export type AppKind = (typeof APP_KINDS)[number];

export const GROUP_PRIORITIES = ['low', 'medium', 'high', 'realtime'] as const;
export type GroupPriorityName = (typeof GROUP_PRIORITIES)[number];

// ───────────────────────────── scenario ─────────────────────────────

export interface GpuConfig {
  gpuId: number;            // 0xa867 (Mali-G610)
  shaderPresent: number;    // 0x50005
  asPresent: number;        // 0xff → 7 usable (AS 0 is the MCU's)
  groupNum: number;         // FW CSG count, 3..31
  streamNum: number;        // CS per CSG, 8..32
  fwVersion: string;        // FW interface "1.5.0"
  clockMhz: number;         // GPU clock: the FW counts the progress timeout in GPU cycles
}

export interface HeapConfig {
  name: string;             // e.g. "protected", "restricted_mtk_cma", "system"
  kind: HeapKindName;
  size: number;             // bytes; 0 = unbounded (system)
  appearAt: Ns;             // 0 = registered before the GPU probes; later = "heap late"
  allocLatency: Ns;         // TEE round trip for restricted-tee
  failAllocsAfter: number;  // -1 = never; n = allocations after the n-th fail with -ENOMEM
}

export interface DriverConfig {
  protmPolicy: ProtmPolicy;
  heapPolicy: HeapPolicy;
  heapNameSource: HeapNameSource;
  protectedHeapName: string;   // "" = none configured
  tickPeriod: Ns;              // 10 ms
  pingInterval: Ns;            // 12 s
  jobTimeout: Ns;              // 5 s
  runtimePm: boolean;          // runtime PM with autosuspend (the real driver always has it)
  autosuspendDelay: Ns;        // 50 ms (pm_runtime_set_autosuspend_delay in panthor_device_init)
  /**
   * Review fixes applied on top of the 2026 series; undefined = the policy's own set (none for
   * panthor-2026, all for panthor-2026-reviewed). Only the 2026 policies take fixes.
   */
  reviewFixes?: readonly ReviewFix[] | undefined;
  /** Heap lifetime policy on removal (default `kref`, as posted). */
  heapLifetime?: HeapLifetime;
  /** Whether the heap name is given at all (default `set`). */
  heapNameState?: HeapNameState;
  /** A second panthor device probes beside the first (probe only: no FW, no apps). */
  secondGpu?: boolean;
  /** The second GPU's own DT property value (dt only; a module parameter applies to both). */
  secondGpuHeapName?: string;
}

export interface AppConfig {
  name: string;
  kind: AppKind;
  priority: GroupPriorityName;
  privileged: boolean;         // CAP_SYS_NICE / DRM master: needed for high/realtime
  protected: boolean;          // PROTECTED group + PROT_REGION frames (video-player)
  /** GROUP_CREATE with DRM_PANTHOR_GROUP_CREATE_PROTECTED (default: = protected). false with
   *  protected: true is user space that emits PROT_REGION in an ordinary group: CS_PROTM_PENDING
   *  reaches the kernel even when it has no protected heap. */
  protectedGroup: boolean;
  start: Ns;
  stop: Ns;                    // Infinity = until the end
  fps: number;                 // frames per second target (0 = as fast as possible, closed loop)
  jobDuration: Ns;             // mean GPU time of one frame/job
  jitter: number;              // relative jitter of jobDuration, 0..1
  queues: number;              // queues in the group (1..)
  buffers: number;             // protected buffers from the heap (video-player)
  heap: string;                // heap the app allocates from (video-player: the protected heap)
  /** Graphics apps: tiler heap chunks one render pass fills (0 = the pass never touches the heap). */
  tilerChunks: number;
  /** Chunks each following render pass fills more than the one before (a scene that grows). */
  tilerChunksStep: number;
  /** TILER_HEAP_CREATE arguments of graphics apps: initial_chunk_count, max_chunks, target_in_flight. */
  tilerInitialChunks: number;
  tilerMaxChunks: number;
  tilerTargetInFlight: number;
  /** The app's EGL calls are traced (EglCall events), as under an EGL call tracer; the ioctls are the same. */
  egl?: boolean;
  /** The app also makes a protected surface current in its normal context (EGL_BAD_ACCESS), then goes on without it. */
  eglMixedSurfaces?: boolean;
  /** secure-pipeline: the decoder and display devices (scenario `devices`) and how it picks heaps. */
  pipeline?: PipelineConfig;
}

/** How the pipeline's buffers get their heap (hw-model/devices/allocator.ts). */
export const PIPELINE_ALLOCATORS = ['intersect', 'gpu-heap'] as const;
export type PipelineAllocatorName = (typeof PIPELINE_ALLOCATORS)[number];

/** A secure-pipeline app: decoder → GPU (the app's group) → display. */
export interface PipelineConfig {
  decoder: string;             // a `devices` entry of kind decoder
  display: string;             // a `devices` entry of kind display
  allocator: PipelineAllocatorName;
  /** Video frame periods from a frame's arrival to the vblank it is due at (decode + composite budget). */
  latencyFrames: number;
}

/** Devices besides the GPU that share buffers with it (hw-model/devices/). */
export const DEVICE_KINDS = ['decoder', 'display', 'gpu'] as const;
export type DeviceKindName = (typeof DEVICE_KINDS)[number];

export interface DeviceConfig {
  name: string;
  kind: DeviceKindName;
  /** dma-heaps the device can import ordinary buffers from, in its order of preference. */
  heaps: string[];
  /** dma-heaps the device can import protected buffers from. */
  protectedHeaps: string[];
  decodeTime: Ns;              // decoder: mean time to decode one frame
  jitter: number;              // decoder: relative jitter of decodeTime, 0..1
  refresh: number;             // display: refresh rate (Hz)
  /** display: a commit whose fences signal later than this before a vblank misses it (the latch). */
  commitLatency: Ns;
}

export const FAULT_KINDS = [
  'heap-alloc-fail',        // next allocation(s) of `heap` fail with -ENOMEM
  'fw-ack-timeout',         // FW stops acking CSG requests (→ CSG ack timeout → reset)
  'protm-enter-timeout',    // FW does not ack GLB_PROTM_ENTER
  'protm-fault',            // GPU_IRQ_PROTM_FAULT while protected
  'cs-fatal',               // CS_FATAL on the app's queue
  'cs-unrecoverable',       // CS_FATAL with CS_UNRECOVERABLE (0x41) → reset
  'job-hang',               // the app's next job never completes (→ job timeout)
  'ping-timeout',           // FW does not ack the next PING
  'heap-remove',            // heap goes away (module unload)
  'cs-fault',               // CS_FAULT on the app's queue: its current job's fence fails, the queue goes on
  'resume-fast-fail',       // the next fast FW restart on runtime resume fails (→ slow restart)
  'mmu-fault',              // unhandled page fault on the AS of the app's VM (MMU IRQ)
] as const;
export type FaultKindName = (typeof FAULT_KINDS)[number];

export interface FaultConfig {
  at: Ns;
  kind: FaultKindName;
  app: string;              // target app (for cs-*, job-hang), "" otherwise
  heap: string;             // target heap (heap-*), "" otherwise
  count: number;            // how many times (allocations, acks) it applies
}

export interface ScenarioConfig {
  name: string;
  description: string;
  duration: Ns;
  seed: number;
  gpu: GpuConfig;
  heaps: HeapConfig[];
  driver: DriverConfig;
  apps: AppConfig[];
  faults: FaultConfig[];
  /** Firmware assumptions (firmware/assumptions.ts): what the FW does where no source says. */
  firmware: FwAssumptions;
  /** Decoders, displays and the GPU's import lists (hw-model/devices/); absent = none. */
  devices?: DeviceConfig[];
}

// ───────────────────────────── the CS ISA user space emits ─────────────────────────────

/** CS opcodes (Mesa genxml v10.xml). */
export const CsOpcode = {
  NOP: 0, MOVE48: 1, MOVE32: 2, WAIT: 3, RUN_COMPUTE: 4, RUN_TILING: 5, RUN_IDVS: 6,
  RUN_FRAGMENT: 7, RUN_FULLSCREEN: 8, FINISH_TILING: 9, FINISH_FRAGMENT: 11, CALL: 32, JUMP: 33,
  FLUSH_CACHE2: 36, SYNC_ADD32: 37, SYNC_SET32: 38, SYNC_WAIT32: 39, STORE_STATE: 40,
  PROT_REGION: 41, ERROR_BARRIER: 47, SYNC_ADD64: 51, SYNC_SET64: 52, SYNC_WAIT64: 53,
  HEAP_SET: 48,
} as const;
export type CsOpcode = (typeof CsOpcode)[keyof typeof CsOpcode];

/**
 * One CS instruction as the model executes it. Real instructions are 64-bit words; the model keeps
 * the decoded operands. `duration` is the GPU time a RUN_* takes (the model's stand-in for the
 * shader work). PROT_REGION's `size` is in bytes (stored as bytes/8 in the real encoding) and
 * covers the instructions that follow it.
 */
export interface CsInstr {
  op: CsOpcode;
  duration?: Ns | undefined;            // RUN_COMPUTE / RUN_TILING / RUN_FRAGMENT / RUN_IDVS
  size?: number | undefined;            // PROT_REGION: bytes of protected commands that follow
  sbMask?: number | undefined;          // WAIT: scoreboard mask
  addr?: number | undefined;            // CALL target VA / SYNC_* object VA / MOVE48 value
  value?: number | undefined;           // SYNC_ADD/SET value, SYNC_WAIT reference, MOVE32 value
  callSize?: number | undefined;        // CALL: stream size in bytes
  cond?: 'le' | 'gt' | undefined;       // SYNC_WAIT condition
  heapChunks?: number | undefined;      // RUN_IDVS / RUN_TILING: tiler heap chunks the render pass's geometry fills (0 = none)
}

// ───────────────────────────── the uAPI surface ─────────────────────────────

/** The args of one ioctl: the oneof of proto `Ioctl.args` (its case names the ioctl). */
export type IoctlArgs = NonNullable<IoctlInit['args']>;

/** The ioctl command each args case stands for (the `cmd` of the traced Ioctl event). */
export const IOCTL_CMD_OF: Readonly<Record<Exclude<IoctlArgs['case'], undefined>, IoctlCmd>> = {
  devQuery: IoctlCmd.DEV_QUERY, vmCreate: IoctlCmd.VM_CREATE, vmDestroy: IoctlCmd.VM_DESTROY, vmBind: IoctlCmd.VM_BIND,
  vmGetState: IoctlCmd.VM_GET_STATE, boCreate: IoctlCmd.BO_CREATE, boMmapOffset: IoctlCmd.BO_MMAP_OFFSET,
  groupCreate: IoctlCmd.GROUP_CREATE, groupDestroy: IoctlCmd.GROUP_DESTROY, groupSubmit: IoctlCmd.GROUP_SUBMIT,
  groupGetState: IoctlCmd.GROUP_GET_STATE, tilerHeapCreate: IoctlCmd.TILER_HEAP_CREATE,
  tilerHeapDestroy: IoctlCmd.TILER_HEAP_DESTROY, boSetLabel: IoctlCmd.BO_SET_LABEL,
  primeFdToHandle: IoctlCmd.PRIME_FD_TO_HANDLE, primeHandleToFd: IoctlCmd.PRIME_HANDLE_TO_FD,
  syncobjCreate: IoctlCmd.SYNCOBJ_CREATE, syncobjDestroy: IoctlCmd.SYNCOBJ_DESTROY, syncobjWait: IoctlCmd.SYNCOBJ_WAIT,
  dmaHeapAlloc: IoctlCmd.DMA_HEAP_IOCTL_ALLOC, boQueryInfo: IoctlCmd.BO_QUERY_INFO,
  setUserMmioOffset: IoctlCmd.SET_USER_MMIO_OFFSET,
};

export const DRI_RENDER_NODE = '/dev/dri/renderD128';
export const DMA_HEAP_DIR = '/dev/dma_heap/';

/**
 * What a user-space process sees of the kernel. Synchronous calls return 0 / an fd, or -errno
 * (Linux values: EPERM 1, ENOENT 2, EBADF 9, EAGAIN 11, ENOMEM 12, EFAULT 14, EBUSY 16, EINVAL 22,
 * ENOSPC 28, ETIMEDOUT 110, ECANCELED 125). Every call is traced by the kernel side.
 */
export interface UapiKernel {
  /** A process appears (PROC_START). `privileged` = CAP_SYS_NICE or DRM master. */
  spawn(pid: number, comm: string, kind: AppKind | 'system', privileged: boolean): void;
  /** The process exits: every fd is closed (groups destroyed, buffers released). */
  exit(pid: number): void;
  /** open(path): the render node or /dev/dma_heap/<name>. Returns an fd or -ENOENT. */
  open(pid: number, path: string): number;
  close(pid: number, fd: number): number;
  /**
   * ioctl(fd, cmd, args). Validates like the kernel, fills the out fields of `args.value`
   * (handles, ids, fds, sizes) and returns 0 or -errno.
   */
  ioctl(pid: number, fd: number, args: IoctlArgs): number;
  /** mmap + memcpy of a command stream into a BO at `offset` (fails on NO_MMAP/protected BOs). */
  writeStream(pid: number, fd: number, boHandle: number, offset: number, instrs: CsInstr[]): number;
  /**
   * DRM_IOCTL_SYNCOBJ_WAIT with a callback: `cb(ret)` runs (through the event queue) when every
   * handle has reached its point, or with -ETIME (-62) at the timeout (absolute virtual ns).
   */
  syncobjWait(pid: number, fd: number, handles: number[], points: number[], timeoutAbs: Ns,
              cb: (ret: number) => void): void;
  /** Current syncobj point (timeline value; 1 = signalled binary syncobj). */
  syncobjValue(pid: number, fd: number, handle: number): number;
}
