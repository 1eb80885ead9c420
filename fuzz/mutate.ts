/**
 * Seeded mutations of a .csft container, as an attacker would make them: raw bytes (checksums then
 * fail), and well-formed frames with hostile content and recomputed checksums: chunk content
 * (decompressed, changed, recompressed), chunk headers, the state snapshot, notes, the index and the
 * header. Frames are re-assembled with a fresh index and trailer where the mutation calls for it, so
 * the reader sees a file that passes every checksum.
 */
import {
  FRAME_HEADER_SIZE, FrameKind, PREAMBLE_SIZE, Reader, TRAILER_MAGIC, TRAILER_SIZE, Writer, crc32,
  decodeChunkIndexEntry, decodeNote, decodeStateSnapshot, decodeTraceHeader, encodeChunkIndexEntry,
  encodeFrame, encodeNote, encodeStateSnapshot, encodeTraceHeader, encodeTraceIndex, encodeTrailer, getU32, lz4Bound,
  lz4Compress, lz4Decompress, putU32, type ChunkIndexEntry, type TraceIndex,
} from '../proto/index.js';

/** A seeded PRNG (mulberry32): the same seed gives the same mutations. */
export class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number { return Math.floor(this.next() * n); }
  pick<T>(xs: readonly T[]): T {
    const x = xs[this.int(xs.length)];
    if (x === undefined) throw new Error('invariant: a pick from an empty list');
    return x;
  }
  chance(p: number): boolean { return this.next() < p; }
}

interface Frame { kind: number; payload: Uint8Array }
interface Parsed { preamble: Uint8Array; frames: Frame[] }

/** The frames of a well-formed container (trailers dropped: re-assembly writes a fresh one). */
export function parseFrames(b: Uint8Array): Parsed {
  const frames: Frame[] = [];
  let pos = PREAMBLE_SIZE;
  while (pos < b.length) {
    if (b[pos] === FrameKind.TRAILER && TRAILER_MAGIC.every((x, i) => b[pos + i] === x)) { pos += TRAILER_SIZE; continue; }
    const len = getU32(b, pos + 1);
    frames.push({ kind: b[pos]!, payload: b.slice(pos + FRAME_HEADER_SIZE, pos + FRAME_HEADER_SIZE + len) });
    pos += FRAME_HEADER_SIZE + len;
  }
  return { preamble: b.slice(0, PREAMBLE_SIZE), frames };
}

function frameBytes(kind: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(FRAME_HEADER_SIZE + payload.length);
  f[0] = kind;
  putU32(f, 1, payload.length);
  f.set(payload, FRAME_HEADER_SIZE);
  putU32(f, 5, crc32(payload, crc32(f, 0, 0, 5)));
  return f;
}

function encodeWith<T>(enc: (w: Writer, m: T) => void, m: T): Uint8Array {
  const w = new Writer(256);
  enc(w, m);
  return w.finish();
}

/** A CHUNK payload's header entry and its lz4 block. */
export function chunkParts(payload: Uint8Array): { entry: ChunkIndexEntry; block: Uint8Array } {
  const r = new Reader(payload);
  const n = r.uint32();
  const entry = decodeChunkIndexEntry(r, r.pos + n);
  return { entry, block: payload.subarray(r.pos) };
}

/** A CHUNK payload from a header entry (its offset and compressed size left out) and an lz4 block. */
export function chunkPayload(entry: ChunkIndexEntry, block: Uint8Array): Uint8Array {
  const { offset: _o, compressedSize: _c, ...init } = entry;
  const h = encodeWith(encodeChunkIndexEntry, init);
  const w = new Writer(h.length + block.length + 8);
  w.uint32(h.length);
  const out = new Uint8Array(w.pos + h.length + block.length);
  out.set(w.view_(), 0);
  out.set(h, w.pos);
  out.set(block, w.pos + h.length);
  return out;
}

/**
 * Re-assembles frames into a container. With `reindex`, every old INDEX is dropped and a fresh one
 * (from the chunks' own headers, offsets as laid out) is written before a new trailer, as a closed
 * recording has; `index` then replaces its entries when given.
 */
