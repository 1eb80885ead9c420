/**
 * LZ4 block format in plain TypeScript, for when the `lz4` package's native addon is not built (an
 * install with --ignore-scripts, a platform without a compiler): decompression for every reader, and
 * a greedy compressor for data that never leaves the process (the replayer's keyframes). Traces are
 * still written only by the addon's compressors, so a recording's bytes never depend on which one
 * ran. Block format: a token (literal length << 4 | match length − 4), more length bytes while 255,
 * the literals, a 16-bit little-endian offset back into the output; the last sequence is literals
 * only.
 */

/**
 * Decompresses an LZ4 block into `dst`; returns the bytes produced, or −1 when the block is
 * malformed or does not fit (never writes past `dst`, never reads past `src`), as
 * LZ4_decompress_safe does.
 */
export function lz4DecompressJs(src: Uint8Array, dst: Uint8Array): number {
  const sEnd = src.length;
  const dEnd = dst.length;
  let s = 0;
  let d = 0;
  for (;;) {
    if (s >= sEnd) return -1;
    const token = src[s++]!; // s < sEnd (checked above), as every read of src below
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (s >= sEnd) return -1;
        b = src[s++]!;
        lit += b;
      } while (b === 255);
    }
    if (lit > sEnd - s || lit > dEnd - d) return -1;
    if (lit < 32) { for (let i = 0; i < lit; i++) dst[d++] = src[s++]!; }
    else { dst.set(src.subarray(s, s + lit), d); s += lit; d += lit; }
    if (s === sEnd) return d; // the last sequence: literals only
    if (sEnd - s < 2) return -1;
    const off = src[s]! | (src[s + 1]! << 8);
    s += 2;
    if (off === 0 || off > d) return -1;
    let ml = token & 15;
    if (ml === 15) {
      let b: number;
      do {
        if (s >= sEnd) return -1;
        b = src[s++]!;
        ml += b;
      } while (b === 255);
    }
    ml += 4;
    if (ml > dEnd - d) return -1;
    let m = d - off;
    if (off >= ml) { dst.copyWithin(d, m, m + ml); d += ml; }
    else { for (let i = 0; i < ml; i++) dst[d++] = dst[m++]!; } // overlapping: byte by byte
  }
}

/** LZ4_COMPRESSBOUND: the largest block `size` input bytes can compress to. */
export function lz4BoundJs(size: number): number {
  return size + Math.floor(size / 255) + 16;
}

const HASH_LOG = 14;
const table = new Int32Array(1 << HASH_LOG);

/** The 4 bytes at b[i] (i + 4 <= b.length: the compressor reads only before its mfLimit). */
function read32(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}

function putLength(dst: Uint8Array, d: number, n: number): number {
  while (n >= 255) { dst[d++] = 255; n -= 255; }
  dst[d++] = n;
  return d;
}

/**
 * Compresses `src` into `dst` (at least lz4BoundJs(src.length) bytes) as one LZ4 block: greedy
 * matching through a hash of 4 bytes, the format's end rules kept (the last match starts 12 bytes
 * or more before the end; the last 5 bytes are literals). Returns the compressed length.
 */
export function lz4CompressJs(src: Uint8Array, dst: Uint8Array): number {
  const n = src.length;
  table.fill(-1);
  let anchor = 0;
  let s = 0;
  let d = 0;
  const mfLimit = n - 12;
  const matchLimit = n - 5;
  while (s < mfLimit) {
    const seq = read32(src, s);
    const h = Math.imul(seq, 2654435761) >>> (32 - HASH_LOG);
    const ref = table[h]!; // h < 1 << HASH_LOG
    table[h] = s;
    if (ref < 0 || s - ref > 65535 || read32(src, ref) !== seq) { s++; continue; }
    let ml = 4;
    while (s + ml < matchLimit && src[ref + ml] === src[s + ml]) ml++;
    const lit = s - anchor;
    const tokenAt = d++;
    let token = lit >= 15 ? 0xf0 : lit << 4;
    if (lit >= 15) d = putLength(dst, d, lit - 15);
    dst.set(src.subarray(anchor, s), d);
    d += lit;
    const off = s - ref;
    dst[d++] = off & 255;
    dst[d++] = off >>> 8;
    const m = ml - 4;
    if (m >= 15) { token |= 15; d = putLength(dst, d, m - 15); } else token |= m;
    dst[tokenAt] = token;
    s += ml;
    anchor = s;
  }
  const lit = n - anchor;
  if (lit >= 15) { dst[d++] = 0xf0; d = putLength(dst, d, lit - 15); } else dst[d++] = lit << 4;
  dst.set(src.subarray(anchor, n), d);
  return d + lit;
}
