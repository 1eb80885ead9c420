/**
 * .csft reader: opens a container from a ByteSource, through its index when the trailer and index
 * are intact, otherwise by scanning frames (a recording cut short by a crash or kill -9, a truncated
 * download, a damaged index). Every chunk's checksum is verified at open; a corrupt chunk is named
 * in a notice and left out, the others are still read, and the events are renumbered contiguously
 * (cause links that crossed a lost chunk are remapped or cleared).
 *
 * Nothing here trusts a length: frame sizes are capped before reading, raw chunk sizes are capped
 * and checked against lz4's maximum ratio before allocating, and lz4 output is bounded.
 */
import type { CauseDistance, VirtualNs } from '../units.js';
import { Reader, ProtoDecodeError } from '../wire.js';
import {
  decodeTraceHeader, decodeTraceIndex, decodeChunkIndexEntry, decodeNote,
  decodeStateSnapshot, decodeEvent,
  type TraceHeader, type Note, type StateSnapshot, type Event, type ChunkIndexEntry, type TraceIndex,
} from '../gen/schema.js';
import { FAMILY_COUNT } from '../events.js';
import { TraceIndexFields } from '../gen/fields.js';
import { crc32 } from './crc32.js';
import { lz4Decompress } from './lz4-block.js';
import {
  MAGIC, CONTAINER_VERSION, PREAMBLE_SIZE, FRAME_HEADER_SIZE, FrameKind, FrameKindNames, TRAILER_SIZE,
  TRAILER_MAGIC, LIMITS, ContainerError, frameLimit, getU32, getU64, type ByteSource,
} from './format.js';

/** One readable chunk: its index entry (first_event renumbered) and where it came from. */
export interface ChunkInfo extends ChunkIndexEntry {
  /** first_event as written (differs from firstEvent when earlier chunks were lost). */
  origFirstEvent: number;
}

export interface OpenedContainer {
  readonly version: number;
  readonly header: TraceHeader;
  readonly chunks: ChunkInfo[];
  readonly eventCount: number;
  readonly lastTimeNs: number;
  readonly familyCounts: number[];
  /** Notes appended after the events (header notes are in `header.notes`). */
  readonly notes: Note[];
  readonly snapshot?: StateSnapshot | undefined;
  /** Recovery notices, one sentence each; empty for a healthy file. */
  readonly notices: string[];
  /** True when opened through a valid trailer + index. */
  readonly indexed: boolean;
  /** True when some chunk was lost (events were renumbered). */
  readonly gaps: boolean;
  /** End of the last valid frame: where a note can be appended (the file size when indexed). */
  readonly dataEnd: number;
  /** Offset of the first note frame after the events (0 = none). */
  readonly notesOffset: number;
  readonly size: number;
}

export interface OpenOptions {
  /** Verify every chunk's checksum at open (default true). */
  verify?: boolean | undefined;
}

interface RawFrame { kind: number; offset: number; length: number; payload: Uint8Array }

type FrameRead =
  | { ok: true; frame: RawFrame }
  | { ok: false; why: 'eof' | 'truncated' | 'too-large' | 'checksum' | 'kind'; kind: number; length: number };

const KNOWN_KINDS = new Set<number>([FrameKind.HEADER, FrameKind.CHUNK, FrameKind.SNAPSHOT, FrameKind.NOTE, FrameKind.INDEX]);

function readFrame(src: ByteSource, offset: number, verify = true): FrameRead {
  if (offset >= src.size) return { ok: false, why: 'eof', kind: -1, length: 0 };
  const h = src.read(offset, FRAME_HEADER_SIZE);
  const kind = h[0];
  if (kind === undefined || h.length < FRAME_HEADER_SIZE) return { ok: false, why: 'truncated', kind: kind ?? -1, length: -1 };
  const length = getU32(h, 1);
  const sum = getU32(h, 5);
  if (!KNOWN_KINDS.has(kind)) return { ok: false, why: 'kind', kind, length };
  if (length > frameLimit(kind)) return { ok: false, why: 'too-large', kind, length };
  if (offset + FRAME_HEADER_SIZE + length > src.size) return { ok: false, why: 'truncated', kind, length };
  const payload = src.read(offset + FRAME_HEADER_SIZE, length);
  if (verify) {
    let c = crc32(h, 0, 0, 5);
    c = crc32(payload, c);
    if (c !== sum) return { ok: false, why: 'checksum', kind, length };
  }
  return { ok: true, frame: { kind, offset, length, payload } };
}

