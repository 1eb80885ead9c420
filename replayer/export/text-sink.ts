/**
 * Text output of the JSON exports: each piece is encoded as UTF-8 straight into one reusable
 * buffer, handed to `write` every ~1 MiB (valid until `write` returns; the CLI writes
 * synchronously, which is the back-pressure). Memory stays a few MiB whatever the output's size.
 */
const SIZE = 1 << 20;

export class TextSink {
  private buf = Buffer.allocUnsafe(SIZE);
  private pos = 0;

  constructor(private readonly write: (bytes: Uint8Array) => void) {}

  /** Appends `s`. */
  put(s: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit
    if (this.pos + s.length * 3 > this.buf.length) this.room(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** Appends `s` and a newline. */
  line(s: string): void {
    if (this.pos + s.length * 3 + 1 > this.buf.length) this.room(s.length * 3 + 1);
    this.pos += this.buf.write(s, this.pos, 'utf8');
    this.buf[this.pos++] = 0x0a;
  }

  private room(n: number): void {
    this.flush();
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
  }

  /** Hands everything appended so far to `write`. */
  flush(): void {
    if (this.pos === 0) return;
    this.write(this.buf.subarray(0, this.pos));
    this.pos = 0;
  }
}
