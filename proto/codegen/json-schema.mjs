#!/usr/bin/env node
// Writes schemas/event.v1.json (and check.v1.json's RuleId, from replayer/rule-text.ts): the JSON Schema of one event as `csftrace events --json` and
// `csftrace export --format jsonl` print it (replayer/format.ts eventToJson), derived from
// csftrace.proto so that the schema names every field the .proto has:
// - keys are the .proto field names; every scalar is present (proto3 defaults filled in);
// - enums are their value names (a number only for a value this build does not know);
// - an absent sub-message is left out; an unset oneof is null, a set one `{ <case>: {...} }`;
// - the errno fields (ERRNO_FIELDS) are numbers with the errno name beside them, or null;
// - fw_req / fw_ack / fw_irq carry `names`, the decoded bits of their word.
// Run after the build (`npm run schemas`); a test checks the file against a fresh run.
import protobuf from 'protobufjs';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');

const INTEGER = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32', 'int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const snake = (k) => k.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);

/** The schema object (to be written as JSON). */
export async function eventJsonSchema() {
  const { ERRNO_FIELDS, ENUM_FIELDS, NAMED_BIT_FAMILIES, EVENT_JSON_SCHEMA, EVENT_FAMILIES, SCHED_RULE_SENTENCES, TICK_TRIGGER_SENTENCES } =
    await import(pathToFileURL(join(repo, 'dist', 'replayer', 'index.js')).href);
  // enums whose values have a sentence (replayer/rule-text.ts): each value with its description
  const SENTENCES = { SchedRule: SCHED_RULE_SENTENCES, TickTrigger: TICK_TRIGGER_SENTENCES };
  const root = protobuf.loadSync(join(repo, 'proto', 'csftrace.proto'));
  root.resolveAll();
  const defs = {};

  // ctx: the name the JSON converter knows the message by (family case or field name)
  const valueSchema = (f, ctx) => {
    const names = ENUM_FIELDS[ctx]?.[f.name];
    const sentences = SENTENCES[f.resolvedType?.name];
    if (names !== undefined && sentences) {
      return { anyOf: [...[...new Set(Object.values(names))].map((n) => ({ const: n, description: sentences[n] })), { type: 'integer' }] };
    }
    if (names !== undefined) return { anyOf: [{ enum: [...new Set(Object.values(names))] }, { type: 'integer' }] };
    if (f.resolvedType instanceof protobuf.Enum) throw new Error(`${f.fullName}: an enum the JSON converter does not name (ENUM_FIELDS in replayer/format.ts)`);
    if (f.resolvedType instanceof protobuf.Type) {
      // a sub-message is known by its field name; a oneof case by its case name (ioctl args)
      addMessage(f.resolvedType, f.name);
      return { $ref: `#/$defs/${f.resolvedType.name}` };
    }
    if (INTEGER.has(f.type)) return { type: 'integer' };
    if (f.type === 'double' || f.type === 'float') return { type: 'number' };
    if (f.type === 'bool') return { type: 'boolean' };
    if (f.type === 'string') return { type: 'string' };
    if (f.type === 'bytes') return { type: 'string', contentEncoding: 'base64' };
    throw new Error(`${f.fullName}: no JSON Schema for type ${f.type}`);
  };

  function addMessage(m, ctx) {
    if (defs[m.name]) {
      if (defs[m.name].ctx !== ctx) throw new Error(`${m.name}: converted as ${defs[m.name].ctx} and as ${ctx}`);
      return;
    }
    const props = {}, required = [];
    defs[m.name] = { type: 'object', properties: props, required, additionalProperties: false };
    Object.defineProperty(defs[m.name], 'ctx', { value: ctx, enumerable: false });
    for (const f of m.fieldsArray) {
      if (f.partOf) continue;
      const key = snake(f.name);
      props[key] = f.repeated ? { type: 'array', items: valueSchema(f, ctx) } : valueSchema(f, ctx);
      if (f.repeated || !(f.resolvedType instanceof protobuf.Type)) required.push(key);
      const sibling = ERRNO_FIELDS[ctx]?.[f.name];
      if (sibling !== undefined) { props[sibling] = { type: ['string', 'null'] }; required.push(sibling); }
    }
    for (const o of m.oneofsArray) {
      const key = snake(o.name);
      props[key] = {
        anyOf: [{ type: 'null' }, ...o.fieldsArray.map((f) => ({
          type: 'object', properties: { [snake(f.name)]: valueSchema(f, ctx) }, required: [snake(f.name)], additionalProperties: false,
        }))],
      };
      required.push(key);
    }
  }

  const event = root.lookupType('csftrace.Event');
  const body = event.oneofs.body.fieldsArray;
  const props = {
    index: { type: 'integer', minimum: 0, description: 'position of the event in the trace, from 0' },
    t: { type: 'integer', minimum: 0, description: 'virtual time in nanoseconds since the start of the simulated run (not wall-clock time)' },
    type: { enum: [...EVENT_FAMILIES.map(snake), 'unknown'], description: 'the event family: csftrace.proto\'s Event.body field name; the payload is under the same key, so .[.type] is the payload' },
    cause_index: { type: ['integer', 'null'], minimum: 0, description: 'index of the event that caused this one, or null' },
    notes: { type: 'array', items: { type: 'string' }, description: 'notes attached with csftrace note (present only when there are some)' },
  };
  for (const f of body) {
    addMessage(f.resolvedType, f.name);
    const d = defs[f.resolvedType.name];
    if (NAMED_BIT_FAMILIES.includes(f.name)) {
      d.properties.names = { type: 'array', items: { type: 'string' }, description: 'decoded bit names of the word' };
      d.required.push('names');
    }
    props[snake(f.name)] = { $ref: `#/$defs/${f.resolvedType.name}` };
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: EVENT_JSON_SCHEMA,
    title: 'csftrace event (events --json, export --format jsonl: one per line)',
    type: 'object',
    properties: props,
    required: ['index', 't', 'type', 'cause_index'],
    additionalProperties: false,
    maxProperties: 6,
    // the payload sits under the key `type` names
    anyOf: [...body.map((f) => ({ properties: { type: { const: snake(f.name) } }, required: [snake(f.name)] })),
      { properties: { type: { const: 'unknown' } } }],
    $defs: defs,
  };
}