function decodeMsg<T>(payload: Uint8Array, dec: (r: Reader, end: number) => T): T {
  const r = new Reader(payload);
  return dec(r, payload.length);
}

/** The chunk header at the start of a CHUNK payload, and where the lz4 block starts. */
function parseChunkHeader(payload: Uint8Array): { entry: ChunkIndexEntry; blockStart: number } {
  const r = new Reader(payload);
  const hlen = r.uint32();
  const end = r.pos + hlen;
  if (end > payload.length) throw new ProtoDecodeError('chunk header runs past the frame', r.pos);
  const entry = decodeChunkIndexEntry(r, end);
  return { entry, blockStart: end };
}

/** Checks a chunk header's sizes against the limits (before anything is allocated). */
function checkChunkSizes(e: ChunkIndexEntry, compressed: number, where: string): void {
  if (e.rawSize > LIMITS.maxChunkRaw) {
    throw new ContainerError('E_TOO_LARGE', `${where}: claims ${e.rawSize} decompressed bytes (limit ${LIMITS.maxChunkRaw})`);
  }
  if (e.rawSize > Math.max(16, compressed) * LIMITS.maxLz4Ratio) {
    throw new ContainerError('E_TOO_LARGE', `${where}: claims ${e.rawSize} decompressed bytes from ${compressed} (beyond lz4's maximum ratio)`);
  }
  if (e.eventCount > e.rawSize) {
    throw new ContainerError('E_CORRUPT', `${where}: claims ${e.eventCount} events in ${e.rawSize} bytes`);
  }
  if (e.eventCount > LIMITS.maxChunkEvents || e.eventCount > Math.max(1024, compressed * LIMITS.maxEventsPerByte)) {
    throw new ContainerError('E_TOO_LARGE', `${where}: claims ${e.eventCount} events from ${compressed} compressed bytes (beyond the limit of ${LIMITS.maxEventsPerByte} per byte, ${LIMITS.maxChunkEvents} per chunk)`);
  }
  if (e.lastTimeNs < e.firstTimeNs) throw new ContainerError('E_CORRUPT', `${where}: last time before first time`);
}

function plural(n: number, w: string): string { return `${n} ${w}${n === 1 ? '' : 's'}`; }

function eventRange(first: number, count: number): string {
  return count === 1 ? `event ${first}` : `events ${first}..${first + count - 1}`;
}

/** Opens a container. Throws ContainerError for what cannot be recovered (empty, magic, version). */
export function openContainer(src: ByteSource, opts: OpenOptions = {}): OpenedContainer {
  const verify = opts.verify ?? true;
  const size = src.size;
  if (size === 0) throw new ContainerError('E_EMPTY', 'empty file (0 bytes): not a trace');
  const pre = src.read(0, PREAMBLE_SIZE);
  for (let i = 0; i < Math.min(MAGIC.length, pre.length); i++) {
    if (pre[i] !== MAGIC[i]) throw new ContainerError('E_MAGIC', 'not a csftrace trace (bad magic bytes)', 0);
  }
  if (pre.length < PREAMBLE_SIZE) {
    throw new ContainerError('E_TRUNCATED', `truncated in the file preamble (${size} bytes): no events`);
  }
  const version = getU32(pre, 8);
  if (version > CONTAINER_VERSION) {
    throw new ContainerError('E_VERSION', `format version ${version} is newer than this csftrace reads (up to ${CONTAINER_VERSION}): upgrade csftrace`, 8);
  }
  if (version === 0) throw new ContainerError('E_CORRUPT', 'format version 0 is invalid (corrupt preamble)', 8);

  const notices: string[] = [];
  const hf = readFrame(src, PREAMBLE_SIZE);
  let header: TraceHeader | undefined;
  let afterHeader = PREAMBLE_SIZE;
  if (hf.ok && hf.frame.kind === FrameKind.HEADER) {
    try {
      header = decodeMsg(hf.frame.payload, decodeTraceHeader);
      afterHeader = PREAMBLE_SIZE + FRAME_HEADER_SIZE + hf.frame.length;
    } catch (e) {
      notices.push(`the header frame is unreadable (${(e as Error).message}): header fields are unknown`);
    }
  } else if (!hf.ok && (hf.why === 'truncated' || hf.why === 'eof')) {
    throw new ContainerError('E_TRUNCATED', `truncated in the trace header (${size} bytes): no events`, PREAMBLE_SIZE);
  } else if (!hf.ok && hf.why === 'too-large') {
    throw new ContainerError('E_TOO_LARGE', `the header frame claims ${hf.length} bytes (limit ${LIMITS.maxFrame})`, PREAMBLE_SIZE);
  } else {
    notices.push(`the header frame is corrupt (${hf.ok ? 'not a header' : hf.why === 'checksum' ? 'bad checksum' : 'bad frame'}): header fields are unknown`);
  }
  header ??= decodeTraceHeader(new Reader(new Uint8Array(0)), 0);
  checkNoteBudget(header.notes.length);

  const viaIndex = openIndexed(src, afterHeader, verify, notices);
  const body = viaIndex ?? scanFrames(src, afterHeader, verify, notices);

  return {
    version, header, size, notices,
    chunks: body.chunks,
    eventCount: body.chunks.reduce((n, c) => n + c.eventCount, 0),
    lastTimeNs: body.chunks.at(-1)?.lastTimeNs ?? 0,
    familyCounts: sumFamilies(body.chunks),
    notes: body.notes,
    snapshot: body.snapshot,
    indexed: viaIndex !== undefined,
    gaps: body.chunks.some((c) => c.origFirstEvent !== c.firstEvent),
    dataEnd: body.dataEnd,
    notesOffset: body.notesOffset,
  };
}

