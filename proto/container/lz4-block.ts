/**
 * LZ4 block compression through the `lz4` package's native binding (encodeBlock/decodeBlock:
 * LZ4_compress_default / LZ4_decompress_safe). Decompression is always bounded by the output
 * buffer the caller sizes from a capped raw size, so a hostile block cannot grow memory.
 */
import { createRequire } from 'node:module';

interface Lz4Binding {
  encodeBound(size: number): number;
  encodeBlock(input: Uint8Array, output: Uint8Array, startIdx?: number, endIdx?: number): number;
  encodeBlockHC(input: Uint8Array, output: Uint8Array, level?: number): number;
  decodeBlock(input: Uint8Array, output: Uint8Array, startIdx?: number, endIdx?: number): number;
}

interface NativeLz4 {
  compressBound: Lz4Binding['encodeBound'];
  compress: Lz4Binding['encodeBlock'];
  compressHC: Lz4Binding['encodeBlockHC'];
  uncompress: Lz4Binding['decodeBlock'];
}

/**
 * The package's native addon itself, which is all its block functions are: loading the package
 * index also loads its stream classes (about 10 ms at every start of the CLI and of the recorder's
 * worker). Falls back to the package index if the addon is elsewhere.
 */
function loadLz4(): Lz4Binding {
  const req = createRequire(import.meta.url);
  try {
    const b = req('lz4/build/Release/lz4.node') as NativeLz4;
    if (typeof b.compress === 'function' && typeof b.compressHC === 'function' && typeof b.uncompress === 'function' && typeof b.compressBound === 'function') {
      return { encodeBound: b.compressBound, encodeBlock: b.compress, encodeBlockHC: b.compressHC, decodeBlock: b.uncompress };
    }
  } catch { /* not at the usual place: the package index below */ }
  return req('lz4') as Lz4Binding;
}

const lz4 = loadLz4();

/** Worst-case compressed size of `size` input bytes. */
export function lz4Bound(size: number): number { return lz4.encodeBound(size); }

/**
 * Compresses `input` into `output` (at least lz4Bound(input.length) bytes), with lz4 HC when `hc`
 * (the binding always uses HC level 9: it reads the level from an argument it never receives).
 * Returns the compressed length. An empty input compresses to a single 0 token.
 */
export function lz4Compress(input: Uint8Array, output: Uint8Array, hc = false): number {
  if (input.length === 0) { output[0] = 0; return 1; }
  const n = hc ? lz4.encodeBlockHC(input, output) : lz4.encodeBlock(input, output);
  if (!(n > 0)) throw new Error(`lz4 compression failed (${n})`);
  return n;
}

/**
 * Decompresses a block into `output`; returns the number of bytes produced, or a negative number if
 * the block is malformed or would not fit in `output` (never writes past it).
 */
export function lz4Decompress(input: Uint8Array, output: Uint8Array): number {
  if (input.length === 1 && input[0] === 0) return 0;
  if (output.length === 0) return input.length === 0 ? 0 : -1;
  return lz4.decodeBlock(input, output);
}
