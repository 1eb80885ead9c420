/**
 * The scenario file format: which keys exist at each level, their types and ranges, and the
 * defaults that make a minimal file work. The loader (loader.ts) walks a YAML document against
 * these tables; keys are snake_case in YAML and lowerCamelCase in `ScenarioConfig`.
 *
 *   name, description, duration, seed
 *   gpu:     { gpu_id, shader_present, as_present, group_num, stream_num, fw_version, clock_mhz }
 *   heaps:   [ { name, kind, size, appear_at, alloc_latency, fail_allocs_after } ]
 *   driver:  { protm_policy, heap_policy, heap_name_source, protected_heap_name,
 *              tick_period, ping_interval, job_timeout, review_fixes, runtime_pm, autosuspend_delay }
 *   apps:    [ { name, kind, priority, privileged, protected, start, stop, fps,
 *                job_duration, jitter, queues, buffers, heap } ]
 *   faults:  [ { at, kind, app, heap, count } ]
 *   firmware: { protm_enter_without_pending, ping_while_protected, ... }   (firmware assumptions)
 */
import {
  APP_KINDS, DEVICE_KINDS, PIPELINE_ALLOCATORS, FAULT_KINDS, GROUP_PRIORITIES, HEAP_KINDS, HEAP_NAME_SOURCES, HEAP_POLICIES, PROTM_POLICIES,
  HEAP_LIFETIMES, HEAP_NAME_STATES,
  type AppKind, type DriverConfig, type GpuConfig, type GroupPriorityName, type HeapKindName,
} from '../contract.js';
import { FW_ASSUMPTION_SPECS } from '../firmware/index.js';
import { ms, sec, type Ns } from '../sim/index.js';

/** One key's type. `prop` is the ScenarioConfig property it fills. */
export type FieldSpec =
  | { type: 'string'; prop: string; maxLen?: number }
  | { type: 'int'; prop: string; min: number; max: number }
  | { type: 'number'; prop: string; min: number; max: number }
  | { type: 'bool'; prop: string }
  | { type: 'duration'; prop: string; min: Ns; max: Ns; never?: boolean }
  | { type: 'size'; prop: string; min: number; max: number }
  | { type: 'enum'; prop: string; values: readonly string[] };

export type ObjectSpec = Readonly<Record<string, FieldSpec>>;

const GiB = 1024 * 1024 * 1024;
const MiB = 1024 * 1024;
/** Longest virtual run a scenario may ask for (keeps a typo like "50m" from running for hours). */
export const MAX_DURATION: Ns = sec(3600);

export const TOP_SPEC = {
  name: { type: 'string', prop: 'name', maxLen: 64 },
  description: { type: 'string', prop: 'description', maxLen: 200 },
  duration: { type: 'duration', prop: 'duration', min: 1, max: MAX_DURATION },
  seed: { type: 'int', prop: 'seed', min: 0, max: Number.MAX_SAFE_INTEGER },
} as const satisfies ObjectSpec;

/** Sections of the top level that are objects or lists (walked by the loader, not FieldSpecs). */
export const TOP_SECTIONS = ['gpu', 'heaps', 'driver', 'apps', 'faults', 'firmware', 'devices'] as const;

export const GPU_SPEC = {
  gpu_id: { type: 'int', prop: 'gpuId', min: 0, max: 0xffff_ffff },
  shader_present: { type: 'int', prop: 'shaderPresent', min: 1, max: 0xffff_ffff },
  as_present: { type: 'int', prop: 'asPresent', min: 3, max: 0xffff },
  // Bounds of reference §2.6: 3 ≤ group_num ≤ 31, 8 ≤ stream_num ≤ 32.
  group_num: { type: 'int', prop: 'groupNum', min: 3, max: 31 },
  stream_num: { type: 'int', prop: 'streamNum', min: 8, max: 32 },
  fw_version: { type: 'string', prop: 'fwVersion', maxLen: 16 },
  clock_mhz: { type: 'int', prop: 'clockMhz', min: 50, max: 4000 },
} as const satisfies ObjectSpec;

export const HEAP_SPEC = {
  name: { type: 'string', prop: 'name', maxLen: 64 },
  kind: { type: 'enum', prop: 'kind', values: HEAP_KINDS },
  size: { type: 'size', prop: 'size', min: 0, max: 64 * GiB },
  appear_at: { type: 'duration', prop: 'appearAt', min: 0, max: MAX_DURATION },
  alloc_latency: { type: 'duration', prop: 'allocLatency', min: 0, max: sec(10) },
  fail_allocs_after: { type: 'int', prop: 'failAllocsAfter', min: -1, max: 1_000_000 },
} as const satisfies ObjectSpec;