function tooManyChunks(n: number): ContainerError {
  return new ContainerError('E_TOO_LARGE', `the trace has ${n > LIMITS.maxChunks ? `${n}` : `more than ${LIMITS.maxChunks}`} chunks: beyond the limit of ${LIMITS.maxChunks} this csftrace reads`);
}

/** Occurrences of field `field` at the top level of a message (counted without decoding it); -1 if malformed. */
function countField(payload: Uint8Array, field: number): number {
  const r = new Reader(payload);
  let n = 0;
  try {
    while (r.pos < payload.length) {
      const tag = r.uint32();
      if (tag >>> 3 === field) n++;
      r.skip(tag & 7, payload.length);
    }
  } catch { return -1; }
  return n;
}

/** Refuses a trace whose notes (and header notes) go past the budget. */
function checkNoteBudget(notes: number): void {
  if (notes > LIMITS.maxNotes) {
    throw new ContainerError('E_TOO_LARGE', `the trace has more than ${LIMITS.maxNotes} notes: beyond the limit this csftrace reads`);
  }
}

function sumFamilies(chunks: ChunkInfo[]): number[] {
  const f = new Array<number>(FAMILY_COUNT).fill(0);
  // indexed loops: run once per open, by code not yet compiled, an iterator and a destructured
  // pair per count took 6–7 ms of a cold `state --at` on a 10M-event trace (1,222 chunks)
  for (let k = 0; k < chunks.length; k++) {
    const counts = chunks[k]!.familyCounts;
    for (let i = 0; i < counts.length; i++) f[i] = (f[i] ?? 0) + counts[i]!;
  }
  return f;
}

interface Body {
  chunks: ChunkInfo[];
  notes: Note[];
  snapshot?: StateSnapshot | undefined;
  /** End of the last valid frame (the file size for an indexed file). */
  dataEnd: number;
  /** Offset of the first note frame after the events (0 = none). */
  notesOffset: number;
}

