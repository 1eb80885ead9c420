/**
 * proto/: the trace format. Types, enums and codecs generated from csftrace.proto (gen/schema.ts),
 * the event tape of offloaded recordings (gen/tape.ts), the wire primitives, and (container/) the
 * .csft framing.
 */
export * from './gen/schema.js';
export { tapeEvent } from './gen/tape.js';
export { Reader, Writer, ProtoDecodeError } from './wire.js';
export * from './events.js';
export * from './container/index.js';
export * from './errno.js';
export * from './regs.js';
export { UserError, isUserError } from './user-error.js';
export { formatNs, formatNsExact, formatBytes, formatBytesShort, formatSize, formatCount, type VirtualNs, type CauseDistance, type EventIndex } from './units.js';
export * from './gen/fields.js';
