/**
 * Protobuf wire primitives for the generated codecs (proto/gen/schema.ts).
 *
 * Reader: a cursor over a Uint8Array that never trusts a length (every length-delimited read is
 * checked against the buffer end and throws ProtoDecodeError with the offset).
 * Writer: one growable buffer; nested messages reserve one length byte (fork) and are patched
 * (ldelim), moving the body only when the length needs more than one byte.
 *
 * 64-bit integers are JS numbers: exact below 2^53, which covers virtual ns and byte sizes.
 */

import { UserError } from './user-error.js';
export class ProtoDecodeError extends UserError {
  readonly code = 'E_DECODE';
  constructor(message: string, readonly offset: number) {
    super(`${message} (at byte ${offset})`);
    this.name = 'ProtoDecodeError';
  }
}

const TWO32 = 4294967296;
const textDecoder = new TextDecoder('utf-8', { fatal: false });
const textEncoder = new TextEncoder();

export class Reader {
  pos: number;
  readonly buf: Uint8Array;
  private view: DataView | undefined;

  constructor(buf: Uint8Array, pos = 0) {
    this.buf = buf;
    this.pos = pos;
  }

  overrun(end: number): never {
    throw new ProtoDecodeError(`length runs past the end (${end})`, this.pos);
  }

  /** A byte past the buffer's end reads as undefined, not `< 0x80`: the varint does not end there, and is malformed. */
  uint32(): number {
    const b = this.buf;
    let p = this.pos;
    let c = b[p++]!;
    let v = c & 0x7f;
    if (c < 0x80) { this.pos = p; return v; }
    c = b[p++]!; v |= (c & 0x7f) << 7;
    if (c < 0x80) { this.pos = p; return v; }
    c = b[p++]!; v |= (c & 0x7f) << 14;
    if (c < 0x80) { this.pos = p; return v; }
    c = b[p++]!; v |= (c & 0x7f) << 21;
    if (c < 0x80) { this.pos = p; return v; }
    c = b[p++]!; v = (v | ((c & 0x0f) << 28)) >>> 0;
    if (c < 0x80) { this.pos = p; return v; }
    // 64-bit varint truncated to 32 bits: skip the remaining bytes
    for (let i = 0; i < 5; i++) { if (b[p++]! < 0x80) { this.pos = p; return v; } }
    this.pos = p;
    throw new ProtoDecodeError('malformed varint', p);
  }

  /** Unsigned 64-bit varint as a number (exact below 2^53). */
  uint64(): number {
    const b = this.buf;
    let p = this.pos;
    let lo = 0, hi = 0, shift = 0, c: number;
    do {
      if (p >= b.length) { this.pos = p; throw new ProtoDecodeError('truncated varint', p); }
      c = b[p++]!;
      if (shift < 28) lo |= (c & 0x7f) << shift;
      else if (shift === 28) { lo |= (c & 0x0f) << 28; hi |= (c & 0x7f) >> 4; }
      else hi |= (c & 0x7f) << (shift - 32);
      shift += 7;
      if (shift > 70) { this.pos = p; throw new ProtoDecodeError('malformed varint', p); }
    } while (c >= 0x80);
    this.pos = p;
    return (hi >>> 0) * TWO32 + (lo >>> 0);
  }

  int32(): number { return this.uint64() | 0; }
  int64(): number {
    const v = this.uint64();
    return v >= 2 ** 63 ? v - 2 ** 64 : v;
  }
  sint32(): number { const v = this.uint32(); return (v >>> 1) ^ -(v & 1); }
  sint64(): number {
    const v = this.uint64();
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }
  bool(): boolean { return this.uint32() !== 0; }