/** Reads the trailer and index; returns undefined (with a notice) when they are missing or bad. */
function openIndexed(src: ByteSource, afterHeader: number, verify: boolean, notices: string[]): Body | undefined {
  const size = src.size;
  const noIndex = (why: string): undefined => { notices.push(why); return undefined; };
  if (size < afterHeader + TRAILER_SIZE) {
    return noIndex('no index: the recording was not closed (crash or kill?); recovered by scanning');
  }
  const tr = src.read(size - TRAILER_SIZE, TRAILER_SIZE);
  for (let i = 0; i < TRAILER_MAGIC.length; i++) {
    if (tr[i] !== TRAILER_MAGIC[i]) {
      return noIndex('no index: the recording was not closed (crash or kill?) or the file is truncated; recovered by scanning');
    }
  }
  if (crc32(tr, 0, 0, 20) !== getU32(tr, 20)) return noIndex('the trailer is corrupt (bad checksum); recovered by scanning');
  const indexOffset = getU64(tr, 8);
  const f = readFrame(src, indexOffset);
  if (indexOffset < afterHeader || !f.ok || f.frame.kind !== FrameKind.INDEX ||
      indexOffset + FRAME_HEADER_SIZE + f.frame.length !== size - TRAILER_SIZE) {
    return noIndex('the index is corrupt or misplaced; recovered by scanning');
  }
  const entries = countField(f.frame.payload, TraceIndexFields.chunks);
  if (entries > LIMITS.maxChunks) throw tooManyChunks(entries);
  let index: TraceIndex;
  try { index = decodeMsg(f.frame.payload, decodeTraceIndex); }
  catch (e) { return noIndex(`the index is unreadable (${(e as Error).message}); recovered by scanning`); }
  // The index must describe a consistent, in-bounds, contiguous sequence of chunks.
  let next = 0, prevEnd = afterHeader, prevT = 0;
  for (const c of index.chunks) {
    if (c.offset < prevEnd || c.offset + FRAME_HEADER_SIZE + c.compressedSize > indexOffset ||
        c.firstEvent !== next || c.firstTimeNs < prevT || c.lastTimeNs < c.firstTimeNs) {
      return noIndex('the index is inconsistent with the file; recovered by scanning');
    }
    next += c.eventCount;
    prevEnd = c.offset + FRAME_HEADER_SIZE + c.compressedSize;
    prevT = c.lastTimeNs;
  }
  if (next !== index.eventCount) return noIndex('the index event count does not add up; recovered by scanning');

  const body: Body = { chunks: [], notes: [], dataEnd: size, notesOffset: index.notesOffset };
  let renumber = 0;
  for (const [k, c] of index.chunks.entries()) {
    if (verify) {
      const cf = readFrame(src, c.offset);
      let bad: string | undefined;
      if (!cf.ok) bad = cf.why === 'checksum' ? 'bad checksum' : `bad frame (${cf.why})`;
      else if (cf.frame.kind !== FrameKind.CHUNK) bad = `expected a chunk, found a ${FrameKindNames[cf.frame.kind]} frame`;
      else {
        try {
          const { entry, blockStart } = parseChunkHeader(cf.frame.payload);
          checkChunkSizes(entry, cf.frame.length - blockStart, `chunk ${k}`);
          if (entry.firstEvent !== c.firstEvent || entry.eventCount !== c.eventCount || entry.rawSize !== c.rawSize) {
            bad = 'chunk header disagrees with the index';
          }
        } catch (e) { bad = (e as Error).message; }
      }
      if (bad !== undefined) {
        notices.push(`chunk ${k} (${eventRange(c.firstEvent, c.eventCount)}, byte ${c.offset}) is corrupt (${bad}): ${plural(c.eventCount, 'event')} skipped`);
        continue;
      }
    }
    body.chunks.push({ ...c, origFirstEvent: c.firstEvent, firstEvent: renumber });
    renumber += c.eventCount;
  }
  // Frames between the header and the first chunk (snapshot) and after the events (notes).
  const firstChunk = index.chunks[0]?.offset ?? (index.notesOffset || indexOffset);
  collectSideFrames(src, afterHeader, firstChunk, body, notices);
  if (index.notesOffset > 0) collectSideFrames(src, index.notesOffset, indexOffset, body, notices);
  return body;
}

/** Reads snapshot and note frames in [from, to), skipping superseded indexes and trailers. */
function collectSideFrames(src: ByteSource, from: number, to: number, body: Body, notices: string[]): void {
  let pos = from;
  while (pos < to) {
    if (src.read(pos, 1)[0] === FrameKind.TRAILER) { pos += TRAILER_SIZE; continue; }
    const f = readFrame(src, pos);
    if (!f.ok) { notices.push(`unreadable frame at byte ${pos} (${f.why}): notes after it are lost`); return; }
    takeSideFrame(f.frame, body, notices);
    pos += FRAME_HEADER_SIZE + f.frame.length;
  }
}

function takeSideFrame(f: RawFrame, body: Body, notices: string[]): void {
  if (f.kind === FrameKind.NOTE) checkNoteBudget(body.notes.length + 1);
  try {
    if (f.kind === FrameKind.NOTE) body.notes.push(decodeMsg(f.payload, decodeNote));
    else if (f.kind === FrameKind.SNAPSHOT && body.snapshot === undefined) body.snapshot = decodeMsg(f.payload, decodeStateSnapshot);
  } catch (e) {
    notices.push(`the ${FrameKindNames[f.kind]} frame at byte ${f.offset} is unreadable (${(e as Error).message}): skipped`);
  }
}

