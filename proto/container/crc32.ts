/**
 * CRC-32 (IEEE 802.3, the zlib/PNG polynomial 0xEDB88320): zlib's when Node has it, else
 * table-driven, slicing by 8. Every .csft frame carries the CRC-32 of its kind, length and payload.
 */
import * as zlib from 'node:zlib';

const TABLES: Uint32Array = (() => {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let s = 1; s < 8; s++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[s * 256 + n] = c >>> 0;
    }
  }
  return t;
})();

/** zlib's CRC-32 (Node 20.15+; several times faster than the table-driven loop over a chunk). */
const native = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/**
 * Continues a CRC-32 over `buf[start, end)`. Start with `crc = 0`; the result is the standard
 * CRC-32 of everything fed so far (so `crc32(b) === zlib.crc32(b)`).
 */
export function crc32(buf: Uint8Array, crc = 0, start = 0, end = buf.length): number {
  if (native !== undefined && end - start >= 256) return native(buf.subarray(start, end), crc);
  return crc32Table(buf, crc, start, end);
}

/** The table-driven CRC-32 (slicing by 8): crc32() below 256 bytes or without zlib.crc32. */
export function crc32Table(buf: Uint8Array, crc = 0, start = 0, end = buf.length): number {
  const t = TABLES;
  let c = ~crc >>> 0;
  let i = start;
  const end8 = end - ((end - start) & 7);
  // indices below `end` (within buf, the caller's range) and table entries (a byte plus a slice's
  // base, below 8 * 256) are all present
  while (i < end8) {
    const lo = (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24)) ^ c;
    c = t[1792 + (lo & 0xff)]! ^ t[1536 + ((lo >>> 8) & 0xff)]! ^ t[1280 + ((lo >>> 16) & 0xff)]! ^ t[1024 + (lo >>> 24)]! ^
      t[768 + buf[i + 4]!]! ^ t[512 + buf[i + 5]!]! ^ t[256 + buf[i + 6]!]! ^ t[buf[i + 7]!]!;
    i += 8;
  }
  while (i < end) c = t[(c ^ buf[i++]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
