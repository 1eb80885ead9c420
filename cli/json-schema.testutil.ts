/**
 * A validator for the subset of JSON Schema (2020-12) that schemas/ uses: type, enum, const,
 * properties, required, additionalProperties (false, or the schema of every other key's value: a map), items, anyOf, $ref to #/$defs/, minimum,
 * maxProperties. A keyword outside the subset is an error, so a schema cannot silently check less
 * than it says.
 */
type Schema = Record<string, unknown>;

const KNOWN = new Set([
  '$schema', '$id', '$defs', 'title', 'description', 'contentEncoding',
  'type', 'enum', 'const', 'properties', 'required', 'additionalProperties', 'items', 'anyOf', '$ref', 'minimum', 'maxProperties',
]);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** Every way `value` breaks `schema`, as "path: problem" lines (empty when it is valid). */
export function validate(root: Schema, value: unknown): string[] {
  const errors: string[] = [];
  check(root, root, value, '$', errors);
  return errors;
}

function check(root: Schema, s: Schema, v: unknown, path: string, errors: string[]): void {
  for (const k of Object.keys(s)) if (!KNOWN.has(k)) throw new Error(`schema at ${path}: keyword ${k} is outside the supported subset`);
  if (typeof s.$ref === 'string') {
    const m = /^#\/\$defs\/(.+)$/.exec(s.$ref);
    const name = m?.[1];
    const target = name === undefined ? undefined : (root.$defs as Record<string, Schema> | undefined)?.[name];
    if (!target) throw new Error(`schema at ${path}: unresolvable $ref ${s.$ref}`);
    check(root, target, v, path, errors);
  }
  const t = typeOf(v);
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? s.type as string[] : [s.type as string];
    if (!types.some((x) => x === t || (x === 'number' && t === 'integer'))) { errors.push(`${path}: ${t}, expected ${types.join(' or ')}`); return; }
  }
  if (s.enum !== undefined && !(s.enum as unknown[]).includes(v)) errors.push(`${path}: ${JSON.stringify(v)} is not one of the enum`);
  if (s.const !== undefined && s.const !== v) errors.push(`${path}: ${JSON.stringify(v)}, expected ${JSON.stringify(s.const)}`);
  if (typeof s.minimum === 'number' && typeof v === 'number' && v < s.minimum) errors.push(`${path}: ${v} < ${s.minimum}`);
  if (Array.isArray(s.anyOf)) {
    const alts = s.anyOf as Schema[];
    if (!alts.some((a) => { const e: string[] = []; check(root, a, v, path, e); return e.length === 0; })) {
      errors.push(`${path}: matches none of ${alts.length} alternatives`);
    }
  }
  if (t === 'array' && s.items !== undefined) (v as unknown[]).forEach((x, i) => check(root, s.items as Schema, x, `${path}[${i}]`, errors));
  if (t === 'object') {
    const o = v as Record<string, unknown>;
    const props = (s.properties ?? {}) as Record<string, Schema>;
    for (const r of (s.required ?? []) as string[]) if (!(r in o)) errors.push(`${path}: no ${r}`);
    if (typeof s.maxProperties === 'number' && Object.keys(o).length > s.maxProperties) errors.push(`${path}: more than ${s.maxProperties} keys`);
    for (const [k, x] of Object.entries(o)) {
      if (props[k] !== undefined) check(root, props[k], x, `${path}.${k}`, errors);
      else if (s.additionalProperties === false) errors.push(`${path}: unexpected key ${k}`);
      else if (typeof s.additionalProperties === 'object' && s.additionalProperties !== null) check(root, s.additionalProperties as Schema, x, `${path}.${k}`, errors);
    }
  }
}