/** check.v1.json's RuleId: every check rule's id, with its name and invariant (replayer/rule-text.ts). */
export async function checkRuleIdSchema() {
  const { CHECK_RULE_TEXT } = await import(pathToFileURL(join(repo, 'dist', 'replayer', 'index.js')).href);
  return {
    description: 'a check rule: its id, with its name as title and its invariant as description',
    anyOf: Object.entries(CHECK_RULE_TEXT).map(([id, r]) => ({ const: id, title: r.name, description: r.title })),
  };
}

/** The text of check.v1.json with its RuleId definition made afresh (the rest of the file is written by hand). */
export async function checkSchemaText(text) {
  const d = await checkRuleIdSchema();
  const block = [
    '    "RuleId": {',
    `      "description": ${JSON.stringify(d.description)},`,
    '      "anyOf": [',
    // one rule a line, `{ "key": value, ... }` (each key and value through JSON.stringify, whatever their text)
    d.anyOf.map((x) => `        { ${Object.entries(x).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')} }`).join(',\n'),
    '      ]',
    '    }',
  ].join('\n');
  const re = /^    "RuleId": \{\n(?:[\s\S]*?\n)?    \}/m;
  if (!re.test(text)) throw new Error('schemas/check.v1.json: no "RuleId" definition to replace');
  return text.replace(re, () => block);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = join(repo, 'schemas', 'event.v1.json');
  writeFileSync(out, JSON.stringify(await eventJsonSchema(), null, 2) + '\n');
  process.stdout.write(`${out}\n`);
  const check = join(repo, 'schemas', 'check.v1.json');
  writeFileSync(check, await checkSchemaText(readFileSync(check, 'utf8')));
  process.stdout.write(`${check}\n`);
}
