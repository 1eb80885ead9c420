/**
 * JSON text of the JSON exports written as UTF-8 bytes straight into one reusable buffer: keys
 * and names encoded once and copied, integers written digit by digit, strings copied byte for byte
 * when they need no escape (JSON.stringify otherwise: the same escapes, control characters as
 * \u00XX, and DEL, C1 controls and bidi overrides as \uXXXX too, as `events --json` writes them).
 * No string is built per event. The buffer goes to `write` every ~1 MiB at a record's end (valid
 * until `write` returns; the CLI writes synchronously, which is the back-pressure): memory stays a
 * few MiB whatever the output's size.
 */
const FLUSH_AT = 1 << 20;
const encoder = new TextEncoder();

/** `s` as UTF-8 (fixed keys and names of the schema, ASCII: encoded once, copied per use). */
export function utf8(s: string): Uint8Array { return encoder.encode(s); }

/**
 * What JSON.stringify leaves raw and a terminal acts on: DEL, the C1 controls (U+009B is a CSI) and
 * the bidirectional overrides and isolates. `events --json` escapes the same (cli/text.ts).
 */
const TERMINAL_UNSAFE = /[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const TERMINAL_UNSAFE_TEST = /[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** JSON text `j` with those characters written as \uXXXX (the same JSON value; they occur only inside strings). */
export function terminalSafe(j: string): string {
  if (!TERMINAL_UNSAFE_TEST.test(j)) return j;
  return j.replace(TERMINAL_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `s` as JSON text, UTF-8. */
export function jsonBytes(s: string): Uint8Array { return encoder.encode(terminalSafe(JSON.stringify(s))); }

/** Integers below this (2^53) are written digit by digit. */
const MAX_EXACT = 2 ** 53;
/** Nanoseconds below this (2^43, 2.4 hours) are written as microseconds digit by digit. */
const MAX_MICROS = 2 ** 43;

/** "00".."99" as character codes, two a number: the digits below are written two at a time. */
const PAIRS = new Uint8Array(200);
for (let k = 0; k < 100; k++) { PAIRS[2 * k] = 48 + Math.floor(k / 10); PAIRS[2 * k + 1] = 48 + (k % 10); }

/** How many decimal digits `x` (0 ≤ x < 2^31) has. */
function digitCount(x: number): number {
  if (x < 100_000) return x < 10 ? 1 : x < 100 ? 2 : x < 1000 ? 3 : x < 10_000 ? 4 : 5;
  return x < 1_000_000 ? 6 : x < 10_000_000 ? 7 : x < 100_000_000 ? 8 : x < 1_000_000_000 ? 9 : 10;
}

/**
 * Writes the decimal digits of `x` (an integer, 0 ≤ x < 2^53) at `p`; returns the position after them.
 * The remainders are taken of int32 values (`| 0`): `%` of a value V8 holds as a double (a
 * timestamp's Math.floor, a number read from a Float64Array) is a call to fmod, twice as slow.
 */
function digits(b: Uint8Array, p: number, x: number): number {
  if (x < 10) { b[p] = 48 + x; return p + 1; }
  if (x > 0x7fffffff) {
    const hi = Math.floor(x / 1e8);
    p = digits(b, p, hi);
    let lo = (x - hi * 1e8) | 0;
    for (let k = p + 6; k >= p; k -= 2) { const r = lo % 100; lo = (lo / 100) | 0; b[k] = PAIRS[2 * r]!; b[k + 1] = PAIRS[2 * r + 1]!; }
    return p + 8;
  }
  const end = p + digitCount(x);
  let k = end;
  let t = x | 0;
  while (t >= 100) { const r = t % 100; t = (t / 100) | 0; b[--k] = PAIRS[2 * r + 1]!; b[--k] = PAIRS[2 * r]!; }
  if (t >= 10) { b[--k] = PAIRS[2 * t + 1]!; b[--k] = PAIRS[2 * t]!; } else b[--k] = 48 + t;
  return end;
}

export class JsonBytes {
  buf = Buffer.allocUnsafe(FLUSH_AT + (64 << 10));
  pos = 0;

  /**
   * With `handOff`, each buffer given to `write` is `write`'s to keep (to transfer to another
   * thread): a new one replaces it.
   */
  constructor(private readonly write: (bytes: Uint8Array) => void, private readonly handOff = false) {}

  /** Room for `n` more bytes. */
  need(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const nb = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(nb, 0, 0, this.pos);
    this.buf = nb;
  }

  byte(c: number): void {
    if (this.pos >= this.buf.length) this.need(1);
    this.buf[this.pos++] = c;
  }

  bytes(v: Uint8Array): void {
    const n = v.length;
    if (this.pos + n > this.buf.length) this.need(n);
    const b = this.buf;
    let p = this.pos;
    if (n < 64) for (let i = 0; i < n; i++) b[p++] = v[i]!;
    else { b.set(v, p); p += n; }
    this.pos = p;
  }

  /** A number as JSON.stringify writes it. */
  num(x: number): void {
    if (this.pos + 24 > this.buf.length) this.need(24);
    const b = this.buf;
    let p = this.pos;
    if ((x | 0) === x) {
      // 32-bit integers (0 and -0 are "0")
      if (x < 0) { b[p++] = 45; x = -x; }
      this.pos = digits(b, p, x);
      return;
    }
    if (Number.isInteger(x) && x > -MAX_EXACT && x < MAX_EXACT) {
      if (x < 0) { b[p++] = 45; x = -x; }
      this.pos = digits(b, p, x);
      return;
    }
    this.ascii(Number.isFinite(x) ? String(x) : 'null');
  }

  /**
   * `ns / 1000` as JSON.stringify writes it (microseconds with the nanoseconds as decimals): below
   * 2^43 ns the double's shortest form is the exact decimal, written here digit by digit.
   */
  micros(ns: number): void {
    if (!Number.isInteger(ns) || ns >= MAX_MICROS || ns <= -MAX_MICROS) { this.num(ns / 1000); return; }
    if (this.pos + 24 > this.buf.length) this.need(24);
    const b = this.buf;
    let p = this.pos;
    if (ns < 0) { b[p++] = 45; ns = -ns; }
    const q = Math.floor(ns / 1000);
    let r = (ns - q * 1000) | 0; // an int32 for `%` (see digits)
    p = digits(b, p, q);
    if (r !== 0) {
      b[p++] = 46;
      let k = 3;
      while (r % 10 === 0) { r = (r / 10) | 0; k--; }
      for (let j = p + k - 1; j >= p; j--) { b[j] = 48 + (r % 10); r = (r / 10) | 0; }
      p += k;
    }
    this.pos = p;
  }

  /** Text known to be ASCII (number text, fixed words). */
  ascii(s: string): void {
    const n = s.length;
    if (this.pos + n > this.buf.length) this.need(n);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** `s` as a JSON string. */
  str(s: string): void {
    const n = s.length;
    if (this.pos + n + 2 > this.buf.length) this.need(n + 2);
    const b = this.buf;
    let p = this.pos;
    b[p++] = 34;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === 34 || c === 92) { this.escaped(s); return; }
      b[p++] = c;
    }
    b[p++] = 34;
    this.pos = p;
  }

  private escaped(s: string): void {
    const j = terminalSafe(JSON.stringify(s));
    this.need(j.length * 3);
    this.pos += this.buf.write(j, this.pos, 'utf8');
  }

  /** JSON text (UTF-8), with what a terminal acts on escaped (terminalSafe). */
  text(s: string): void {
    s = terminalSafe(s);
    this.need(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** At a record's end: hands the buffer to `write` once it holds ~1 MiB. */
  mark(): void {
    if (this.pos >= FLUSH_AT) this.flush();
  }

  flush(): void {
    if (this.pos === 0) return;
    this.write(this.buf.subarray(0, this.pos));
    this.pos = 0;
    if (this.handOff) this.buf = Buffer.allocUnsafe(FLUSH_AT + (64 << 10));
  }
}
