/**
 * The tracepoint bus. Every boundary crossing of the simulated stack is emitted here as one
 * `EventInit` (proto/csftrace.proto `Event`, protobuf-es style oneof `body`). The bus stamps the
 * virtual time, assigns the event index, turns an absolute cause index into the wire's backwards
 * distance, and hands the event to every sink (the recorder, the summary counter, tests).
 */
import type { EventInit } from '../../proto/index.js';

/** The oneof body of an event (its case names the family). */
export type EventBody = NonNullable<EventInit['body']>;

export interface TraceSink {
  /** Called synchronously for every event, in order. `ev.t` is absolute virtual ns. */
  onEvent(ev: EventInit, index: number): void;
}

export class TracepointBus {
  /** Number of events emitted so far (= index of the next event). */
  count = 0;
  private sinks: TraceSink[] = [];
  private nowFn: () => number;

  constructor(now: () => number) { this.nowFn = now; }

  subscribe(sink: TraceSink): void { this.sinks.push(sink); }

  /**
   * Emits one event at the current virtual time. `causeIndex` is the absolute index of the event
   * that caused this one (as returned by an earlier emit), or -1. Returns this event's index.
   */
  emit(ev: EventInit, causeIndex = -1): number {
    const index = this.count++;
    ev.t = this.nowFn();
    ev.cause = causeIndex >= 0 && causeIndex < index ? index - causeIndex : 0;
    const sinks = this.sinks;
    for (let i = 0; i < sinks.length; i++) sinks[i].onEvent(ev, index);
    return index;
  }

  /**
   * emit({ body }, causeIndex), with the event object created here holding every field from the
   * start (fields added to an object after its creation go to a separate, slower property store).
   * The event has the same fields, in the same order, as one emit() stamps.
   */
  emitBody(body: EventBody, causeIndex = -1): number {
    const index = this.count++;
    const ev: EventInit = { body, t: this.nowFn(), cause: causeIndex >= 0 && causeIndex < index ? index - causeIndex : 0 };
    const sinks = this.sinks;
    for (let i = 0; i < sinks.length; i++) sinks[i].onEvent(ev, index);
    return index;
  }
}