export const DRIVER_SPEC = {
  protm_policy: { type: 'enum', prop: 'protmPolicy', values: PROTM_POLICIES },
  heap_policy: { type: 'enum', prop: 'heapPolicy', values: HEAP_POLICIES },
  heap_name_source: { type: 'enum', prop: 'heapNameSource', values: HEAP_NAME_SOURCES },
  protected_heap_name: { type: 'string', prop: 'protectedHeapName', maxLen: 64 },
  tick_period: { type: 'duration', prop: 'tickPeriod', min: ms(1), max: sec(1) },
  ping_interval: { type: 'duration', prop: 'pingInterval', min: ms(100), max: sec(600) },
  job_timeout: { type: 'duration', prop: 'jobTimeout', min: ms(10), max: sec(600) },
  runtime_pm: { type: 'bool', prop: 'runtimePm' },
  autosuspend_delay: { type: 'duration', prop: 'autosuspendDelay', min: 0, max: sec(600) },
  // "all", "none" or a comma-separated list of REVIEW_FIXES (checked by the loader).
  review_fixes: { type: 'string', prop: 'reviewFixes', maxLen: 256 },
  heap_lifetime: { type: 'enum', prop: 'heapLifetime', values: HEAP_LIFETIMES },
  heap_name_state: { type: 'enum', prop: 'heapNameState', values: HEAP_NAME_STATES },
  second_gpu: { type: 'bool', prop: 'secondGpu' },
  second_gpu_heap_name: { type: 'string', prop: 'secondGpuHeapName', maxLen: 64 },
} as const satisfies ObjectSpec;

/** `firmware:` one key per firmware assumption (firmware/assumptions.ts), snake_case as in the registry. */
export const FIRMWARE_SPEC: ObjectSpec = Object.fromEntries(FW_ASSUMPTION_SPECS.map((a) =>
  [a.name, { type: 'enum', prop: a.name, values: a.values }]));

export const APP_SPEC = {
  name: { type: 'string', prop: 'name', maxLen: 32 },
  kind: { type: 'enum', prop: 'kind', values: APP_KINDS },
  priority: { type: 'enum', prop: 'priority', values: GROUP_PRIORITIES },
  privileged: { type: 'bool', prop: 'privileged' },
  protected: { type: 'bool', prop: 'protected' },
  // false with protected: true: PROT_REGION frames in a group created without the PROTECTED flag.
  protected_group: { type: 'bool', prop: 'protectedGroup' },
  start: { type: 'duration', prop: 'start', min: 0, max: MAX_DURATION },
  stop: { type: 'duration', prop: 'stop', min: 0, max: MAX_DURATION, never: true },
  fps: { type: 'number', prop: 'fps', min: 0, max: 1000 },
  job_duration: { type: 'duration', prop: 'jobDuration', min: 1_000, max: sec(60) },
  jitter: { type: 'number', prop: 'jitter', min: 0, max: 1 },
  queues: { type: 'int', prop: 'queues', min: 1, max: 8 },
  buffers: { type: 'int', prop: 'buffers', min: 0, max: 64 },
  heap: { type: 'string', prop: 'heap', maxLen: 64 },
  egl: { type: 'bool', prop: 'egl' },
  egl_mixed_surfaces: { type: 'bool', prop: 'eglMixedSurfaces' },
  // secure-pipeline (hw-model/devices/): the devices it drives and how it picks its heaps.
  decoder: { type: 'string', prop: 'decoder', maxLen: 32 },
  display: { type: 'string', prop: 'display', maxLen: 32 },
  allocator: { type: 'enum', prop: 'allocator', values: PIPELINE_ALLOCATORS },
  latency_frames: { type: 'int', prop: 'latencyFrames', min: 1, max: 16 },
  tiler_chunks: { type: 'int', prop: 'tilerChunks', min: 0, max: 1024 },
  tiler_chunks_step: { type: 'int', prop: 'tilerChunksStep', min: 0, max: 64 },
  tiler_initial_chunks: { type: 'int', prop: 'tilerInitialChunks', min: 1, max: 1024 },
  tiler_max_chunks: { type: 'int', prop: 'tilerMaxChunks', min: 1, max: 1024 },
  tiler_target_in_flight: { type: 'int', prop: 'tilerTargetInFlight', min: 1, max: 64 },
} as const satisfies ObjectSpec;