/** Recovery: walks frames from `start`, keeping every complete, valid chunk. */
function scanFrames(src: ByteSource, start: number, verify: boolean, notices: string[]): Body {
  const body: Body = { chunks: [], notes: [], dataEnd: start, notesOffset: 0 };
  const size = src.size;
  let pos = start;
  let expected = 0;     // next original event index expected
  let renumber = 0;
  let lastT = 0;
  let lost = 0;
  let corrupt = 0;
  while (pos < size) {
    if (src.read(pos, 1)[0] === FrameKind.TRAILER && pos + TRAILER_SIZE <= size) {
      const tr = src.read(pos, TRAILER_SIZE);
      if (TRAILER_MAGIC.every((b, i) => tr[i] === b)) { pos += TRAILER_SIZE; continue; }
    }
    const f = readFrame(src, pos, verify);
    if (!f.ok) {
      if (f.why === 'truncated') {
        const partial = f.kind === FrameKind.CHUNK ? partialChunkRange(src, pos) : undefined;
        notices.push(`truncated at byte ${size}: the last ${FrameKindNames[f.kind] ?? 'frame'} (byte ${pos}${partial ? `, ${partial}` : ''}) is incomplete and was dropped; ${plural(body.chunks.length, 'complete chunk')} (${plural(renumber, 'event')}) recovered`);
        return body;
      }
      // A corrupt frame: name it, then continue at its end if that looks like a frame, else resync.
      corrupt++;
      const what = f.why === 'checksum' ? 'bad checksum' : f.why === 'too-large' ? `length ${f.length} beyond the ${LIMITS.maxFrame}-byte limit` : `unknown frame kind ${f.kind}`;
      const nextPos = f.why === 'checksum' ? pos + FRAME_HEADER_SIZE + f.length : -1;
      const resumed = nextPos > pos && nextPos <= size && (nextPos === size || looksLikeFrame(src, nextPos)) ? nextPos : resync(src, pos + 1);
      notices.push(`corrupt ${FrameKindNames[f.kind] ?? 'frame'} at byte ${pos} (${what}): skipped${resumed >= size ? '; nothing readable after it' : `, reading resumes at byte ${resumed}`}`);
      pos = resumed;
      continue;
    }
    const fr = f.frame;
    pos += FRAME_HEADER_SIZE + fr.length;
    body.dataEnd = pos;
    if (fr.kind === FrameKind.CHUNK) {
      let entry: ChunkIndexEntry;
      let blockSize: number;
      try {
        const h = parseChunkHeader(fr.payload);
        entry = h.entry;
        blockSize = fr.length - h.blockStart;
        checkChunkSizes(entry, blockSize, `chunk at byte ${fr.offset}`);
      } catch (e) {
        corrupt++;
        notices.push(`chunk at byte ${fr.offset} has an unreadable header (${(e as Error).message}): skipped`);
        continue;
      }
      if (entry.firstEvent < expected || entry.firstTimeNs < lastT) {
        notices.push(`chunk at byte ${fr.offset} (${eventRange(entry.firstEvent, entry.eventCount)}) is out of order: skipped`);
        continue;
      }
      if (entry.firstEvent > expected) {
        const n = entry.firstEvent - expected;
        lost += n;
        notices.push(`${eventRange(expected, n)} lost (before the chunk at byte ${fr.offset})`);
      }
      if (body.chunks.length >= LIMITS.maxChunks) throw tooManyChunks(-1);
      entry.offset = fr.offset;
      entry.compressedSize = blockSize;
      body.chunks.push({ ...entry, origFirstEvent: entry.firstEvent, firstEvent: renumber });
      renumber += entry.eventCount;
      expected = entry.firstEvent + entry.eventCount;
      lastT = entry.lastTimeNs;
    } else if (fr.kind === FrameKind.NOTE || fr.kind === FrameKind.SNAPSHOT) {
      if (fr.kind === FrameKind.NOTE && body.notesOffset === 0) body.notesOffset = fr.offset;
      takeSideFrame(fr, body, notices);
    }
    // HEADER (duplicate) and INDEX frames met while scanning are superseded or unusable: ignored.
  }
  if (lost === 0 && corrupt === 0 && notices.length > 0) {
    notices.push(`${plural(body.chunks.length, 'complete chunk')} (${plural(renumber, 'event')}) recovered; events after the last flushed chunk are lost`);
  }
  return body;
}

