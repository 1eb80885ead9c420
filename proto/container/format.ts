/**
 * The .csft container layout (DESIGN.md "The container"), constants and its typed error.
 *
 *   preamble   8-byte magic "\x89CSFT\r\n\x1a" + u32 LE container version
 *   frames     [kind u8][length u32 LE][crc32 u32 LE][payload: length bytes]
 *              crc32 covers kind, length and payload (a flipped length is caught too)
 *     HEADER   TraceHeader (exactly one, first)
 *     SNAPSHOT StateSnapshot (trimmed traces; before the first chunk)
 *     CHUNK    [varint n][ChunkIndexEntry: first_event, event_count, first/last_time_ns, raw_size,
 *              family_counts][lz4 block of raw_size bytes = length-delimited Events, Event.t
 *              delta-encoded from the previous event of the chunk (the first from first_time_ns)]
 *     NOTE     Note (appended after the events by `csftrace note`)
 *     INDEX    TraceIndex (chunk offsets, counts, notes_offset)
 *   trailer    24 bytes: 0xFF "CSFTEND" + u64 LE offset of the INDEX frame + u32 LE container
 *              version + u32 LE crc32 of the 20 bytes before it
 *
 * Appending a note writes [NOTE][INDEX][trailer] after the old trailer: the last trailer wins, and a
 * reader that scans frames skips superseded indexes and trailers.
 */

import { UserError } from '../user-error.js';
export const MAGIC = Uint8Array.of(0x89, 0x43, 0x53, 0x46, 0x54, 0x0d, 0x0a, 0x1a); // \x89CSFT\r\n\x1a
export const PREAMBLE_SIZE = 12;
/** Container version written by this build; readers accept 1..CONTAINER_VERSION. */
export const CONTAINER_VERSION = 1;

export const FRAME_HEADER_SIZE = 9;
export const FrameKind = {
  HEADER: 1,
  CHUNK: 2,
  SNAPSHOT: 3,
  NOTE: 4,
  INDEX: 5,
  TRAILER: 0xff,
} as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];
export const FrameKindNames: Readonly<Record<number, string>> = {
  1: 'header', 2: 'chunk', 3: 'snapshot', 4: 'note', 5: 'index', 0xff: 'trailer',
};

export const TRAILER_SIZE = 24;
export const TRAILER_MAGIC = Uint8Array.of(0xff, 0x43, 0x53, 0x46, 0x54, 0x45, 0x4e, 0x44); // \xffCSFTEND

/** Hostile-input limits: checked before any allocation. */
export const LIMITS = {
  /** Largest frame payload of any kind (a header with a big scenario, a big index). */
  maxFrame: 64 << 20,
  /** Largest decompressed chunk. The writer closes chunks well below this. */
  maxChunkRaw: 32 << 20,
  /** LZ4 cannot expand more than ~255x: a raw size beyond this is a bomb or corruption. */
  maxLz4Ratio: 255,
  /** Most events in one chunk (the recorder's --chunk-events maximum): a chunk's map is 16 B/event. */
  maxChunkEvents: 1 << 20,
  /**
   * Most events per compressed byte of a chunk: recorded events take about 5 compressed bytes each,
   * so 32 per byte is far beyond any recording and keeps a chunk's map within 512 times its size.
   */
  maxEventsPerByte: 32,
  /** Most chunks (index entries) in a trace: about 1G events at the default 8192 per chunk. */
  maxChunks: 1 << 17,
  /** Largest header frame (the scenario text is at most 1 MiB). */
  maxHeader: 4 << 20,
  /** Largest note frame (`csftrace note` writes at most 4096 characters). */
  maxNote: 64 << 10,
  /** Most notes in a trace, header notes included. */
  maxNotes: 4096,
  /** Largest state snapshot frame (a trimmed trace's state is a few hundred KB). */
  maxSnapshot: 16 << 20,
} as const;

/** The largest payload a frame of `kind` may have. */
export function frameLimit(kind: number): number {
  switch (kind) {
    case FrameKind.HEADER: return LIMITS.maxHeader;
    case FrameKind.NOTE: return LIMITS.maxNote;
    case FrameKind.SNAPSHOT: return LIMITS.maxSnapshot;
    case FrameKind.INDEX: return LIMITS.maxChunks * 160 + 4096;
    default: return LIMITS.maxFrame;
  }
}

/** Default chunking: events per chunk and raw bytes per chunk (whichever comes first). */
export const DEFAULT_CHUNK_EVENTS = 8192;
export const DEFAULT_CHUNK_BYTES = 1 << 20;

export type ContainerErrorCode =
  | 'E_EMPTY' | 'E_MAGIC' | 'E_VERSION' | 'E_TRUNCATED' | 'E_CORRUPT' | 'E_TOO_LARGE' | 'E_ORDER';

/**
 * Bad container input. `message` is one line without the file name (the layer that knows the path
 * prefixes it); `offset` is the byte offset of the problem when known.
 */
export class ContainerError extends UserError {
  constructor(readonly code: ContainerErrorCode, message: string, readonly offset = -1) {
    super(message);
    this.name = 'ContainerError';
  }
}

/** Random-access bytes: a file (read through fs by the caller's layer) or a buffer. */
export interface ByteSource {
  readonly size: number;
  /** Reads `length` bytes at `offset`; may return fewer only at the end of the source. */
  read(offset: number, length: number): Uint8Array;
}

/** A ByteSource over a buffer (views, no copies). */
export function bufferSource(buf: Uint8Array): ByteSource {
  return {
    size: buf.length,
    read: (offset, length) => buf.subarray(offset, Math.min(buf.length, offset + length)),
  };
}

/**
 * A ByteSource of `size` bytes read through `pread` (fs.readSync of a file, say: this layer does no
 * I/O itself): reads until `length` bytes, or fewer at the end.
 */
export function preadSource(size: number, pread: (buf: Uint8Array, offset: number, length: number, position: number) => number): ByteSource {
  return {
    size,
    read(offset, length) {
      const n = Math.max(0, Math.min(length, size - offset));
      const buf = new Uint8Array(n);
      let got = 0;
      while (got < n) {
        const r = pread(buf, got, n - got, offset + got);
        if (r <= 0) break;
        got += r;
      }
      return got === n ? buf : buf.subarray(0, got);
    },
  };
}

export function putU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff; b[at + 1] = (v >>> 8) & 0xff; b[at + 2] = (v >>> 16) & 0xff; b[at + 3] = (v >>> 24) & 0xff;
}
/** The little-endian u32 at b[at]; bytes past the end of `b` read as 0. */
export function getU32(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16) | ((b[at + 3] ?? 0) << 24)) >>> 0;
}
export function putU64(b: Uint8Array, at: number, v: number): void {
  putU32(b, at, v % 0x100000000);
  putU32(b, at + 4, Math.floor(v / 0x100000000));
}
export function getU64(b: Uint8Array, at: number): number {
  return getU32(b, at) + getU32(b, at + 4) * 0x100000000;
}
