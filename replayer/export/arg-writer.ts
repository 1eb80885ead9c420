/**
 * How an export format receives an event's arguments: `ArgWriter` (Perfetto writes debug
 * annotations, Chrome JSON an object), keyed by `ArgKey`s registered once per name so that a
 * writer keeps per-key state (an interned id) in an array instead of a map lookup per argument.
 */

/** An argument's name, registered once per name for the whole process: writers keep per-key state by `id`. */
export interface ArgKey {
  readonly name: string;
  readonly id: number;
}

const argKeys = new Map<string, ArgKey>();
/** The key for `name` (the same object every time). */
export function argKey(name: string): ArgKey {
  let k = argKeys.get(name);
  if (k === undefined) { k = { name, id: argKeys.size }; argKeys.set(name, k); }
  return k;
}
/** The key of an array's entries (they have no name). */
export const ENTRY = argKey('');

/** Receives one event's arguments, in order; `open`/`close` nest a dictionary or an array. */
export interface ArgWriter {
  /** An integer (negative allowed). */
  int(key: ArgKey, v: number): void;
  /** A string from a small set (enum names, bit names, rule sentences): interned where the format can. */
  sym(key: ArgKey, v: string): void;
  /** Free text. */
  str(key: ArgKey, v: string): void;
  bool(key: ArgKey, v: boolean): void;
  /** Opens a dictionary (array = false) or an array; entries of an array pass ENTRY. */
  open(key: ArgKey, array: boolean): void;
  close(): void;
}

/** Something that writes a mark's arguments when the sink asks for them (no per-event closures). */
export interface ArgSource {
  writeArgs(w: ArgWriter): void;
  /**
   * Set when the arguments are a head that changes per event, then a body that repeats
   * (args-cache.ts): a writer may copy the bytes it wrote for an equal body instead.
   */
  readonly parts?: ArgParts | undefined;
}

/** writeArgs as three parts: writeHead, writeBody (whose output depends on the listed fields only), writeTail. */
export interface ArgParts {
  /** The fields writeBody's output depends on (args-cache.ts bodyFields): `fields[0..count)`. */
  readonly fields: Float64Array;
  readonly count: number;
  writeHead(w: ArgWriter): void;
  writeBody(w: ArgWriter): void;
  writeTail(w: ArgWriter): void;
}

/** An ArgWriter that builds a plain object (tests: what Chrome JSON's args text must equal once stringified). */
export class ObjectArgs implements ArgWriter {
  private stack: (Record<string, unknown> | unknown[])[] = [{}];
  private put(key: ArgKey, v: unknown): void {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) throw new Error('ObjectArgs: a close() without its open() (the root object is never closed)');
    if (Array.isArray(top)) top.push(v); else top[key.name] = v;
  }
  int(key: ArgKey, v: number): void { this.put(key, v); }
  sym(key: ArgKey, v: string): void { this.put(key, v); }
  str(key: ArgKey, v: string): void { this.put(key, v); }
  bool(key: ArgKey, v: boolean): void { this.put(key, v); }
  open(key: ArgKey, array: boolean): void {
    const o = array ? [] : {};
    this.put(key, o);
    this.stack.push(o);
  }
  close(): void { this.stack.pop(); }
  /** The object written so far (and a fresh one for the next event). */
  take(): Record<string, unknown> {
    const o = this.stack[0] as Record<string, unknown>;
    this.stack = [{}];
    return o;
  }
}
