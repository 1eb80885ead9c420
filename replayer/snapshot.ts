/**
 * State snapshots (StateSnapshot.state, encoding 1 = JSON UTF-8): the replayed state written at the
 * start of a trimmed trace, so its event 0 replays on top of everything that came before it.
 */
import { UserError } from '../proto/index.js';
import { FAMILY_COUNT, LIMITS, type StateSnapshot } from '../proto/index.js';
import type {
  BoRec, Counters, DeviceState, DmaBufRec, FdRec, FwPending, FwState, FwWord, GroupRec, HeapRec, ProcessRec, QueueRec,
  ReplayState, SchedState, SlotState, VmRec, PlatformState, GpuProbeRec, EglContextRec, PipelineDeviceRec, HeapChoiceRec, PipelineState,
  GpuMemState, TilerHeapRec, AsSlotRec,
} from './state.js';
import { initialPmState } from './handlers/pm.js';
import { initialPlatform } from './handlers/platform.js';
import { emptyGpuMem } from './handlers/gpu-mem.js';

export const SNAPSHOT_ENCODING_JSON = 1;

export class SnapshotError extends UserError {
  readonly code = 'E_SNAPSHOT';
  constructor(message: string) { super(message); this.name = 'SnapshotError'; }
}

/** Serialises a state for a StateSnapshot frame. */
export function encodeStateSnapshot(s: ReplayState): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(s));
}