export function assemble(p: Parsed, reindex: boolean, mutateIndex?: (ix: TraceIndex) => void): Uint8Array {
  const parts: Uint8Array[] = [p.preamble];
  let pos = p.preamble.length;
  const chunks: ChunkIndexEntry[] = [];
  let notesOffset = 0;
  let events = 0, lastT = 0;
  for (const f of p.frames) {
    if (reindex && f.kind === FrameKind.INDEX) continue;
    if (f.kind === FrameKind.CHUNK) {
      try {
        const { entry } = chunkParts(f.payload);
        const r = new Reader(f.payload);
        const n = r.uint32();
        chunks.push({ ...entry, offset: pos, compressedSize: f.payload.length - (r.pos + n) });
        events += entry.eventCount;
        lastT = entry.lastTimeNs;
      } catch { /* a chunk whose header does not decode: left out of the index */ }
    }
    if (f.kind === FrameKind.NOTE && notesOffset === 0) notesOffset = pos;
    const fb = frameBytes(f.kind, f.payload);
    parts.push(fb);
    pos += fb.length;
  }
  if (reindex) {
    const fam: number[] = [];
    for (const c of chunks) c.familyCounts.forEach((n, i) => { fam[i] = (fam[i] ?? 0) + n; });
    const ix: TraceIndex = { chunks, eventCount: events, lastTimeNs: lastT, familyCounts: Array.from(fam, (x) => x ?? 0), notesOffset };
    mutateIndex?.(ix);
    const idx = encodeFrame(FrameKind.INDEX, encodeTraceIndex, ix);
    parts.push(idx, encodeTrailer(pos));
  }
  const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  let at = 0;
  for (const x of parts) { out.set(x, at); at += x.length; }
  return out;
}

// ───────────────────────────── value mutations ─────────────────────────────

const HOSTILE_STRINGS = [
  '', '\x1b]0;pwned\x07', '\x1b[2J\x1b[H', 'a\u202eb', '\0', '\ufffd', '__proto__', 'constructor', 'x'.repeat(5000),
  '/home/alice/secret/path.yaml', '{"a":', '\r\n\r\n', '../../etc/passwd',
];
const HOSTILE_NUMBERS = [0, -1, 1, 2 ** 31, 2 ** 32, 2 ** 53, Number.MAX_SAFE_INTEGER, 1e300, -1e300, 8.64e15 + 1, 0.5, 65536, 1 << 20];

function hostileNumber(rng: Rng): number { return rng.pick(HOSTILE_NUMBERS); }

/** A hostile replacement for a JSON value (any type, or a deep nest). */
function hostileJson(rng: Rng): unknown {
  switch (rng.int(9)) {
    case 0: return null;
    case 1: return rng.pick(HOSTILE_STRINGS);
    case 2: return hostileNumber(rng);
    case 3: return {};
    case 4: return [];
    case 5: return true;
    case 6: { let v: unknown = 1; for (let i = 0; i < 50; i++) v = [v]; return v; }
    case 7: return JSON.parse('{"__proto__": {"x": 1}}') as unknown;
    default: return -rng.int(100);
  }
}

/** Replaces one randomly chosen value (or key) somewhere in a JSON tree. */
function mutateJsonTree(v: unknown, rng: Rng, depth = 0): unknown {
  if (v === null || typeof v !== 'object' || (depth > 0 && rng.chance(0.15))) return hostileJson(rng);
  if (Array.isArray(v)) {
    if (v.length === 0 || rng.chance(0.1)) return [...v, hostileJson(rng)];
    const i = rng.int(v.length);
    const out = v.slice();
    out[i] = mutateJsonTree(v[i], rng, depth + 1);
    return out;
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 0 || rng.chance(0.05)) return { ...o, [rng.pick(HOSTILE_STRINGS)]: hostileJson(rng) };
  const k = rng.pick(keys);
  if (rng.chance(0.05)) { const { [k]: _gone, ...rest } = o; return rest; }
  return { ...o, [k]: mutateJsonTree(o[k], rng, depth + 1) };
}

/** Byte-level damage to a buffer: flips, random bytes, cuts, duplicated or deleted ranges. */
function mutateBytes(b: Uint8Array, rng: Rng): Uint8Array {
  if (b.length === 0) return Uint8Array.of(rng.int(256));
  const n = 1 + rng.int(4);
  let out = b.slice();
  for (let k = 0; k < n; k++) {
    const at = rng.int(out.length);
    switch (rng.int(6)) {
      case 0: out[at]! ^= 1 << rng.int(8); break;
      case 1: out[at] = rng.int(256); break;
      case 2: out[at] = rng.pick([0x00, 0x7f, 0x80, 0xff, 0x08, 0x0a, 0x12]); break;
      case 3: { const end = Math.min(out.length, at + 1 + rng.int(64)); out = Uint8Array.from([...out.subarray(0, at), ...out.subarray(end)]); break; }
      case 4: { const end = Math.min(out.length, at + 1 + rng.int(64)); const dup = out.slice(at, end); const x = new Uint8Array(out.length + dup.length); x.set(out.subarray(0, end)); x.set(dup, end); x.set(out.subarray(end), end + dup.length); out = x; break; }
      default: { const x = new Uint8Array(out.length + 10); x.set(out.subarray(0, at)); x.fill(0xff, at, at + 10); x.set(out.subarray(at), at + 10); out = x; break; }
    }
    if (out.length === 0) return out;
  }
  return out;
}