  private dv(): DataView {
    return this.view ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }
  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new ProtoDecodeError('truncated fixed-width field', this.pos);
  }
  fixed32(): number { this.need(4); const v = this.dv().getUint32(this.pos, true); this.pos += 4; return v; }
  sfixed32(): number { this.need(4); const v = this.dv().getInt32(this.pos, true); this.pos += 4; return v; }
  float(): number { this.need(4); const v = this.dv().getFloat32(this.pos, true); this.pos += 4; return v; }
  double(): number { this.need(8); const v = this.dv().getFloat64(this.pos, true); this.pos += 8; return v; }
  fixed64(): number {
    this.need(8);
    const lo = this.dv().getUint32(this.pos, true), hi = this.dv().getUint32(this.pos + 4, true);
    this.pos += 8; return hi * TWO32 + lo;
  }
  sfixed64(): number {
    this.need(8);
    const lo = this.dv().getUint32(this.pos, true), hi = this.dv().getInt32(this.pos + 4, true);
    this.pos += 8; return hi * TWO32 + lo;
  }

  /** Length-delimited bytes as a view (subarray, no copy). */
  bytes(): Uint8Array {
    const len = this.uint32();
    const start = this.pos, end = start + len;
    if (end > this.buf.length) throw new ProtoDecodeError(`bytes field of ${len} bytes runs past the end`, start);
    this.pos = end;
    return this.buf.subarray(start, end);
  }

  string(): string {
    const len = this.uint32();
    const start = this.pos, end = start + len;
    if (end > this.buf.length) throw new ProtoDecodeError(`string of ${len} bytes runs past the end`, start);
    this.pos = end;
    if (len < 24) {
      // short ASCII fast path
      let s = '';
      for (let i = start; i < end; i++) {
        const c = this.buf[i]!; // i < end, checked against the buffer above
        if (c >= 0x80) return textDecoder.decode(this.buf.subarray(start, end));
        s += String.fromCharCode(c);
      }
      return s;
    }
    return textDecoder.decode(this.buf.subarray(start, end));
  }

  /** Skips one field of wire type wt, never past `end`. */
  skip(wt: number, end: number): void {
    switch (wt) {
      case 0: this.uint64(); break;
      case 1: this.pos += 8; break;
      case 2: { const len = this.uint32(); this.pos += len; break; }
      case 5: this.pos += 4; break;
      default: throw new ProtoDecodeError(`invalid wire type ${wt}`, this.pos);
    }
    if (this.pos > end) throw new ProtoDecodeError('skipped field runs past its message', this.pos);
  }
}

// ── inline-write helpers for the generated encoders: write at b[p] (room already reserved), return
// the position after the value.

/** A uint32 varint of `v` (>= 128 here: smaller values are written inline). */
export function varint32(b: Uint8Array, p: number, v: number): number {
  while (v > 0x7f) { b[p++] = (v & 0x7f) | 0x80; v >>>= 7; }
  b[p++] = v;
  return p;
}

