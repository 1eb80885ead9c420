/**
 * Scenario loader: YAML text → validated `ScenarioConfig`. Walks the YAML syntax tree (not the
 * plain JS value) so that every problem names the file, the line and the key:
 *
 *   video.yaml:14: apps[1].priority: expected one of low, medium, high, realtime (got "urgent")
 *
 * Takes text and a file name for messages; reading files is the caller's business (the CLI).
 */
import { UserError, formatNsExact } from '../../proto/index.js';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { LineCounter, Node, Pair, YAMLMap } from 'yaml';
import type {
  AppConfig, AppKind, DeviceConfig, DeviceKindName, DriverConfig, FaultConfig, FaultKindName, GpuConfig, GroupPriorityName, HeapConfig,
  HeapKindName, ScenarioConfig,
} from '../contract.js';
import { DEFAULT_FW_ASSUMPTIONS, type FwAssumptions } from '../firmware/index.js';
import { parseReviewFixes } from '../policies/index.js';
import { parseDuration, type Ns } from '../sim/index.js';
import {
  APP_DEFAULTS, APP_SPEC, DEFAULT_DRIVER, DEFAULT_DURATION, DEFAULT_GPU, DEFAULT_HEAP_SIZE, DEFAULT_SEED,
  DEFAULT_TEE_LATENCY, DEVICE_SPEC, MAX_DEVICES, REQUIRED_DEVICE_KEYS, DRIVER_SPEC, FAULT_SPEC, FIRMWARE_SPEC, GPU_SPEC, HEAP_SPEC, REQUIRED_APP_KEYS, REQUIRED_FAULT_KEYS,
  TOP_SECTIONS, TOP_SPEC, type FieldSpec, type ObjectSpec,
} from './schema.js';

/** The yaml package (a hundred files), loaded at the first scenario parsed, not at every start of the CLI. */
let yamlPackage: typeof Yaml | undefined;
const yaml = (): typeof Yaml => (yamlPackage ??= createRequire(import.meta.url)('yaml') as typeof Yaml);
const isMap = (n: unknown): n is YAMLMap => yaml().isMap(n);
const isScalar = (n: unknown): n is Yaml.Scalar => yaml().isScalar(n);
const isSeq = (n: unknown): n is Yaml.YAMLSeq => yaml().isSeq(n);

/** A bad scenario file: one line naming the file, the line and the key. */
export class ScenarioError extends UserError {
  readonly code = 'E_SCENARIO';
  constructor(readonly file: string, readonly line: number, readonly key: string, readonly problem: string) {
    super(`${file}${line > 0 ? `:${line}` : ''}: ${key ? `${key}: ` : ''}${problem}`);
    this.name = 'ScenarioError';
  }
}

/** Most apps / heaps / faults one scenario may declare. */
export const MAX_APPS = 256;
export const MAX_HEAPS = 32;
export const MAX_FAULTS = 1024;

interface Ctx { file: string; lc: LineCounter }

/** Parsed values of one mapping: ScenarioConfig property → value, and the line of each YAML key. */
interface Fields { values: Record<string, unknown>; lines: Record<string, number>; line: number }
/** The line of the first of `keys` the entry writes; the entry's own line when it writes none. */
function keyLine(f: Fields, ...keys: string[]): number {
  for (const k of keys) { const l = f.lines[k]; if (l !== undefined) return l; }
  return f.line;
}