function partialChunkRange(src: ByteSource, pos: number): string | undefined {
  try {
    const avail = src.read(pos + FRAME_HEADER_SIZE, Math.min(256, src.size - pos - FRAME_HEADER_SIZE));
    const { entry } = parseChunkHeader(avail);
    return `${eventRange(entry.firstEvent, entry.eventCount)} lost`;
  } catch { return undefined; }
}

function looksLikeFrame(src: ByteSource, pos: number): boolean {
  const h = src.read(pos, FRAME_HEADER_SIZE);
  const kind = h[0];
  if (kind === undefined) return false;
  if (kind === FrameKind.TRAILER) return true;
  if (h.length < FRAME_HEADER_SIZE || !KNOWN_KINDS.has(kind)) return false;
  return getU32(h, 1) <= LIMITS.maxFrame;
}

/** The next offset >= from where a complete frame with a valid checksum starts (or size). */
function resync(src: ByteSource, from: number): number {
  const size = src.size;
  const WINDOW = 1 << 16;
  for (let base = from; base < size; base += WINDOW) {
    const win = src.read(base, Math.min(WINDOW + FRAME_HEADER_SIZE, size - base));
    const lim = Math.min(WINDOW, win.length);
    for (let i = 0; i < lim; i++) {
      const k = win[i];
      if (k !== FrameKind.CHUNK && k !== FrameKind.NOTE && k !== FrameKind.INDEX && k !== FrameKind.SNAPSHOT) continue;
      const q = base + i;
      const len = i + 5 <= win.length ? getU32(win, i + 1) : -1;
      if (len < 0 || len > LIMITS.maxFrame || q + FRAME_HEADER_SIZE + len > size) continue;
      if (readFrame(src, q, true).ok) return q;
    }
  }
  return size;
}

// ───────────────────────────── chunk decoding ─────────────────────────────

/**
 * Decompresses a chunk. `scratch` is reused when large enough (the result may be a view of it).
 * Throws ContainerError when the frame or block is bad.
 */
export function readChunkBytes(src: ByteSource, chunk: ChunkInfo, verify: boolean, scratch?: Uint8Array): Uint8Array {
  const where = `chunk at byte ${chunk.offset} (${eventRange(chunk.firstEvent, chunk.eventCount)})`;
  const f = readFrame(src, chunk.offset, verify);
  if (!f.ok || f.frame.kind !== FrameKind.CHUNK) {
    throw new ContainerError('E_CORRUPT', `${where} is unreadable (${f.ok ? 'not a chunk' : f.why})`, chunk.offset);
  }
  let h: { entry: ChunkIndexEntry; blockStart: number };
  try { h = parseChunkHeader(f.frame.payload); }
  catch (e) { throw new ContainerError('E_CORRUPT', `${where}: ${(e as Error).message}`, chunk.offset); }
  const block = f.frame.payload.subarray(h.blockStart);
  checkChunkSizes(h.entry, block.length, where);
  const rawSize = h.entry.rawSize;
  const out = scratch && scratch.length >= rawSize ? scratch.subarray(0, rawSize) : new Uint8Array(rawSize);
  const n = lz4Decompress(block, out);
  if (n !== rawSize) {
    throw new ContainerError('E_CORRUPT', `${where}: lz4 block does not decompress to its ${rawSize} bytes (${n < 0 ? 'malformed' : n})`, chunk.offset);
  }
  return out;
}

/** Where a chunk decode stands: byte position, running absolute time, local event number. */
interface ChunkCursor { pos: number; t: number; j: number }

/**
 * The decode loop shared by decodeChunkEvents and decodeChunkRange: events from `at` while
 * j < upTo and bytes remain, into `out` (absolute times); advances `at`. Decoding problems become a
 * ContainerError naming the chunk and the event.
 */
function decodeEventsInto(
  raw: Uint8Array, chunk: ChunkInfo, at: ChunkCursor, upTo: number, out: Event[],
  fixCause: ((chunk: ChunkInfo, j: number, cause: number) => number) | undefined,
): void {
  const r = new Reader(raw, at.pos);
  const len = raw.length;
  let t = at.t;
  let j = at.j;
  try {
    while (j < upTo && r.pos < len) {
      const n = r.uint32();
      const end = r.pos + n;
      if (end > len) throw new ProtoDecodeError(`event of ${n} bytes runs past the chunk`, r.pos);
      const ev = decodeEvent(r, end);
      r.pos = end;
      t += ev.t;
      ev.t = t as VirtualNs;
      if (fixCause !== undefined && ev.cause !== 0) ev.cause = fixCause(chunk, j, ev.cause) as CauseDistance;
      out.push(ev);
      j++;
    }
  } catch (e) {
    if (e instanceof ProtoDecodeError) {
      throw new ContainerError('E_CORRUPT', `chunk at byte ${chunk.offset}: event ${chunk.firstEvent + j}: ${e.message}`, chunk.offset);
    }
    throw e;
  }
  at.pos = r.pos; at.t = t; at.j = j;
}

