/**
 * Event families: the `Event.body` cases in schema order, with a stable family number
 * (field number - 10) used for per-family counts in chunk indexes and summaries.
 */
import { EventBodyCases, EventBodyFieldNumbers, type EventBodyCase, type Event, type EventInit } from './gen/schema.js';

export type EventFamily = EventBodyCase;
/** The decoded message of family `F`'s events (`BodyOf<'ioctl'>` is `Ioctl`). */
export type BodyOf<F extends EventFamily> = Extract<Event['body'], { case: F }>['value'];
export const EVENT_FAMILIES: readonly EventFamily[] = EventBodyCases;
export const FAMILY_COUNT = Math.max(...EventBodyCases.map((c) => EventBodyFieldNumbers[c])) - 9;

/** Family number of a case (0-based, = field number - 10). */
export function familyNumber(c: EventFamily): number { return EventBodyFieldNumbers[c] - 10; }

/** Family case of a family number, or undefined for a number this build does not know. */
export function familyOf(n: number): EventFamily | undefined {
  return EventBodyCases.find((c) => EventBodyFieldNumbers[c] - 10 === n);
}

/** The family of an event (undefined for an event with no body, e.g. from a newer schema). */
export function eventFamily(ev: Event | EventInit): EventFamily | undefined {
  return ev.body?.case;
}

/** Compile-time exhaustiveness check for switches over unions. */
export function assertUnreachable(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}
