/**
 * LZ4 block compression through the `lz4` package's native binding (LZ4_compress_default,
 * LZ4_compress_HC at LZ4_HC_LEVEL, LZ4_decompress_safe). Decompression is always bounded by the
 * output buffer the caller sizes from a capped raw size, so a hostile block cannot grow memory.
 * Without the addon (not built, or CSFTRACE_LZ4=js) every reader decompresses with lz4-js.ts and
 * in-memory data (lz4CompressLocal) is compressed there too; writing a trace needs the addon
 * (Lz4AddonMissing, one line saying how to build it).
 */
import { createRequire } from 'node:module';
import { lz4BoundJs, lz4CompressJs, lz4DecompressJs } from './lz4-js.js';

/** The native addon's block functions (the package's `encodeBlock*` are these, minus the level). */
interface NativeLz4 {
  compressBound(size: number): number;
  compress(input: Uint8Array, output: Uint8Array): number;
  /** LZ4_compress_HC(input, output, maxOutput, level): the one entry point that takes a level. */
  compressHCLimited(input: Uint8Array, output: Uint8Array, maxOutput: number, level: number): number;
  uncompress(input: Uint8Array, output: Uint8Array): number;
}

/**
 * lz4 HC level of 'hc' chunks. Level 4 compresses 2.5 times faster than the package's default 9
 * and gives chunks about 1.5% larger (stress: 131 vs 330 ns/event, 5.27 vs 5.19 B/event), which
 * lets the recorder's worker keep up with the simulation with room to spare.
 */
export const LZ4_HC_LEVEL = 4;

/**
 * The package's native addon itself, which is all its block functions are: loading the package
 * index also loads its stream classes (about 10 ms at every start of the CLI and of the recorder's
 * worker), and its `encodeBlockHC` cannot pass a level. The package's pure-JS fallback has no HC at
 * all (it would write different bytes), so without the addon compression fails with a clear error.
 */
function loadLz4(): NativeLz4 | undefined {
  if (process.env.CSFTRACE_LZ4 === 'js') return undefined;
  const req = createRequire(import.meta.url);
  for (const at of ['lz4/build/Release/lz4.node', 'lz4/build/Debug/lz4.node']) {
    try {
      const b = req(at) as NativeLz4;
      if (typeof b.compress === 'function' && typeof b.compressHCLimited === 'function' && typeof b.uncompress === 'function' && typeof b.compressBound === 'function') return b;
    } catch { /* not built there */ }
  }
  return undefined;
}

const lz4 = loadLz4();

/** True when the lz4 native addon is loaded (traces can be written); false: reading only. */
export const lz4NativeLoaded = lz4 !== undefined;

/** Writing a trace without the lz4 native addon: a user-facing error saying how to get it. */
export class Lz4AddonMissing extends Error {
  readonly userFacing = true;
  readonly code = 'E_LZ4_ADDON';
  constructor() {
    super('writing a trace needs the lz4 package\'s native addon, which is not built here (reading works without it): run `npm rebuild lz4` (needs a C++ compiler and python3) or `npm ci` in the package');
    this.name = 'Lz4AddonMissing';
  }
}

/** Throws Lz4AddonMissing unless the addon is loaded: commands that write traces call it first. */
export function requireLz4Addon(): void {
  if (lz4 === undefined) throw new Lz4AddonMissing();
}

/** Worst-case compressed size of `size` input bytes (LZ4_COMPRESSBOUND). */
export function lz4Bound(size: number): number { return lz4 ? lz4.compressBound(size) : lz4BoundJs(size); }

/**
 * Compresses `input` into `output` (at least lz4Bound(input.length) bytes), with lz4 HC at
 * LZ4_HC_LEVEL when `hc`. Returns the compressed length. An empty input compresses to a single 0
 * token.
 */
export function lz4Compress(input: Uint8Array, output: Uint8Array, hc = false): number {
  if (input.length === 0) { output[0] = 0; return 1; }
  if (lz4 === undefined) throw new Lz4AddonMissing();
  const n = hc ? lz4.compressHCLimited(input, output, output.length, LZ4_HC_LEVEL) : lz4.compress(input, output);
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
  return lz4 ? lz4.uncompress(input, output) : lz4DecompressJs(input, output);
}

/**
 * Compresses data that stays in this process (the replayer's keyframes): lz4 fast through the addon,
 * or lz4-js.ts without it. `output` holds at least lz4Bound(input.length) bytes.
 */
export function lz4CompressLocal(input: Uint8Array, output: Uint8Array): number {
  if (input.length === 0) { output[0] = 0; return 1; }
  return lz4 ? lz4Compress(input, output) : lz4CompressJs(input, output);
}