/** The state stored in a snapshot frame (as the state *before* event 0, index −1). */
export function decodeStateSnapshot(snap: StateSnapshot, where = 'trace'): ReplayState {
  if (snap.encoding !== SNAPSHOT_ENCODING_JSON) {
    throw new SnapshotError(`${where}: state snapshot encoding ${snap.encoding} is not supported (this build reads 1 = JSON)`);
  }
  if (snap.state.length > LIMITS.maxSnapshot) {
    throw new SnapshotError(`${where}: state snapshot of ${snap.state.length} bytes is beyond the ${LIMITS.maxSnapshot}-byte limit`);
  }
  let s: unknown;
  try {
    s = JSON.parse(new TextDecoder().decode(snap.state));
  } catch (e) {
    throw new SnapshotError(`${where}: state snapshot is not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  upgradeSnapshot(s);
  // Snapshots written before the platform slice existed replay with an empty one.
  if (isPlainObject(s) && !Object.prototype.hasOwnProperty.call(s, 'platform')) s.platform = initialPlatform();
  // Snapshots of builds without tiler heaps and AS slots in the state: those start empty.
  if (isPlainObject(s) && !Object.prototype.hasOwnProperty.call(s, 'gpuMem')) s.gpuMem = emptyGpuMem();
  const problem = conform(s, STATE, 'state') ?? crossCheck(s as ReplayState);
  if (problem !== undefined) throw new SnapshotError(`${where}: state snapshot does not hold a replayer state (${problem})`);
  const st = s as ReplayState;
  st.index = -1;
  return st;
}

/**
 * Snapshots written before runtime PM was traced, or before the pipeline families existed: no
 * device.pm (filled with the state of a trace without Pm events), no `pipeline` part (empty) and
 * fewer event families (counted as 0), so that older trimmed traces still open.
 */
function upgradeSnapshot(s: unknown): void {
  if (!isPlainObject(s)) return;
  if (!('pipeline' in s)) s.pipeline = { devices: {}, choices: {} };
  const d = s.device, c = s.counters;
  if (isPlainObject(d) && !('pm' in d)) d.pm = initialPmState();
  if (isPlainObject(c) && Array.isArray(c.families) && c.families.length < FAMILY_COUNT) {
    while (c.families.length < FAMILY_COUNT) c.families.push(0);
  }
}

/** Most CSG slots a state may have (the hardware has at most 16). */
const MAX_SLOTS = 64;

// ───────────────────── the shape of a ReplayState, checked before any handler sees it ─────────────────────

type Shape =
  | 'number' | 'string' | 'boolean'
  | { readonly array: Shape } | { readonly record: Shape } | { readonly nullable: Shape }
  | { readonly fields: Readonly<Record<string, Shape>> };
/** The fields of T, each with its shape: the compiler keeps these in step with state.ts. */
type Fields<T> = { readonly [K in keyof T]-?: Shape };

const N = 'number', S = 'string', B = 'boolean';
const obj = <T>(f: Fields<T>): Shape => ({ fields: f });
const arr = (of: Shape): Shape => ({ array: of });
const rec = (of: Shape): Shape => ({ record: of });
const opt = (of: Shape): Shape => ({ nullable: of });

const FW_WORD = obj<FwWord>({ req: N, ack: N, idx: N });
const PENDING = obj<FwPending>({ iface: S, csg: N, cs: N, name: S, kind: S, sinceIdx: N, sinceT: N, ageNs: N });
const DEVICE = obj<DeviceState>({
  probeStage: S, probeResult: N, probeAttempt: N, probeDefers: N, probed: B, fwState: S, fwVersion: N, csgSlotCount: N,
  asCount: N, heapName: S, heapNameSource: S, protectedHeap: S, protectedHeapRefs: N,
  protSections: obj<DeviceState['protSections']>({ loaded: N, skipped: N }), protSectionsLoaded: B, protectedFeatures: N,
  gpuMode: S, gpuModeSinceIdx: N, gpuModeSinceT: N, gpuStatus: N, protmActiveGroup: N, protmCsg: N, inReset: B,
  resetCount: N,
  lastReset: opt(obj<NonNullable<DeviceState['lastReset']>>({ kind: S, cause: S, idx: N, success: B })),
  watchdog: obj<DeviceState['watchdog']>({ pings: N, skipped: N, timeouts: N, lastOp: S, lastIdx: N }),
  pm: obj<DeviceState['pm']>({ state: S, hasRef: B, suspends: N, fastResumes: N, slowResumes: N, fastFailed: N, lastOp: S, lastIdx: N, sinceIdx: N, sinceT: N }),
  mmu: obj<DeviceState['mmu']>({ commands: N, lastCmd: S, lastIdx: N }),
  lastFault: opt(obj<NonNullable<DeviceState['lastFault']>>({ kind: S, group: N, exceptionType: N, idx: N })),
  lastLog: opt(obj<NonNullable<DeviceState['lastLog']>>({ level: S, msg: S, source: S, idx: N })),
  idx: N,
});
const FW = obj<FwState>({
  glb: FW_WORD, csg: rec(FW_WORD), cs: rec(FW_WORD), pending: arr(PENDING), doorbells: N,
  lastDoorbell: opt(obj<NonNullable<FwState['lastDoorbell']>>({ id: N, idx: N })), irqs: N,
});
const SLOT = obj<SlotState>({ slot: N, group: N, csgPriority: N, reqState: S, state: S, asNr: N, protmSuspendBuf: N, idx: N });
const QUEUE = obj<QueueRec>({
  queue: N, priority: N, ringbufSize: N, insert: N, extract: N, blocked: S, protmPending: B, idle: B, fatal: B,
  lastSeqno: N, running: N, jobsDone: N, jobsFailed: N, idx: N,
});
const GROUP = obj<GroupRec>({
  handle: N, pid: N, app: S, fd: N, priority: N, state: S, csgSlot: N, isProtected: B, vmId: N, queues: arr(QUEUE),
  protmPendingQueues: N, protmSuspendBuf: N, protmSuspendBufferId: N, timedout: B, fatalQueues: N, innocent: B,
  destroyed: B, submits: N, gpuNs: N, lastFault: S, createdIdx: N, idx: N,
});
const VM = obj<VmRec>({ id: N, pid: N, state: S, asNr: N, mappings: N, createdIdx: N, idx: N });
const BO = obj<BoRec>({
  handle: N, pid: N, size: N, flags: N, exclusiveVm: N, mmapped: B, vaMapped: N, imported: N, protected: B, label: S,
  createdIdx: N, idx: N,
});
const HEAP = obj<HeapRec>({
  id: N, name: S, kind: S, capacity: N, refcount: N, allocated: N, allocations: N, failedAllocs: N, teeCalls: N,
  teeNs: N, removed: B, fragmentation: N, largestFree: N, createdIdx: N, idx: N,
});
const DMABUF = obj<DmaBufRec>({
  id: N, heap: S, size: N, purpose: S, ownerPid: N, group: N, refcount: N, importers: arr(S), fds: N, physOffset: N,
  protected: B, createdIdx: N, idx: N,
});
const PROCESS = obj<ProcessRec>({
  pid: N, comm: S, kind: S, privileged: B, fds: rec(obj<FdRec>({ path: S, buffer: N })), ioctls: N, ioctlErrors: N,
  createdIdx: N, idx: N,
});
const SCHED = obj<SchedState>({
  tick: N, decisions: N, lastDecisionIdx: N, lastTrigger: S, lastProtm: S, lastProtmRule: S, lastProtmGroup: N,
  timeslice: B, nextTickNs: N,
});
const COUNTERS = obj<Counters>({
  events: N, families: arr(N), modeSwitches: N, protmEnters: N, protmExits: N, jobsDone: N, jobsFailed: N,
  ioctlErrors: N, faults: N, protectedNs: N,
});
const GPU_MEM = obj<GpuMemState>({
  tilerHeaps: rec(obj<TilerHeapRec>({
    handle: N, pid: N, vmId: N, chunks: N, maxChunks: N, targetInFlight: N, chunkSize: N, ooms: N, grows: N, denied: N,
    failed: N, inFlight: N, lastOp: S, createdIdx: N, idx: N,
  })),
  as: rec(obj<AsSlotRec>({ as: N, vmId: N, state: S, faults: N, lastOp: S, idx: N })),
  vmOpsInFlight: N,
  lastVmOp: opt(obj<NonNullable<GpuMemState['lastVmOp']>>({ vmId: N, pid: N, op: S, gpuProtected: B, idx: N })),
});
const PLATFORM = obj<PlatformState>({
  gpus: rec(obj<GpuProbeRec>({
    device: N, outcome: S, stage: S, result: N, heapName: S, nameSource: S, nameSet: B, protectedHeap: S, attempts: N,
    defers: N, idx: N,
  })),
  heapsReleased: rec(N), heapRemovalsRefused: N,
  egl: rec(obj<EglContextRec>({
    pid: N, context: N, protected: B, group: N, draw: N, surfaces: N, protectedSurfaces: N, errors: N, lastError: S, idx: N,
  })),
  eglErrors: N,
  lastEglError: { nullable: obj<NonNullable<PlatformState['lastEglError']>>({ pid: N, op: S, error: S, idx: N }) },
});
const PIPELINE = obj<PipelineState>({
  devices: rec(obj<PipelineDeviceRec>({
    name: S, kind: S, imports: N, refused: N, lastRefusal: S, fencesEmitted: N, fencesSignalled: N, lastFrame: N, vblank: N,
    shownFrame: N, shownBuffer: N, flips: N, misses: N, drops: N, lastMiss: S, createdIdx: N, idx: N,
  })),
  choices: rec(obj<HeapChoiceRec>({
    pid: N, pool: S, protected: B, allocator: S, lists: S, intersection: arr(S), chosen: S, gpuHeap: S, result: N, reason: S, idx: N,
  })),
});
const STATE = obj<ReplayState>({
  index: N, t: N, device: DEVICE, fw: FW, slots: arr(SLOT), groups: rec(GROUP), vms: rec(VM), bos: rec(BO),
  heaps: rec(HEAP), dmabufs: rec(DMABUF), processes: rec(PROCESS), sched: SCHED, counters: COUNTERS, pipeline: PIPELINE,
  platform: PLATFORM, gpuMem: GPU_MEM,
});

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Where `v` departs from `shape` ("state.groups.3.queues: expected an array"), or undefined. */
function conform(v: unknown, shape: Shape, path: string): string | undefined {
  if (typeof shape === 'string') {
    if (shape === 'number') return typeof v === 'number' && Number.isFinite(v) ? undefined : `${path}: expected a finite number`;
    return typeof v === shape ? undefined : `${path}: expected a ${shape}`;
  }
  if ('nullable' in shape) return v === null ? undefined : conform(v, shape.nullable, path);
  if ('array' in shape) {
    if (!Array.isArray(v)) return `${path}: expected an array`;
    for (let i = 0; i < v.length; i++) {
      const p = conform(v[i], shape.array, `${path}.${i}`);
      if (p !== undefined) return p;
    }
    return undefined;
  }
  if (!isPlainObject(v)) return `${path}: expected an object`;
  if ('record' in shape) {
    for (const k of Object.keys(v)) {
      const p = conform(v[k], shape.record, `${path}.${k}`);
      if (p !== undefined) return p;
    }
    return undefined;
  }
  for (const [k, field] of Object.entries(shape.fields)) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) return `${path}.${k}: missing`;
    const p = conform(v[k], field, `${path}.${k}`);
    if (p !== undefined) return p;
  }
  for (const k of Object.keys(v)) {
    if (!Object.prototype.hasOwnProperty.call(shape.fields, k)) return `${path}.${k}: not a field of the state`;
  }
  return undefined;
}

/** The links between parts of the state that handlers follow without checking. */
function crossCheck(s: ReplayState): string | undefined {
  if (s.slots.length > MAX_SLOTS) return `state.slots: ${s.slots.length} slots (at most ${MAX_SLOTS})`;
  for (const [i, slot] of s.slots.entries()) if (slot.slot !== i) return `state.slots.${i}.slot: is ${slot.slot}`;
  if (s.counters.families.length !== FAMILY_COUNT) return `state.counters.families: ${s.counters.families.length} families (expected ${FAMILY_COUNT})`;
  for (const [k, g] of Object.entries(s.groups)) {
    if (String(g.handle) !== k) return `state.groups.${k}.handle: is ${g.handle}`;
    for (const [q, queue] of g.queues.entries()) if (queue.queue !== q) return `state.groups.${k}.queues.${q}.queue: is ${queue.queue}`;
  }
  for (const [k, p] of Object.entries(s.processes)) if (String(p.pid) !== k) return `state.processes.${k}.pid: is ${p.pid}`;
  for (const [k, h] of Object.entries(s.heaps)) if (h.name !== k) return `state.heaps.${k}.name: is "${h.name}"`;
  for (const [k, d] of Object.entries(s.dmabufs)) if (String(d.id) !== k) return `state.dmabufs.${k}.id: is ${d.id}`;
  return undefined;
}