/** A 64-bit varint of `v` (negative: two's complement, 10 bytes; exact below 2^53). */
export function varint64(b: Uint8Array, p: number, v: number): number {
  // The words of the 64-bit two's complement, negative values included: hi = floor(v / 2^32) and
  // lo = v - hi * 2^32 (in [0, 2^32), exact below 2^53; not `v % TWO32`, a call to fmod).
  let hi = Math.floor(v / TWO32);
  let lo = (v - hi * TWO32) >>> 0;
  hi >>>= 0;
  while (hi > 0 || lo > 0x7f) {
    b[p++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  b[p++] = lo;
  return p;
}

const f64 = new Float64Array(1);
const f64b = new Uint8Array(f64.buffer);
const f32 = new Float32Array(1);
const f32b = new Uint8Array(f32.buffer);
const littleEndian = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

export function putFixed32(b: Uint8Array, p: number, v: number): number {
  v >>>= 0;
  b[p] = v & 0xff; b[p + 1] = (v >>> 8) & 0xff; b[p + 2] = (v >>> 16) & 0xff; b[p + 3] = v >>> 24;
  return p + 4;
}
export function putFixed64(b: Uint8Array, p: number, v: number): number {
  const hi = Math.floor(v / TWO32);
  putFixed32(b, p, v - hi * TWO32); // the low word without `%` (fmod), as in varint64
  return putFixed32(b, p + 4, hi);
}
export function putFloat(b: Uint8Array, p: number, v: number): number {
  f32[0] = v;
  for (let i = 0; i < 4; i++) b[p + i] = f32b[littleEndian ? i : 3 - i]!;
  return p + 4;
}
export function putDouble(b: Uint8Array, p: number, v: number): number {
  f64[0] = v;
  for (let i = 0; i < 8; i++) b[p + i] = f64b[littleEndian ? i : 7 - i]!;
  return p + 8;
}

export class Writer {
  buf: Uint8Array;
  pos = 0;
  private view: DataView;

  constructor(initial = 1024) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  /** Drops the content, keeping the buffer. */
  reset(): void { this.pos = 0; }

  ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.reserve(this.pos, n);
  }

  /**
   * Makes room for n bytes at position p (the generated encoders keep the position in a local and
   * store it in `pos` when done); keeps the bytes before p. Returns the (possibly new) buffer.
   */
  reserve(p: number, n: number): Uint8Array {
    if (p + n <= this.buf.length) return this.buf;
    let size = Math.max(16, this.buf.length * 2);
    while (size < p + n) size *= 2;
    const nb = new Uint8Array(size);
    nb.set(this.buf.subarray(0, p));
    this.buf = nb;
    this.view = new DataView(nb.buffer);
    return nb;
  }

  /**
   * Closes a nested message whose body (p - at - 1 bytes, 128 or more) follows one reserved length
   * byte at `at`: moves the body to make room for the full varint length. Returns the new end.
   */
  ldelimAt(at: number, p: number): number {
    const len = p - at - 1;
    let extra = 0;
    for (let v = len >>> 7; v > 0; v >>>= 7) extra++;
    const b = this.reserve(p, extra);
    b.copyWithin(at + 1 + extra, at + 1, p);
    varint32(b, at, len);
    return p + extra;
  }

  /** A length-delimited string at p (room is reserved here); returns the position after it. */
  stringAt(p: number, s: string): number {
    const n = s.length;
    // ASCII fast path: one length byte is enough below 128 chars
    if (n < 128) {
      const b = this.reserve(p, n + 1);
      let q = p + 1;
      let ascii = true;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) { ascii = false; break; }
        b[q++] = c;
      }
      if (ascii) { b[p] = n; return q; }
    }
    return this.bytesAt(p, textEncoder.encode(s));
  }

  /** Length-delimited bytes at p (room is reserved here); returns the position after them. */
  bytesAt(p: number, v: Uint8Array): number {
    const b = this.reserve(p, v.length + 5);
    p = varint32(b, p, v.length >>> 0);
    b.set(v, p);
    return p + v.length;
  }

  uint32(v: number): void {
    this.ensure(5);
    this.pos = varint32(this.buf, this.pos, v >>> 0);
  }

  uint64(v: number): void {
    if (v >= 0 && v <= 0xffffffff) { this.uint32(v); return; }
    this.ensure(10);
    this.pos = varint64(this.buf, this.pos, v);
  }

  int32(v: number): void { if (v >= 0) this.uint32(v); else this.uint64(v); }
  int64(v: number): void { this.uint64(v); }
  sint32(v: number): void { this.uint32(((v << 1) ^ (v >> 31)) >>> 0); }
  sint64(v: number): void { this.uint64(v >= 0 ? v * 2 : -v * 2 - 1); }
  bool(v: boolean): void { this.ensure(1); this.buf[this.pos++] = v ? 1 : 0; }
  fixed32(v: number): void { this.ensure(4); this.view.setUint32(this.pos, v >>> 0, true); this.pos += 4; }
  sfixed32(v: number): void { this.ensure(4); this.view.setInt32(this.pos, v | 0, true); this.pos += 4; }
  float(v: number): void { this.ensure(4); this.view.setFloat32(this.pos, v, true); this.pos += 4; }
  double(v: number): void { this.ensure(8); this.view.setFloat64(this.pos, v, true); this.pos += 8; }
  fixed64(v: number): void { this.ensure(8); this.pos = putFixed64(this.buf, this.pos, v); }
  sfixed64(v: number): void { this.fixed64(v < 0 ? v + 2 ** 64 : v); }

  bytes(v: Uint8Array): void { this.pos = this.bytesAt(this.pos, v); }

  string(s: string): void { this.pos = this.stringAt(this.pos, s); }

  /** Reserves one byte for a length prefix; returns the position to pass to ldelim(). */
  fork(): number {
    this.ensure(1);
    return this.pos++;
  }

  /** Writes the length of everything since fork(at) into the reserved byte(s). */
  ldelim(at: number): void {
    const len = this.pos - at - 1;
    if (len < 0x80) this.buf[at] = len;
    else this.pos = this.ldelimAt(at, this.pos);
  }

  /** A copy of the bytes written so far. */
  finish(): Uint8Array { return this.buf.slice(0, this.pos); }

  /** A view of the bytes written so far (valid until the next write). */
  view_(): Uint8Array { return this.buf.subarray(0, this.pos); }
}