/** Parses and validates a scenario. `file` is used in messages (a path, or `builtin:<name>`). */
export function parseScenario(text: string, file: string): ScenarioConfig {
  if (text.length > MAX_SCENARIO_BYTES) {
    throw new ScenarioError(file, 0, '', `too large for a scenario (${text.length} characters, at most ${MAX_SCENARIO_BYTES})`);
  }
  const lc = new (yaml().LineCounter)();
  const tooDeep = (): never => {
    throw new ScenarioError(file, 0, '', `nested too deeply for a scenario (YAML nesting beyond what the parser can follow; a scenario needs ${SCENARIO_DEPTH} levels)`);
  };
  let doc;
  try { doc = yaml().parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true }); }
  catch (e) { if (isStackOverflow(e)) tooDeep(); throw e; }
  const ctx: Ctx = { file, lc };
  const [e] = doc.errors;
  if (e) {
    if (isStackOverflow(e)) tooDeep();
    const line = e.linePos?.[0]?.line ?? (e.pos ? lc.linePos(Math.min(e.pos[0], Math.max(0, text.length - 1))).line : 0);
    const msg = e.message.replace(/ at line \d+, column \d+.*$/s, '').split('\n')[0] ?? '';
    throw new ScenarioError(file, line, '', `YAML syntax error: ${msg}`);
  }
  const root = doc.contents as Node | null;
  if (root === null || (isScalar(root) && root.value === null)) return buildScenario(ctx, emptyFields(), {});
  if (!isMap(root)) throw new ScenarioError(file, lineOf(ctx, root), '', 'the top level must be a mapping of keys (name, duration, apps, ...)');

  const sections: Record<string, Node | null> = {};
  const top = readMap(ctx, root, TOP_SPEC, '', [], (key, value) => {
    if ((TOP_SECTIONS as readonly string[]).includes(key)) { sections[key] = value; return true; }
    return false;
  }, [...TOP_SECTIONS]);
  return buildScenario(ctx, top, sections);
}

/** Levels of nesting a scenario has: top level, a section list (apps), an item, its value. */
const SCENARIO_DEPTH = 4;

function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError || /Maximum call stack size exceeded/.test((e as Error)?.message ?? '');
}

/** Largest scenario text (a file, or a trace header's copy of one). */
export const MAX_SCENARIO_BYTES = 1024 * 1024;

/**
 * Control characters (NUL, escapes), bidirectional overrides, and U+FFFD (what invalid UTF-8 decodes
 * to) have no place in a scenario's names and descriptions: they would reach terminals and file names.
 */
 
const BAD_TEXT = /[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufffd]/;