function indexOfKind(p: Parsed, kind: number, rng: Rng): number {
  const ks = p.frames.map((f, i) => (f.kind === kind ? i : -1)).filter((i) => i >= 0);
  return ks.length ? rng.pick(ks) : -1;
}

// ───────────────────────────── the mutators ─────────────────────────────

export const MUTATORS = ['raw', 'truncate', 'chunk-content', 'chunk-header', 'snapshot', 'notes', 'index', 'header', 'frame'] as const;
export type Mutator = (typeof MUTATORS)[number];

export interface Mutant { bytes: Uint8Array; mutator: Mutator; what: string }

/** One mutant of `base` (a well-formed container). */
export function mutate(base: Uint8Array, rng: Rng, only?: Mutator): Mutant {
  const mutator = only ?? rng.pick(MUTATORS);
  const p = parseFrames(base);
  switch (mutator) {
    case 'raw': {
      const at = rng.int(base.length);
      const b = base.slice();
      const n = 1 + rng.int(8);
      for (let i = 0; i < n; i++) b[Math.min(b.length - 1, at + rng.int(32))] = rng.int(256);
      return { bytes: b, mutator, what: `bytes at ${at}` };
    }
    case 'truncate': {
      const at = rng.int(base.length);
      return { bytes: base.slice(0, at), mutator, what: `cut at ${at}` };
    }
    case 'chunk-content': {
      const k = indexOfKind(p, FrameKind.CHUNK, rng);
      const f = p.frames[k];
      if (!f) break;   // none of that kind (k = -1)
      const { entry, block } = chunkParts(f.payload);
      const raw = new Uint8Array(entry.rawSize);
      if (lz4Decompress(block, raw) !== entry.rawSize) break;
      const bad = mutateBytes(raw, rng);
      const out = new Uint8Array(lz4Bound(bad.length) + 16);
      const clen = lz4Compress(bad, out);
      const keepSize = rng.chance(0.2);
      const e2 = { ...entry, rawSize: keepSize ? entry.rawSize : bad.length };
      p.frames[k] = { kind: FrameKind.CHUNK, payload: chunkPayload(e2, out.subarray(0, clen)) };
      return { bytes: assemble(p, true), mutator, what: `chunk frame ${k}: content (${raw.length} → ${bad.length} bytes)` };
    }
    case 'chunk-header': {
      const k = indexOfKind(p, FrameKind.CHUNK, rng);
      const f = p.frames[k];
      if (!f) break;   // none of that kind (k = -1)
      const { entry, block } = chunkParts(f.payload);
      const field = rng.pick(['firstEvent', 'eventCount', 'firstTimeNs', 'lastTimeNs', 'rawSize', 'familyCounts'] as const);
      const e2: ChunkIndexEntry = { ...entry };
      if (field === 'familyCounts') e2.familyCounts = rng.chance(0.5) ? Array.from({ length: 200 }, () => hostileNumber(rng)) : [hostileNumber(rng)];
      else e2[field] = hostileNumber(rng);
      p.frames[k] = { kind: FrameKind.CHUNK, payload: chunkPayload(e2, block) };
      return { bytes: assemble(p, rng.chance(0.7)), mutator, what: `chunk frame ${k}: ${field}` };
    }
    case 'snapshot': {
      let k = indexOfKind(p, FrameKind.SNAPSHOT, rng);
      const f = p.frames[k];
      if (!f) break;   // none of that kind (k = -1)
      const snap = decodeStateSnapshot(new Reader(f.payload), f.payload.length);
      let state = snap.state;
      if (rng.chance(0.85)) {
        const v = JSON.parse(new TextDecoder().decode(state)) as unknown;
        let m = v;
        for (let i = 0, n = 1 + rng.int(3); i < n; i++) m = mutateJsonTree(m, rng);
        state = new TextEncoder().encode(JSON.stringify(m));
      } else {
        state = mutateBytes(state, rng);
      }
      const enc = rng.chance(0.05) ? hostileNumber(rng) : snap.encoding;
      const bad = { kind: FrameKind.SNAPSHOT, payload: encodeWith(encodeStateSnapshot, { ...snap, state, encoding: enc }) };
      p.frames[k] = bad;
      if (rng.chance(0.05)) { p.frames.splice(k, 0, bad); k++; }
      return { bytes: assemble(p, true), mutator, what: `snapshot frame ${k}` };
    }
    case 'notes': {
      const n = rng.chance(0.1) ? 200 : 1 + rng.int(3);
      for (let i = 0; i < n; i++) {
        const text = rng.pick(HOSTILE_STRINGS) + rng.pick(HOSTILE_STRINGS);
        p.frames.push({ kind: FrameKind.NOTE, payload: encodeWith(encodeNote, { eventIndex: rng.chance(0.5) ? rng.int(100) : hostileNumber(rng), text }) });
      }
      const k = indexOfKind(p, FrameKind.NOTE, rng);
      const f = p.frames[k];   // undefined when there is none (k = -1)
      if (f && rng.chance(0.3)) {
        const note = decodeNote(new Reader(f.payload), f.payload.length);
        p.frames[k] = { kind: FrameKind.NOTE, payload: rng.chance(0.5) ? mutateBytes(f.payload, rng) : encodeWith(encodeNote, { ...note, text: note.text + '\x1b[31m' }) };
      }
      return { bytes: assemble(p, true), mutator, what: `${n} notes` };
    }
    case 'index': {
      return {
        bytes: assemble(p, true, (ix) => {
          const c = ix.chunks.length ? rng.pick(ix.chunks) : undefined;
          switch (rng.int(5)) {
            case 0: if (c) c.eventCount = hostileNumber(rng); break;
            case 1: if (c) c.offset = hostileNumber(rng); break;
            case 2: ix.eventCount = hostileNumber(rng); break;
            case 3: ix.notesOffset = hostileNumber(rng); break;
            default: if (c) { c.familyCounts = c.familyCounts.map(() => hostileNumber(rng)); c.rawSize = hostileNumber(rng); } break;
          }
        }),
        mutator, what: 'index entries',
      };
    }
    case 'header': {
      const k = indexOfKind(p, FrameKind.HEADER, rng);
      const f = p.frames[k];
      if (!f) break;   // none of that kind (k = -1)
      const h = decodeTraceHeader(new Reader(f.payload), f.payload.length);
      const field = rng.pick(['durationNs', 'wallClockUnixMs', 'seed', 'scenarioText', 'scenarioName', 'policy', 'heapPolicy', 'metadata', 'notes', 'producer'] as const);
      switch (field) {
        case 'durationNs': case 'wallClockUnixMs': case 'seed': h[field] = hostileNumber(rng); break;
        case 'scenarioText':
          h.scenarioText = rng.chance(0.3) ? '['.repeat(3000) + ']'.repeat(3000)
            : rng.chance(0.5) ? `${h.scenarioText}\ndescription: "${rng.pick(HOSTILE_STRINGS).replace(/"/g, '')}"\n`
              : new TextDecoder().decode(mutateBytes(new TextEncoder().encode(h.scenarioText), rng));
          break;
        case 'metadata': h.metadata = { ...h.metadata, source: rng.pick(HOSTILE_STRINGS), [rng.pick(HOSTILE_STRINGS)]: rng.pick(HOSTILE_STRINGS) }; break;
        case 'notes': h.notes = [...h.notes, { eventIndex: hostileNumber(rng), text: rng.pick(HOSTILE_STRINGS) }]; break;
        default: h[field] = rng.pick(HOSTILE_STRINGS); break;
      }
      p.frames[k] = { kind: FrameKind.HEADER, payload: encodeWith(encodeTraceHeader, h) };
      return { bytes: assemble(p, true), mutator, what: `header ${field}` };
    }
    case 'frame': {
      // any frame's payload damaged, its checksum recomputed
      const k = rng.int(p.frames.length);
      const f = p.frames[k];
      if (!f) break;   // no frames
      p.frames[k] = { kind: rng.chance(0.05) ? rng.pick([1, 2, 3, 4, 5]) : f.kind, payload: mutateBytes(f.payload, rng) };
      return { bytes: assemble(p, rng.chance(0.5)), mutator, what: `frame ${k} payload` };
    }
  }
  return mutate(base, rng, 'raw');
}
