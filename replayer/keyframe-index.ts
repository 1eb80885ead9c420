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
import { closeSync, fstatSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { crc32 } from '../proto/index.js';
import { applyEvent, initialState } from './reducer.js';
import { pack, type KeyframeBatch, type Keyframe } from './replayer.js';
import { decodeStateSnapshot } from './snapshot.js';
import type { TraceFile } from './trace-file.js';

/** Events between persisted keyframes: restoring one costs at most this many reducer steps (≈ 10 ms). */
export const INDEX_KEYFRAME_EVERY = 1 << 15;
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

/**
 * Builds the keyframes of `tr` and writes them to `<trace>.keyframes` (through a temporary file and
 * a rename: a reader never sees half an index). Memory: one state and the frame table.
 */
export function writeKeyframeIndex(tr: TraceFile, every = INDEX_KEYFRAME_EVERY): { path: string; frames: number; bytes: number } {
  const path = keyframeIndexPath(tr.path);
  const tmp = `${path}.${process.pid}.tmp`;
  const identity = identityOf(tr);
  const fd = openSync(tmp, 'w');
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

export type IndexLoad =
  | { ok: true; batch: KeyframeBatch; path: string }
  | { ok: false; path: string; why: string };

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
 * The keyframes of `<trace>.keyframes` when it exists and was made from this very trace; otherwise
 * why not (`none` when there is no such file). Every frame's checksum is verified before use.
 */
export function loadKeyframeIndex(tr: TraceFile): IndexLoad {
  const path = keyframeIndexPath(tr.path);
  let fd: number;
  try { fd = openSync(path, 'r'); } catch { return { ok: false, path, why: 'none' }; }
  try {
    const size = fstatSync(fd).size;
    if (size < FOOTER_SIZE) return { ok: false, path, why: 'too short to be a keyframe index' };
    const foot = new DataView(readAt(fd, FOOTER_SIZE, size - FOOTER_SIZE).buffer);
    const len = foot.getUint32(4, true);
    if (foot.getUint32(8, true) !== FOOTER_MAGIC || len > MAX_TABLE || len > size - FOOTER_SIZE) return { ok: false, path, why: 'not a keyframe index' };
    const json = readAt(fd, len, size - FOOTER_SIZE - len);
    if (crc32(json) !== foot.getUint32(0, true)) return { ok: false, path, why: 'its table is corrupt (bad checksum)' };
    const table = JSON.parse(new TextDecoder().decode(json)) as IndexTable;
    if (table.version !== 1) return { ok: false, path, why: `version ${String(table.version)} is not known` };
    const stale = sameIdentity(table.trace, identityOf(tr));
    if (stale) return { ok: false, path, why: `stale: ${stale}` };
    const end = size - FOOTER_SIZE - len;
    const data = readAt(fd, end, 0);
    const frames: Keyframe[] = [];
    for (const [off, length, raw, sum] of table.frames) {
      if (off + length > end) return { ok: false, path, why: 'a keyframe lies past the end of the file' };
      const d = data.subarray(off, off + length);
      if (crc32(d) !== sum) return { ok: false, path, why: `keyframe ${frames.length} is corrupt (bad checksum)` };
      frames.push({ raw, data: d });
    }
    if (frames.length !== Math.floor(tr.eventCount / table.every) + 1) return { ok: false, path, why: 'it does not cover the whole trace' };
    return { ok: true, path, batch: { every: table.every, from: 0, frames } };
  } catch (e) {
    return { ok: false, path, why: `unreadable (${(e as Error).message})` };
  } finally {
    closeSync(fd);
  }
}