/**
 * Decodes the events of one decompressed chunk into `out` (absolute times). `fixCause`, when given,
 * maps a cause distance of the event with local index j (used when chunks were lost).
 */
export function decodeChunkEvents(
  raw: Uint8Array, chunk: ChunkInfo, out: Event[],
  fixCause?: (chunk: ChunkInfo, j: number, cause: number) => number,
): void {
  const at: ChunkCursor = { pos: 0, t: chunk.firstTimeNs, j: 0 };
  decodeEventsInto(raw, chunk, at, Infinity, out, fixCause);
  if (at.j !== chunk.eventCount) {
    throw new ContainerError('E_CORRUPT', `chunk at byte ${chunk.offset}: holds ${at.j} events, its header says ${chunk.eventCount}`, chunk.offset);
  }
}

/**
 * Where each event of a decompressed chunk lies and its absolute time, found in one light pass (the
 * length prefixes and the leading `t` field; no event decoded), so that single events can be
 * decoded on demand (decodeMappedEvent) instead of the whole chunk. Typed arrays: a cache of maps
 * costs the garbage collector nothing, unlike a cache of decoded events.
 */
export interface ChunkMap {
  readonly raw: Uint8Array;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly times: Float64Array;
}

/**
 * Maps a decompressed chunk (see ChunkMap). csftrace writes `t` as an event's first field; an event
 * whose first field is another one is decoded whole for its time. Problems are ContainerErrors
 * naming the chunk and the event, as decodeChunkEvents gives.
 */
export function mapChunk(raw: Uint8Array, chunk: ChunkInfo): ChunkMap {
  const n = chunk.eventCount;
  const starts = new Int32Array(n), ends = new Int32Array(n), times = new Float64Array(n);
  const r = new Reader(raw);
  const len = raw.length;
  let t = chunk.firstTimeNs;
  let j = 0;
  try {
    for (; j < n && r.pos < len; j++) {
      const size = r.uint32();
      const start = r.pos, end = start + size;
      if (end > len) throw new ProtoDecodeError(`event of ${size} bytes runs past the chunk`, start);
      if (size > 0 && raw[start] === 8) {
        r.pos = start + 1;
        t += r.uint64();
        if (r.pos > end) throw new ProtoDecodeError(`event time runs past the event`, start);
      } else if (size > 0) {
        r.pos = start;
        t += decodeEvent(r, end).t;
      }
      starts[j] = start; ends[j] = end; times[j] = t;
      r.pos = end;
    }
  } catch (e) {
    if (e instanceof ProtoDecodeError) {
      throw new ContainerError('E_CORRUPT', `chunk at byte ${chunk.offset}: event ${chunk.firstEvent + j}: ${e.message}`, chunk.offset);
    }
    throw e;
  }
  if (j !== n) throw new ContainerError('E_CORRUPT', `chunk at byte ${chunk.offset}: holds ${j} events, its header says ${n}`, chunk.offset);
  if (r.pos !== len) throw new ContainerError('E_CORRUPT', `chunk at byte ${chunk.offset}: bytes left after its ${n} events`, chunk.offset);
  return { raw, starts, ends, times };
}

/** Decodes event j of a mapped chunk (absolute time, cause mapped by `fixCause` when given). */
export function decodeMappedEvent(
  map: ChunkMap, chunk: ChunkInfo, j: number,
  fixCause?: (chunk: ChunkInfo, j: number, cause: number) => number,
): Event {
  const start = map.starts[j], end = map.ends[j];
  if (start === undefined || end === undefined) throw new RangeError(`event ${j} of a chunk of ${map.starts.length}: past its end (invariant: j < chunk.eventCount)`);
  try {
    const ev = decodeEvent(new Reader(map.raw, start), end);
    ev.t = map.times[j] as VirtualNs;
    if (fixCause !== undefined && ev.cause !== 0) ev.cause = fixCause(chunk, j, ev.cause) as CauseDistance;
    return ev;
  } catch (e) {
    if (e instanceof ProtoDecodeError) {
      throw new ContainerError('E_CORRUPT', `chunk at byte ${chunk.offset}: event ${chunk.firstEvent + j}: ${e.message}`, chunk.offset);
    }
    throw e;
  }
}

