import type { BusinessDayTickEvent } from '@creditstream/schemas';
import type { Rejection } from '../rejections';
import type { CustomerState } from '../state';
import { applyEvent, applyTick, type ApplyResult, type EventSource, type InputEvent } from './apply';

/** One consumed message: the decoded event and where it came from. */
export interface SourcedEvent {
  event: InputEvent;
  source: EventSource;
}

export interface RejectedEvent {
  eventId: string;
  customerId: string;
  source: EventSource;
  rejection: Rejection;
}

/**
 * Folds a stream of input events (any interleaving of the topics, each topic in its order) into every customer's
 * state, the way the feature service does: ticks advance every known customer of their partition, and a customer
 * created after a tick is seeded with the latest tick of its partition.
 */
export interface Folder {
  /** Folds one event; returns the fold result (for a tick: of the last customer it advanced, or an unchanged null). */
  apply(event: InputEvent, source: EventSource): ApplyResult<CustomerState | null>;
  /** Every customer's state so far, by customer id. */
  readonly customers: Map<string, CustomerState>;
  /** Every rejected event so far, in fold order. */
  readonly rejections: RejectedEvent[];
}

interface LatestTick {
  event: BusinessDayTickEvent;
  source: EventSource;
}

/** Creates an empty {@link Folder}. */
export function createFolder(): Folder {
  const customers = new Map<string, CustomerState>();
  const byPartition = new Map<number, CustomerState[]>();
  const latestTicks = new Map<number, LatestTick>();
  const rejections: RejectedEvent[] = [];

  function record(event: InputEvent, source: EventSource, result: ApplyResult<CustomerState | null>): void {
    if (result.rejection !== undefined) rejections.push({ eventId: String(event.eventId), customerId: String(event.customerId), source, rejection: result.rejection });
  }

  function apply(event: InputEvent, source: EventSource): ApplyResult<CustomerState | null> {
    if (event.type === 'BusinessDayTick') {
      let last = applyTick(null, event, source);
      if (last.rejection !== undefined) {
        record(event, source, last);
        return last;
      }
      const prev = latestTicks.get(source.partition);
      if (prev === undefined || source.offset > prev.source.offset) latestTicks.set(source.partition, { event, source });
      for (const state of byPartition.get(source.partition) ?? []) last = applyTick(state, event, source);
      return last;
    }
    const existing = customers.get(event.customerId);
    const result = applyEvent(existing ?? null, event, source);
    record(event, source, result);
    if (existing === undefined && result.state !== null) {
      const state = result.state;
      customers.set(state.customerId, state);
      let list = byPartition.get(source.partition);
      if (list === undefined) byPartition.set(source.partition, (list = []));
      list.push(state);
      const tick = latestTicks.get(source.partition);
      if (tick !== undefined) applyTick(state, tick.event, tick.source);
    }
    return result;
  }

  return { apply, customers, rejections };
}

export interface FoldAllResult {
  /** Every customer's final state, by customer id. */
  customers: Map<string, CustomerState>;
  rejections: RejectedEvent[];
}

/**
 * From-scratch fold of a whole event log: the reference the feature service's crash test and `features verify`
 * compare the live store with. Any interleaving of the topics (each in its order) gives deep-equal states.
 */
export function foldAll(events: Iterable<SourcedEvent>): FoldAllResult {
  const folder = createFolder();
  for (const { event, source } of events) folder.apply(event, source);
  return { customers: folder.customers, rejections: folder.rejections };
}