function badTextProblem(raw: string): string | undefined {
  const m = BAD_TEXT.exec(raw);
  if (!m) return undefined;
  const c = m[0].charCodeAt(0);
  const what = c === 0 ? 'a NUL byte' : c === 0xfffd ? 'bytes that are not UTF-8' : `control character U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
  return `holds ${what} (at character ${m.index + 1}): names and descriptions are plain text`;
}

/** Default scenario name for a file: its base name without the extension. */
export function scenarioNameOf(file: string): string {
  const base = file.replace(/^builtin:/, '').split(/[\\/]/).pop() ?? file;
  return base.replace(/\.ya?ml$/i, '') || 'scenario';
}

function buildScenario(ctx: Ctx, top: Fields, sections: Record<string, Node | null>): ScenarioConfig {
  const gpuFields = section(ctx, sections.gpu, 'gpu', GPU_SPEC);
  const gpu: GpuConfig = { ...DEFAULT_GPU, ...(gpuFields.values as Partial<GpuConfig>) };
  if ('fwVersion' in gpuFields.values && !/^\d+\.\d+\.\d+$/.test(gpu.fwVersion)) {
    throw new ScenarioError(ctx.file, keyLine(gpuFields, 'fw_version'), 'gpu.fw_version', `expected "major.minor.patch" (got "${gpu.fwVersion}")`);
  }
  if ((gpu.asPresent & 1) === 0) {
    throw new ScenarioError(ctx.file, keyLine(gpuFields, 'as_present'), 'gpu.as_present', 'bit 0 (the MCU\'s address space) must be set');
  }

  const driverFields = section(ctx, sections.driver, 'driver', DRIVER_SPEC);
  const { reviewFixes: fixText, ...driverValues } = driverFields.values;
  const driver: DriverConfig = { ...DEFAULT_DRIVER, ...(driverValues as Partial<DriverConfig>) };
  if (typeof fixText === 'string') {
    const fixes = parseReviewFixes(fixText);
    if (typeof fixes === 'string') throw new ScenarioError(ctx.file, keyLine(driverFields, 'review_fixes'), 'driver.review_fixes', fixes);
    if (fixes.length && driver.protmPolicy !== 'panthor-2026' && driver.protmPolicy !== 'panthor-2026-reviewed') {
      throw new ScenarioError(ctx.file, keyLine(driverFields, 'review_fixes'), 'driver.review_fixes', `review fixes apply to the 2026 series only (policy is ${driver.protmPolicy})`);
    }
    driver.reviewFixes = fixes;
  }
  if (driver.heapNameState === 'no-value' && driver.heapNameSource !== 'dt') {
    throw new ScenarioError(ctx.file, keyLine(driverFields, 'heap_name_state'), 'driver.heap_name_state', 'no-value is a DT property without a value: it needs heap_name_source: dt');
  }
  const firmware = { ...DEFAULT_FW_ASSUMPTIONS, ...section(ctx, sections.firmware, 'firmware', FIRMWARE_SPEC).values } as FwAssumptions;

  const heaps = readHeaps(ctx, sections.heaps, driver);
  const apps = readApps(ctx, sections.apps, driver, gpu);
  const faults = readFaults(ctx, sections.faults, apps, heaps, driver);
  const devices = readDevices(ctx, sections.devices, heaps);
  checkPipelines(ctx, sections.apps, apps, devices ?? []);

  const v = top.values;
  const cfg: ScenarioConfig = {
    name: (v.name as string | undefined) ?? scenarioNameOf(ctx.file),
    description: (v.description as string | undefined) ?? '',
    duration: (v.duration as Ns | undefined) ?? DEFAULT_DURATION,
    seed: (v.seed as number | undefined) ?? DEFAULT_SEED,
    gpu, heaps, driver, apps, faults, firmware,
  };
  if (devices) cfg.devices = devices;
  return cfg;
}

/** Defaults of a `devices` entry per kind (a 30 fps-capable decoder, a 60 Hz panel). */
const DEVICE_DEFAULTS: Readonly<Record<DeviceKindName, Omit<DeviceConfig, 'name' | 'kind' | 'heaps' | 'protectedHeaps'>>> = {
  decoder: { decodeTime: 10_000_000, jitter: 0.3, refresh: 60, commitLatency: 0 },
  display: { decodeTime: 10_000_000, jitter: 0, refresh: 60, commitLatency: 1_000_000 },
  gpu: { decodeTime: 10_000_000, jitter: 0, refresh: 60, commitLatency: 0 },
};

function heapList(text: string | undefined, fallback: string[]): string[] {
  if (text === undefined) return fallback;
  return text.split(',').map((x) => x.trim()).filter((x) => x.length > 0);
}

/**
 * `devices:` (hw-model/devices/): each entry's import lists. Without a `gpu` entry the GPU lists
 * every heap for ordinary buffers and every protected heap (carve-out, restricted) for protected ones.
 */
function readDevices(ctx: Ctx, node: Node | null | undefined, heaps: HeapConfig[]): DeviceConfig[] | undefined {
  if (node === undefined || isNull(node)) return undefined;
  const items = list(ctx, node as Node, 'devices', MAX_DEVICES);
  const out: DeviceConfig[] = [];
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const path = `devices[${i}]`;
    const f = readMap(ctx, mapOf(ctx, item, path), DEVICE_SPEC, path, REQUIRED_DEVICE_KEYS);
    const v = f.values;
    const kind = v.kind as DeviceKindName;
    const name = (v.name as string | undefined) ?? kind;
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new ScenarioError(ctx.file, keyLine(f, 'name'), `${path}.name`, `"${name}": use letters, digits and _ . - only`);
    if (seen.has(name)) throw new ScenarioError(ctx.file, keyLine(f, 'name'), `${path}.name`, `duplicate device name "${name}" (first at line ${seen.get(name)})`);
    if (kind === 'gpu' && out.some((d) => d.kind === 'gpu')) throw new ScenarioError(ctx.file, keyLine(f, 'kind'), `${path}.kind`, 'one gpu entry at most (the panthor device)');
    seen.set(name, keyLine(f, 'name'));
    for (const key of ['heaps', 'protected_heaps'] as const) {
      const text = v[key === 'heaps' ? 'heaps' : 'protectedHeaps'] as string | undefined;
      for (const h of heapList(text, [])) {
        if (!/^[A-Za-z0-9_.-]+$/.test(h)) throw new ScenarioError(ctx.file, keyLine(f, key), `${path}.${key}`, `"${h}" is not a valid dma-heap name (a comma-separated list of names)`);
      }
    }
    const d = DEVICE_DEFAULTS[kind];
    out.push({
      name, kind,
      heaps: heapList(v.heaps as string | undefined, heaps.filter((h) => h.kind === 'system' || h.kind === 'cma').map((h) => h.name)),
      protectedHeaps: heapList(v.protectedHeaps as string | undefined, kind === 'gpu'
        ? heaps.filter((h) => h.kind === 'protected-carveout' || h.kind === 'restricted-tee').map((h) => h.name) : []),
      decodeTime: (v.decodeTime as Ns | undefined) ?? d.decodeTime,
      jitter: (v.jitter as number | undefined) ?? d.jitter,
      refresh: (v.refresh as number | undefined) ?? d.refresh,
      commitLatency: (v.commitLatency as Ns | undefined) ?? d.commitLatency,
    });
  });
  if (!out.some((d) => d.kind === 'gpu')) {
    out.push({
      name: 'gpu', kind: 'gpu', heaps: heaps.map((h) => h.name),
      protectedHeaps: heaps.filter((h) => h.kind === 'protected-carveout' || h.kind === 'restricted-tee').map((h) => h.name),
      ...DEVICE_DEFAULTS.gpu,
    });
  }
  return out;
}

/** A secure-pipeline app names a decoder and a display of `devices`; other kinds name none. */
function checkPipelines(ctx: Ctx, node: Node | null | undefined, apps: AppConfig[], devices: DeviceConfig[]): void {
  if (node === undefined || isNull(node)) return;
  const items = list(ctx, node as Node, 'apps', MAX_APPS);
  apps.forEach((app, i) => {
    const path = `apps[${i}]`;
    const f = readMap(ctx, mapOf(ctx, items[i] ?? null, path), APP_SPEC, path, REQUIRED_APP_KEYS);
    const v = f.values;
    if (app.kind !== 'secure-pipeline') {
      for (const key of ['decoder', 'display', 'allocator', 'latency_frames'] as const) {
        if (key in f.lines) throw new ScenarioError(ctx.file, keyLine(f, key), `${path}.${key}`, `only a secure-pipeline app takes ${key}`);
      }
      return;
    }
    const pick = (key: 'decoder' | 'display'): string => {
      const want = v[key] as string | undefined;
      const of = devices.filter((d) => d.kind === key);
      if (want === undefined) {
        if (of.length === 1 && of[0]) return of[0].name;
        throw new ScenarioError(ctx.file, f.line, `${path}.${key}`, of.length ? `several ${key}s: name one (${of.map((d) => d.name).join(', ')})` : `a secure-pipeline needs a ${key} in devices`);
      }
      const dev = devices.find((d) => d.name === want);
      if (!dev) throw new ScenarioError(ctx.file, keyLine(f, key), `${path}.${key}`, `no device named "${want}"${suggest(want, devices.map((d) => d.name))}`);
      if (dev.kind !== key) throw new ScenarioError(ctx.file, keyLine(f, key), `${path}.${key}`, `"${want}" is a ${dev.kind}, not a ${key}`);
      return want;
    };
    app.pipeline = {
      decoder: pick('decoder'), display: pick('display'),
      allocator: (v.allocator as 'intersect' | 'gpu-heap' | undefined) ?? 'intersect',
      latencyFrames: (v.latencyFrames as number | undefined) ?? 2,
    };
  });
}

function readHeaps(ctx: Ctx, node: Node | null | undefined, driver: DriverConfig): HeapConfig[] {
  if (node === undefined || isNull(node)) {
    // No `heaps:` section: the system heap plus a protected carve-out under the configured name.
    const heaps: HeapConfig[] = [mkHeap('system', 'system')];
    if (driver.protectedHeapName && driver.protectedHeapName !== 'system') heaps.push(mkHeap(driver.protectedHeapName, 'protected-carveout'));
    return heaps;
  }
  const items = list(ctx, node as Node, 'heaps', MAX_HEAPS);
  const heaps: HeapConfig[] = [];
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const path = `heaps[${i}]`;
    const f = readMap(ctx, mapOf(ctx, item, path), HEAP_SPEC, path, []);
    const v = f.values;
    const name = (v.name as string | undefined) ?? (i === 0 ? 'system' : `heap${i}`);
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new ScenarioError(ctx.file, keyLine(f, 'name'), `${path}.name`, `"${name}" is not a valid /dev/dma_heap/ node name`);
    if (seen.has(name)) throw new ScenarioError(ctx.file, keyLine(f, 'name'), `${path}.name`, `duplicate heap name "${name}" (first at line ${seen.get(name)})`);
    seen.set(name, keyLine(f, 'name'));
    const kind = (v.kind as HeapKindName | undefined) ?? (name === 'system' ? 'system' : 'protected-carveout');
    const heap = mkHeap(name, kind);
    if (v.size !== undefined) heap.size = v.size as number;
    if (kind !== 'system' && heap.size === 0) throw new ScenarioError(ctx.file, keyLine(f, 'size'), `${path}.size`, `a ${kind} heap needs a size > 0`);
    if (v.appearAt !== undefined) heap.appearAt = v.appearAt as Ns;
    if (v.allocLatency !== undefined) heap.allocLatency = v.allocLatency as Ns;
    if (v.failAllocsAfter !== undefined) heap.failAllocsAfter = v.failAllocsAfter as number;
    heaps.push(heap);
  });
  return heaps;
}

function mkHeap(name: string, kind: HeapKindName): HeapConfig {
  return {
    name, kind, size: DEFAULT_HEAP_SIZE[kind], appearAt: 0,
    allocLatency: kind === 'restricted-tee' ? DEFAULT_TEE_LATENCY : 0, failAllocsAfter: -1,
  };
}

function readApps(ctx: Ctx, node: Node | null | undefined, driver: DriverConfig, gpu: GpuConfig): AppConfig[] {
  if (node === undefined || isNull(node)) return [];
  const items = list(ctx, node as Node, 'apps', MAX_APPS);
  const apps: AppConfig[] = [];
  const seen = new Map<string, number>();
  const perKind = new Map<string, number>();
  items.forEach((item, i) => {
    const path = `apps[${i}]`;
    const f = readMap(ctx, mapOf(ctx, item, path), APP_SPEC, path, REQUIRED_APP_KEYS);
    const v = f.values;
    const kind = v.kind as AppKind;
    const d = APP_DEFAULTS[kind];
    const nth = (perKind.get(kind) ?? 0) + 1;
    perKind.set(kind, nth);
    const name = (v.name as string | undefined) ?? (nth === 1 ? kind : `${kind}-${nth}`);
    if (!/^[A-Za-z0-9_.:-]+$/.test(name)) throw new ScenarioError(ctx.file, keyLine(f, 'name'), `${path}.name`, `"${name}": use letters, digits and _ . : - only`);
    if (seen.has(name)) throw new ScenarioError(ctx.file, keyLine(f, 'name'), `${path}.name`, `duplicate app name "${name}" (first at line ${seen.get(name)})`);
    seen.set(name, keyLine(f, 'name'));
    const priority = (v.priority as GroupPriorityName | undefined) ?? d.priority;
    const prot = (v.protected as boolean | undefined) ?? d.protected;
    const app: AppConfig = {
      name, kind, priority,
      // HIGH/REALTIME need CAP_SYS_NICE or DRM master: privileged by default when asking for them.
      privileged: (v.privileged as boolean | undefined) ?? (priority === 'high' || priority === 'realtime'),
      protected: prot,
      protectedGroup: (v.protectedGroup as boolean | undefined) ?? prot,
      start: (v.start as Ns | undefined) ?? 0,
      stop: (v.stop as Ns | undefined) ?? Infinity,
      fps: (v.fps as number | undefined) ?? d.fps,
      jobDuration: (v.jobDuration as Ns | undefined) ?? d.jobDuration,
      jitter: (v.jitter as number | undefined) ?? d.jitter,
      queues: (v.queues as number | undefined) ?? d.queues,
      buffers: (v.buffers as number | undefined) ?? d.buffers,
      heap: (v.heap as string | undefined) ?? (prot ? (driver.protectedHeapName || 'protected') : 'system'),
      tilerChunks: (v.tilerChunks as number | undefined) ?? 0,
      tilerChunksStep: (v.tilerChunksStep as number | undefined) ?? 0,
      tilerInitialChunks: (v.tilerInitialChunks as number | undefined) ?? 4,
      tilerMaxChunks: (v.tilerMaxChunks as number | undefined) ?? 64,
      tilerTargetInFlight: (v.tilerTargetInFlight as number | undefined) ?? 4,
    };
    if (v.egl !== undefined) app.egl = v.egl as boolean;
    if (v.eglMixedSurfaces !== undefined) {
      app.eglMixedSurfaces = v.eglMixedSurfaces as boolean;
      if (app.eglMixedSurfaces && app.protected) throw new ScenarioError(ctx.file, keyLine(f, 'egl_mixed_surfaces'), `${path}.egl_mixed_surfaces`, 'the mixed case is a normal context: not with protected: true');
    }
    if (app.tilerInitialChunks > app.tilerMaxChunks) {
      throw new ScenarioError(ctx.file, keyLine(f, 'tiler_initial_chunks'), `${path}.tiler_initial_chunks`, `more than tiler_max_chunks (${app.tilerMaxChunks}): TILER_HEAP_CREATE would fail with EINVAL`);
    }
    if (app.stop <= app.start) throw new ScenarioError(ctx.file, keyLine(f, 'stop', 'start'), `${path}.stop`, 'must be later than start');
    if (app.queues > gpu.streamNum) {
      throw new ScenarioError(ctx.file, keyLine(f, 'queues'), `${path}.queues`, `out of range: ${app.queues} (a group has at most gpu.stream_num = ${gpu.streamNum} queues)`);
    }
    apps.push(app);
  });
  return apps;
}

/** Fault kinds that target an app, and those that target a heap. */
const APP_FAULTS: readonly FaultKindName[] = ['cs-fatal', 'cs-unrecoverable', 'job-hang', 'cs-fault', 'mmu-fault'];
const HEAP_FAULTS: readonly FaultKindName[] = ['heap-alloc-fail', 'heap-remove'];

function readFaults(ctx: Ctx, node: Node | null | undefined, apps: AppConfig[], heaps: HeapConfig[], driver: DriverConfig): FaultConfig[] {
  if (node === undefined || isNull(node)) return [];
  const items = list(ctx, node as Node, 'faults', MAX_FAULTS);
  return items.map((item, i) => {
    const path = `faults[${i}]`;
    const f = readMap(ctx, mapOf(ctx, item, path), FAULT_SPEC, path, REQUIRED_FAULT_KEYS);
    const v = f.values;
    const kind = v.kind as FaultKindName;
    let app = (v.app as string | undefined) ?? '';
    let heap = (v.heap as string | undefined) ?? '';
    if (APP_FAULTS.includes(kind)) {
      if (!app) app = (apps.find((a) => a.protected) ?? apps[0])?.name ?? '';
      if (!app) throw new ScenarioError(ctx.file, keyLine(f, 'kind'), `${path}.app`, `a ${kind} fault needs an app, and the scenario has none`);
      if (!apps.some((a) => a.name === app)) {
        throw new ScenarioError(ctx.file, keyLine(f, 'app'), `${path}.app`, `no app named "${app}"${suggest(app, apps.map((a) => a.name))}`);
      }
    } else if (v.app !== undefined) {
      throw new ScenarioError(ctx.file, keyLine(f, 'app'), `${path}.app`, `a ${kind} fault does not target an app`);
    }
    if (HEAP_FAULTS.includes(kind)) {
      if (!heap) heap = driver.protectedHeapName || 'protected';
      if (!heaps.some((h) => h.name === heap)) {
        throw new ScenarioError(ctx.file, keyLine(f, 'heap', 'kind'), `${path}.heap`, `no heap named "${heap}"${suggest(heap, heaps.map((h) => h.name))}`);
      }
    } else if (v.heap !== undefined) {
      throw new ScenarioError(ctx.file, keyLine(f, 'heap'), `${path}.heap`, `a ${kind} fault does not target a heap`);
    }
    return { at: (v.at as Ns | undefined) ?? 1_000_000_000, kind, app, heap, count: (v.count as number | undefined) ?? 1 };
  });
}

// ───────────────────────────── tree walking ─────────────────────────────

function emptyFields(): Fields { return { values: {}, lines: {}, line: 0 }; }

function isNull(node: Node | null): boolean { return node === null || (isScalar(node) && node.value === null); }

function lineOf(ctx: Ctx, node: Node | Pair | null | undefined): number {
  const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return range ? ctx.lc.linePos(range[0]).line : 0;
}

function section(ctx: Ctx, node: Node | null | undefined, path: string, spec: ObjectSpec): Fields {
  if (node === undefined || isNull(node)) return emptyFields();
  return readMap(ctx, mapOf(ctx, node, path), spec, path, []);
}

function mapOf(ctx: Ctx, node: Node | null, path: string): YAMLMap {
  if (node && isMap(node)) return node;
  throw new ScenarioError(ctx.file, lineOf(ctx, node), path, `expected a mapping of keys (got ${describe(node)})`);
}

function list(ctx: Ctx, node: Node, path: string, max: number): (Node | null)[] {
  if (!isSeq(node)) throw new ScenarioError(ctx.file, lineOf(ctx, node), path, `expected a list (got ${describe(node)})`);
  if (node.items.length > max) throw new ScenarioError(ctx.file, lineOf(ctx, node.items[max] as Node), path, `too many entries (at most ${max})`);
  return node.items as (Node | null)[];
}

/**
 * Reads one mapping against `spec`. `other(key, value)` may claim keys that are not fields
 * (sections); any other key is an error naming the key and its line.
 */
function readMap(ctx: Ctx, map: YAMLMap, spec: ObjectSpec, path: string, required: readonly string[],
                 other?: (key: string, value: Node | null) => boolean, extraKeys: string[] = []): Fields {
  const out: Fields = { values: {}, lines: {}, line: lineOf(ctx, map) };
  for (const pair of map.items as Pair<Node, Node | null>[]) {
    const keyNode = pair.key;
    const line = lineOf(ctx, keyNode);
    if (!isScalar(keyNode) || typeof keyNode.value !== 'string') {
      throw new ScenarioError(ctx.file, line, path, `keys must be plain names (got ${describe(keyNode)})`);
    }
    const key = keyNode.value;
    const keyPath = path ? `${path}.${key}` : key;
    const fs = Object.prototype.hasOwnProperty.call(spec, key) ? spec[key] : undefined;
    if (!fs) {
      if (other?.(key, pair.value)) continue;
      const known = [...Object.keys(spec), ...extraKeys];
      throw new ScenarioError(ctx.file, line, keyPath, `unknown key${suggest(key, known)} (expected one of ${known.join(', ')})`);
    }
    out.lines[key] = line;
    const value = pair.value;
    if (isNull(value)) continue;   // `key:` with no value keeps the default
    out.values[fs.prop] = readField(ctx, value as Node, fs, keyPath, lineOf(ctx, value) || line);
  }
  for (const key of required) {
    const fs = spec[key];
    if (!fs) throw new Error(`invariant: required key ${key} is not in its spec`);
    if (!(key in out.lines) || out.values[fs.prop] === undefined) {
      throw new ScenarioError(ctx.file, out.line, path ? `${path}.${key}` : key, 'missing required key');
    }
  }
  return out;
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1, 'b': 1, 'k': 1024, 'kb': 1024, 'kib': 1024, 'm': 1024 ** 2, 'mb': 1024 ** 2, 'mib': 1024 ** 2,
  'g': 1024 ** 3, 'gb': 1024 ** 3, 'gib': 1024 ** 3,
};

function readField(ctx: Ctx, node: Node, fs: FieldSpec, path: string, line: number): unknown {
  const bad = (problem: string): never => { throw new ScenarioError(ctx.file, line, path, problem); };
  if (!isScalar(node)) return bad(`expected ${expected(fs)} (got ${describe(node)})`);
  const raw = node.value;
  switch (fs.type) {
    case 'string': {
      if (typeof raw !== 'string') return bad(`expected a string (got ${describe(node)}; quote it)`);
      if (fs.maxLen !== undefined && raw.length > fs.maxLen) return bad(`too long: ${raw.length} characters (at most ${fs.maxLen})`);
      const problem = badTextProblem(raw);
      if (problem !== undefined) return bad(problem);
      return raw;
    }
    case 'int': case 'number': {
      let n: number;
      if (typeof raw === 'number') n = raw;
      else if (typeof raw === 'string' && /^0x[0-9a-f]+$/i.test(raw)) n = parseInt(raw.slice(2), 16);
      else return bad(`expected ${expected(fs)} (got ${describe(node)})`);
      if (!Number.isFinite(n)) return bad(`expected a finite number (got ${String(raw)})`);
      if (fs.type === 'int' && !Number.isInteger(n)) return bad(`expected an integer (got ${n})`);
      if (n < fs.min || n > fs.max) return bad(`out of range: ${n} (expected ${fs.min}..${fs.max})`);
      return n;
    }
    case 'bool': {
      if (typeof raw !== 'boolean') return bad(`expected true or false (got ${describe(node)})`);
      return raw;
    }
    case 'duration': {
      if (fs.never && raw === 'never') return Infinity;
      let t: number | undefined;
      if (raw === 0) t = 0;
      else if (typeof raw === 'number') return bad(`expected a duration with a unit, e.g. "16.6ms" or "5s" (a bare ${raw} is ambiguous)`);
      else if (typeof raw === 'string') t = parseDuration(raw);
      if (t === undefined) return bad(`expected a duration like "16.6ms", "800us" or "5s"${fs.never ? ' or "never"' : ''} (got ${describe(node)})`);
      if (t < fs.min || t > fs.max) return bad(`out of range: ${String(raw)} (expected ${formatNsExact(fs.min)}..${formatNsExact(fs.max)})`);
      return t;
    }
    case 'size': {
      let n: number | undefined;
      if (typeof raw === 'number') n = raw;
      else if (typeof raw === 'string') {
        const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(raw);
        const unit = m ? SIZE_UNITS[(m[2] ?? '').toLowerCase()] : undefined;
        if (m && unit !== undefined) n = Math.round(Number(m[1]) * unit);
      }
      if (n === undefined) return bad(`expected a size in bytes or with a unit, e.g. 4096, "64MiB", "1G" (got ${describe(node)})`);
      if (!Number.isInteger(n)) return bad(`expected a whole number of bytes (got ${n})`);
      if (n < fs.min || n > fs.max) return bad(`out of range: ${String(raw)} (expected ${fs.min}..${fs.max} bytes)`);
      return n;
    }
    case 'enum': {
      if (typeof raw !== 'string' || !fs.values.includes(raw)) {
        return bad(`expected one of ${fs.values.join(', ')} (got ${describe(node)})${typeof raw === 'string' ? suggest(raw, fs.values) : ''}`);
      }
      return raw;
    }
  }
}

function expected(fs: FieldSpec): string {
  switch (fs.type) {
    case 'string': return 'a string';
    case 'int': return 'an integer';
    case 'number': return 'a number';
    case 'bool': return 'true or false';
    case 'duration': return 'a duration like "16.6ms" or "5s"';
    case 'size': return 'a size like 4096 or "64MiB"';
    case 'enum': return `one of ${fs.values.join(', ')}`;
  }
}

function describe(node: unknown): string {
  if (node === null || node === undefined) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'null';
    if (typeof v === 'string') return `"${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;
    if (typeof v === 'boolean') return `boolean ${v}`;
    if (typeof v === 'number') return `number ${v}`;
    return String(v);
  }
  return 'an unsupported value';
}


/** ` (did you mean "x"?)` when a known name is within edit distance 2, else ''. */
export function suggest(word: string, known: readonly string[]): string {
  let best = '', bestD = 3;
  for (const k of known) {
    const d = editDistance(word.toLowerCase(), k.toLowerCase());
    if (d < bestD) { bestD = d; best = k; }
  }
  return best && best !== word ? ` (did you mean "${best}"?)` : '';
}

function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1), cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    for (let j = 0; j <= b.length; j++) prev[j] = cur[j]!;
  }
  return prev[b.length]!;
}