/**
 * Incremental form of decodeChunkEvents: decodes events state.j..upTo-1 of a chunk into `out`,
 * continuing from `state` (byte position, running time, event number), which it advances.
 */
export function decodeChunkRange(
  raw: Uint8Array, chunk: ChunkInfo, state: ChunkCursor, upTo: number, out: Event[],
  fixCause?: (chunk: ChunkInfo, j: number, cause: number) => number,
): void {
  decodeEventsInto(raw, chunk, state, upTo, out, fixCause);
  if (state.j < upTo) {
    const msg = `chunk ends after ${state.j} of its ${chunk.eventCount} events (at byte ${state.pos})`;
    throw new ContainerError('E_CORRUPT', `chunk at byte ${chunk.offset}: event ${chunk.firstEvent + state.j}: ${msg}`, chunk.offset);
  }
  if (state.j >= chunk.eventCount && state.pos !== raw.length) {
    throw new ContainerError('E_CORRUPT', `chunk at byte ${chunk.offset}: bytes left after its ${chunk.eventCount} events`, chunk.offset);
  }
}

/**
 * Calls fn(ev, chunk.firstEvent + j) for the events j in [from, to) of one decompressed chunk,
 * decoding each event just before its call (no batch kept alive; events before `from` are decoded
 * for their times). Returns false when fn returned false. Decoding problems go to `fail` (default:
 * thrown) as a ContainerError naming the chunk and event, with the index of the event that did not
 * decode and the time reached; whatever fn throws passes through untouched.
 */
export function forEachChunkEvent(
  raw: Uint8Array, chunk: ChunkInfo, from: number, to: number,
  fn: (ev: Event, index: number) => boolean | void,
  fixCause?: (chunk: ChunkInfo, j: number, cause: number) => number,
  fail: (e: ContainerError, index: number, t: number) => never = throwIt,
): boolean {
  const r = new Reader(raw);
  const len = raw.length;
  const first = chunk.firstEvent;
  let t = chunk.firstTimeNs;
  for (let j = 0; j < to; j++) {
    let ev: Event;
    try {
      const at = r.pos;
      if (at >= len) throw new ProtoDecodeError(`chunk ends after ${j} of its ${chunk.eventCount} events`, at);
      let n = raw[at]!; // at < len
      if (n < 128) r.pos = at + 1; else n = r.uint32();
      const end = r.pos + n;
      if (end > len) throw new ProtoDecodeError(`event of ${n} bytes runs past the chunk`, r.pos);
      ev = decodeEvent(r, end);
      r.pos = end;
    } catch (e) {
      if (e instanceof ProtoDecodeError) {
        fail(new ContainerError('E_CORRUPT', `chunk at byte ${chunk.offset}: event ${first + j}: ${e.message}`, chunk.offset), first + j, t);
      }
      throw e;
    }
    t += ev.t;
    if (j < from) continue;
    ev.t = t as VirtualNs;
    if (fixCause !== undefined && ev.cause !== 0) ev.cause = fixCause(chunk, j, ev.cause) as CauseDistance;
    if (fn(ev, first + j) === false) return false;
  }
  if (to >= chunk.eventCount && r.pos !== len) {
    fail(new ContainerError('E_CORRUPT', `chunk at byte ${chunk.offset}: bytes left after its ${chunk.eventCount} events`, chunk.offset), first + chunk.eventCount, t);
  }
  return true;
}

function throwIt(e: ContainerError): never { throw e; }

/**
 * Cause remapping across lost chunks: the event's original index minus its cause distance names the
 * original cause; if that event survived, the new distance points at it, otherwise the cause is 0.
 */
export function causeFixer(chunks: readonly ChunkInfo[]): (chunk: ChunkInfo, j: number, cause: number) => number {
  return (chunk, j, cause) => {
    const origSelf = chunk.origFirstEvent + j;
    const origCause = origSelf - cause;
    if (origCause >= chunk.origFirstEvent) return cause;
    let lo = 0, hi = chunks.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (chunks[mid]!.origFirstEvent <= origCause) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (found < 0) return 0;
    const c = chunks[found]!; // found is a `mid` of the search
    if (origCause >= c.origFirstEvent + c.eventCount) return 0;
    return chunk.firstEvent + j - (c.firstEvent + (origCause - c.origFirstEvent));
  };
}
