/**
 * The tracepoint bus. Every boundary crossing of the simulated stack is emitted here as one event
 * (proto/csftrace.proto `Event`, protobuf-es style oneof `body`). The bus stamps the virtual time,
 * assigns the event index, turns an absolute cause index into the wire's backwards distance, and
 * hands the event to every sink (the recorder, the summary counter, tests).
 *
 * Two kinds of sink. A TraceSink gets an `EventInit` object; a TracePartsSink gets the parts
 * (t, cause, body) as arguments, like a kernel tracepoint writing straight into its ring buffer: when
 * every sink takes parts (a recording), the bus never builds the Event object at all.
 */
import type { EventInit } from '../../proto/index.js';

/** The oneof body of an event (its case names the family). */
export type EventBody = NonNullable<EventInit['body']>;

export interface TraceSink {
  /** Called synchronously for every event, in order. `ev.t` is absolute virtual ns. */
  onEvent(ev: EventInit, index: number): void;
}

export interface TracePartsSink {
  /**
   * Called synchronously for every event, in order: `t` absolute virtual ns, `cause` the backwards
   * distance to the causing event (0 = none), `body` the event's oneof body (only read).
   */
  onEventParts(t: number, cause: number, body: EventInit['body'], index: number): void;
}

export type AnySink = TraceSink | TracePartsSink;

function takesParts(s: AnySink): s is TracePartsSink {
  return typeof (s as Partial<TracePartsSink>).onEventParts === 'function';
}

export class TracepointBus {
  /** Number of events emitted so far (= index of the next event). */
  count = 0;
  private sinks: TraceSink[] = [];
  private partSinks: TracePartsSink[] = [];
  private nowFn: () => number;

  constructor(now: () => number) { this.nowFn = now; }

  /** Adds a sink; one that has onEventParts gets the parts (even if it also has onEvent). */
  subscribe(sink: AnySink): void {
    if (takesParts(sink)) this.partSinks.push(sink);
    else this.sinks.push(sink);
  }

  /** Drops every sink (a finished run's model no longer holds what its sinks hold). */
  unsubscribeAll(): void { this.sinks = []; this.partSinks = []; }

  /**
   * Emits one event at the current virtual time. `causeIndex` is the absolute index of the event
   * that caused this one (as returned by an earlier emit), or -1. Returns this event's index.
   */
  emit(ev: EventInit, causeIndex = -1): number {
    const index = this.count++;
    ev.t = this.nowFn();
    ev.cause = causeIndex >= 0 && causeIndex < index ? index - causeIndex : 0;
    const ps = this.partSinks;
    for (let i = 0; i < ps.length; i++) ps[i]!.onEventParts(ev.t, ev.cause, ev.body, index);
    const sinks = this.sinks;
    for (let i = 0; i < sinks.length; i++) sinks[i]!.onEvent(ev, index);
    return index;
  }

  /**
   * emit({ body }, causeIndex), with the event object created here only when a TraceSink wants it,
   * and then holding every field from the start (fields added to an object after its creation go to
   * a separate, slower property store). The event has the same fields, in the same order, as one
   * emit() stamps.
   */
  emitBody(body: EventBody, causeIndex = -1): number {
    const index = this.count++;
    const t = this.nowFn();
    const cause = causeIndex >= 0 && causeIndex < index ? index - causeIndex : 0;
    const ps = this.partSinks;
    for (let i = 0; i < ps.length; i++) ps[i]!.onEventParts(t, cause, body, index);
    const sinks = this.sinks;
    if (sinks.length !== 0) {
      const ev: EventInit = { body, t, cause };
      for (let i = 0; i < sinks.length; i++) sinks[i]!.onEvent(ev, index);
    }
    return index;
  }
}