/** `devices:` entries (hw-model/devices/). Heap lists are comma-separated names. */
export const DEVICE_SPEC = {
  name: { type: 'string', prop: 'name', maxLen: 32 },
  kind: { type: 'enum', prop: 'kind', values: DEVICE_KINDS },
  heaps: { type: 'string', prop: 'heaps', maxLen: 512 },
  protected_heaps: { type: 'string', prop: 'protectedHeaps', maxLen: 512 },
  decode_time: { type: 'duration', prop: 'decodeTime', min: 1_000, max: sec(10) },
  jitter: { type: 'number', prop: 'jitter', min: 0, max: 1 },
  refresh: { type: 'number', prop: 'refresh', min: 1, max: 500 },
  commit_latency: { type: 'duration', prop: 'commitLatency', min: 0, max: ms(100) },
} as const satisfies ObjectSpec;
export const REQUIRED_DEVICE_KEYS = ['kind'] as const;
export const MAX_DEVICES = 16;

export const FAULT_SPEC = {
  at: { type: 'duration', prop: 'at', min: 0, max: MAX_DURATION },
  kind: { type: 'enum', prop: 'kind', values: FAULT_KINDS },
  app: { type: 'string', prop: 'app', maxLen: 32 },
  heap: { type: 'string', prop: 'heap', maxLen: 64 },
  count: { type: 'int', prop: 'count', min: 1, max: 1_000_000 },
} as const satisfies ObjectSpec;

/** Keys that must be present in each list item (everything else has a default). */
export const REQUIRED_APP_KEYS = ['kind'] as const;
export const REQUIRED_FAULT_KEYS = ['kind'] as const;

// ───────────────────────────── defaults ─────────────────────────────

export const DEFAULT_DURATION: Ns = sec(5);
export const DEFAULT_SEED = 1;

/** A Mali-G610 as reported on RK3588 (reference §1.3); group_num/stream_num are model choices. */
export const DEFAULT_GPU: GpuConfig = {
  gpuId: 0xa867, shaderPresent: 0x50005, asPresent: 0xff, groupNum: 8, streamNum: 8, fwVersion: '1.5.0', clockMhz: 1000,
};

/** The 2026 series as posted: module parameter, defer the probe while the heap is missing. */
export const DEFAULT_DRIVER: DriverConfig = {
  protmPolicy: 'panthor-2026',
  heapPolicy: 'probe-defer',
  heapNameSource: 'module-param',
  protectedHeapName: 'protected',
  tickPeriod: ms(10),
  pingInterval: sec(12),
  jobTimeout: sec(5),
  runtimePm: true,
  autosuspendDelay: ms(50),
};

export const DEFAULT_HEAP_SIZE: Readonly<Record<HeapKindName, number>> = {
  'system': 0, 'cma': 256 * MiB, 'protected-carveout': 128 * MiB, 'restricted-tee': 128 * MiB,
};
/** TEE round trip of a restricted heap allocation (memory_alloc + memory_restrict). */
export const DEFAULT_TEE_LATENCY: Ns = ms(2);

export interface AppDefaults {
  priority: GroupPriorityName;
  protected: boolean;
  fps: number;
  jobDuration: Ns;
  jitter: number;
  queues: number;
  buffers: number;
}

/** Per-kind defaults: what each kind of app typically looks like on a Mali-G610. */
export const APP_DEFAULTS: Readonly<Record<AppKind, AppDefaults>> = {
  'compositor': { priority: 'high', protected: false, fps: 60, jobDuration: ms(3), jitter: 0.2, queues: 1, buffers: 0 },
  'video-player': { priority: 'medium', protected: true, fps: 30, jobDuration: ms(6), jitter: 0.1, queues: 1, buffers: 4 },
  'compute': { priority: 'low', protected: false, fps: 0, jobDuration: ms(40), jitter: 0.3, queues: 1, buffers: 0 },
  'game': { priority: 'medium', protected: false, fps: 60, jobDuration: ms(12), jitter: 0.25, queues: 1, buffers: 0 },
  'secure-pipeline': { priority: 'medium', protected: true, fps: 30, jobDuration: ms(4), jitter: 0.2, queues: 1, buffers: 4 },
};
