/**
 * The keyframe index: a trace's keyframes (the replayed state every K events) kept in a file beside
 * it, `<trace>.keyframes`, so that `state --at` anywhere restores one keyframe and applies at most
 * K events instead of replaying the trace from the start. Written by `csftrace index` (and
 * `record --index`); optional: without it (or with a stale one) everything works as before.
 *
 *   frames (lz4 JSON, as Replayer keeps them) · table (JSON) · footer: crc32(table) u32, length u32, "CKF1"
 *
 * The table names the trace it was built from: size, modification time, event and chunk counts and
 * a CRC-32 of the chunk table. Any difference (the trace was re-recorded, trimmed, a note appended,
 * copied without its time) makes the index stale: it is ignored, and `index` writes it again.
 * Every frame carries its CRC-32; a damaged index is ignored the same way, never trusted.
 */
import { closeSync, fstatSync, lstatSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { crc32 } from '../proto/index.js';
import { applyEvent, finalizeState, initialState } from './reducer.js';
import { pack, unpack, type KeyframeBatch, type Keyframe } from './replayer.js';
import type { ReplayState } from './state.js';
import { decodeStateSnapshot } from './snapshot.js';
import { TraceError, type TraceFile } from './trace-file.js';

/**
 * Events between persisted keyframes: restoring one costs at most this many reducer steps, run by a
 * process whose code is not optimised yet (≈ 0.1 s at 32,768; the index is then about 1 B/event).
 */
export const INDEX_KEYFRAME_EVERY = 1 << 13;
const FOOTER_MAGIC = 0x31464b43; // "CKF1" little-endian
const FOOTER_SIZE = 12;
/** Tables larger than this are not an index this code wrote (64 bytes per frame, 2^24 frames). */
const MAX_TABLE = 1 << 30;

/** The file beside a trace that holds its keyframes. */
export function keyframeIndexPath(tracePath: string): string { return `${tracePath}.keyframes`; }

interface TraceIdentity { size: number; mtimeMs: number; events: number; chunks: number; table: number }

interface IndexTable {
  version: 1;
  every: number;
  trace: TraceIdentity;
  /** [offset, length, raw bytes, crc32 of the compressed bytes] per keyframe; frame j = state after j·every events. */
  frames: [number, number, number, number][];
}

function identityOf(tr: TraceFile): TraceIdentity {
  const st = statSync(tr.path);
  const t = new Float64Array(tr.chunks.length * 5);
  tr.chunks.forEach((c, k) => { t.set([c.offset, c.firstEvent, c.eventCount, c.firstTimeNs, c.compressedSize], k * 5); });
  return { size: st.size, mtimeMs: st.mtimeMs, events: tr.eventCount, chunks: tr.chunks.length, table: crc32(new Uint8Array(t.buffer)) };
}

function sameIdentity(a: TraceIdentity, b: TraceIdentity): string | undefined {
  if (a.size !== b.size) return `the trace is ${b.size} bytes, the index was made for ${a.size}`;
  if (a.events !== b.events || a.chunks !== b.chunks || a.table !== b.table) return 'the trace\'s chunks differ from those the index was made for';
  if (a.mtimeMs !== b.mtimeMs) return 'the trace was modified after the index was made';
  return undefined;
}

/** Why `path` may not be replaced by an index (undefined: absent, or an index itself). */
function notAnIndex(path: string): string | undefined {
  let st;
  try { st = lstatSync(path); } catch { return undefined; }
  if (!st.isFile()) return 'exists and is not a regular file';
  if (st.size < FOOTER_SIZE) return 'exists and is not a keyframe index';
  const fd = openSync(path, 'r');
  try {
    const foot = new DataView(readAt(fd, FOOTER_SIZE, st.size - FOOTER_SIZE).buffer);
    return foot.getUint32(8, true) === FOOTER_MAGIC ? undefined : 'exists and is not a keyframe index';
  } finally { closeSync(fd); }
}

/**
 * Builds the keyframes of `tr` and writes them to `<trace>.keyframes` (through a temporary file and
 * a rename: a reader never sees half an index). Memory: one state and the frame table.
 */
export function writeKeyframeIndex(tr: TraceFile, every = INDEX_KEYFRAME_EVERY): { path: string; frames: number; bytes: number } {
  const path = keyframeIndexPath(tr.path);
  const other = notAnIndex(path);
  if (other) throw new TraceError(`${path}: ${other}: not replaced (an index is written only over an older index)`, 'E_INDEX');
  const tmp = `${path}.${process.pid}.tmp`;
  const identity = identityOf(tr);
  // 'wx': never through a file or a symbolic link already at the temporary name
  const fd = openSync(tmp, 'wx');
  const frames: IndexTable['frames'] = [];
  let offset = 0;
  const put = (kf: Keyframe): void => {
    writeSync(fd, kf.data);
    frames.push([offset, kf.data.length, kf.raw, crc32(kf.data)]);
    offset += kf.data.length;
  };
  try {
    const s = tr.snapshot ? decodeStateSnapshot(tr.snapshot, tr.path) : initialState();
    put(pack(JSON.stringify(s)));
    tr.forEach((ev, i) => {
      applyEvent(s, ev, i);
      if ((i + 1) % every === 0) put(pack(JSON.stringify(s)));
    });
    const table: IndexTable = { version: 1, every, trace: identity, frames };
    const json = new TextEncoder().encode(JSON.stringify(table));
    const foot = new DataView(new ArrayBuffer(FOOTER_SIZE));
    foot.setUint32(0, crc32(json), true);
    foot.setUint32(4, json.length, true);
    foot.setUint32(8, FOOTER_MAGIC, true);
    writeSync(fd, json);
    writeSync(fd, new Uint8Array(foot.buffer));
    closeSync(fd);
    renameSync(tmp, path);
    return { path, frames: frames.length, bytes: offset + json.length + FOOTER_SIZE };
  } catch (e) {
    try { closeSync(fd); } catch { /* closed */ }
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** An index made from this very trace: its table, and each keyframe read when asked for. */
export interface KeyframeIndex {
  readonly path: string;
  readonly every: number;
  readonly count: number;
  /** Keyframe j (the state after j·every events), its checksum verified; throws when it does not match. */
  frame(j: number): Keyframe;
  close(): void;
}

export type IndexOpen = { ok: true; index: KeyframeIndex } | { ok: false; path: string; why: string };
export type IndexLoad = { ok: true; batch: KeyframeBatch; path: string } | { ok: false; path: string; why: string };

function readAt(fd: number, length: number, position: number): Uint8Array {
  const b = new Uint8Array(length);
  let n = 0;
  while (n < length) {
    const r = readSync(fd, b, n, length - n, position + n);
    if (r === 0) throw new Error('unexpected end of file');
    n += r;
  }
  return b;
}

/**
 * `<trace>.keyframes` when it exists and was made from this very trace; otherwise why not (`none`
 * when there is no such file). Reads the table only; keyframes are read one at a time.
 */
export function openKeyframeIndex(tr: TraceFile): IndexOpen {
  const path = keyframeIndexPath(tr.path);
  let st;
  try { st = lstatSync(path); } catch { return { ok: false, path, why: 'none' }; }
  // a FIFO or a device there would block or stream forever: only a regular file is read
  if (!st.isFile()) return { ok: false, path, why: 'not a regular file' };
  let fd: number;
  try { fd = openSync(path, 'r'); } catch { return { ok: false, path, why: 'none' }; }
  const fail = (why: string): IndexOpen => { closeSync(fd); return { ok: false, path, why }; };
  try {
    const size = fstatSync(fd).size;
    if (size < FOOTER_SIZE) return fail('too short to be a keyframe index');
    const foot = new DataView(readAt(fd, FOOTER_SIZE, size - FOOTER_SIZE).buffer);
    const len = foot.getUint32(4, true);
    if (foot.getUint32(8, true) !== FOOTER_MAGIC || len > MAX_TABLE || len > size - FOOTER_SIZE) return fail('not a keyframe index');
    const json = readAt(fd, len, size - FOOTER_SIZE - len);
    if (crc32(json) !== foot.getUint32(0, true)) return fail('its table is corrupt (bad checksum)');
    const table = JSON.parse(new TextDecoder().decode(json)) as IndexTable;
    if (table.version !== 1) return fail(`version ${String(table.version)} is not known`);
    const stale = sameIdentity(table.trace, identityOf(tr));
    if (stale) return fail(`stale: ${stale}`);
    const end = size - FOOTER_SIZE - len;
    // an indexed loop: a destructured pair per frame, by code not yet compiled, was 6 ms of a cold `state --at`
    for (let j = 0; j < table.frames.length; j++) {
      const f: unknown = table.frames[j];
      if (!Array.isArray(f) || typeof f[0] !== 'number' || typeof f[1] !== 'number') return fail('its table is malformed');
      if (f[0] + f[1] > end) return fail('a keyframe lies past the end of the file');
    }
    if (table.frames.length !== Math.floor(tr.eventCount / table.every) + 1) return fail('it does not cover the whole trace');
    return {
      ok: true,
      index: {
        path, every: table.every, count: table.frames.length,
        frame(j) {
          const f = table.frames[j];
          if (f === undefined) throw new RangeError(`keyframe ${j} outside [0, ${table.frames.length})`);
          const [off, length, raw, sum] = f;
          const data = readAt(fd, length, off);
          if (crc32(data) !== sum) throw new Error(`keyframe ${j} is corrupt (bad checksum)`);
          return { raw, data };
        },
        close() { closeSync(fd); },
      },
    };
  } catch (e) {
    return fail(`unreadable (${(e as Error).message})`);
  }
}

/** Every keyframe of the index, for a Replayer (`adoptKeyframes`); why not, as openKeyframeIndex says. */
export function loadKeyframeIndex(tr: TraceFile): IndexLoad {
  const o = openKeyframeIndex(tr);
  if (!o.ok) return o;
  const x = o.index;
  try {
    const frames: Keyframe[] = [];
    for (let j = 0; j < x.count; j++) frames.push(x.frame(j));
    return { ok: true, path: x.path, batch: { every: x.every, from: 0, frames } };
  } catch (e) {
    return { ok: false, path: x.path, why: (e as Error).message };
  } finally { x.close(); }
}

/** The state after event `i` (−1: before the first), from the keyframe before it and at most `every` events. */
export function stateAtIndexed(tr: TraceFile, x: KeyframeIndex, i: number): ReplayState {
  const j = Math.min(Math.floor((i + 1) / x.every), x.count - 1);
  const s = unpack(x.frame(j));
  tr.forEach((ev, k) => { applyEvent(s, ev, k); }, j * x.every, i + 1);
  return finalizeState(s);
}
