import { randomUUID } from 'node:crypto';
import type { InboundMessage } from '@creditstream/kafka';
import type { Store } from '@creditstream/store';
import { ApiProblem } from './errors';
import { API_COLLECTIONS, type Principal } from './tokens';

/** What the API keeps of each command: the audit trail and its outcome. */
export interface CommandRecord {
  _id: string;
  commandId: string;
  type: string;
  topic: string;
  customerId: string;
  actor: string;
  payload: Record<string, unknown>;
  status: 'accepted' | 'effected' | 'refused';
  acceptedAt: string;
  outcome: { eventId: string; type: string; eventTime: string; reasonCode: string | null; message: string | null; at: string } | null;
}

/** Sends one command event; the service wires it to the shared producer and topic prefix. */
export type CommandSender = (topic: string, key: string, event: Record<string, unknown>) => Promise<void>;

/** The actor a command carries: the token's name and role (never the token). */
export const actorOf = (p: Principal) => `${p.name} (${p.role})`;

/**
 * The command path every write route takes: stamp the actor and a fresh command id, record it (the audit trail),
 * produce it to the owning service's command topic keyed by customer, answer with the id. The outcome arrives later
 * as an event of the owning service naming the command id ({@link CommandBus.applyOutcomes}).
 */
export class CommandBus {
  constructor(
    private readonly store: Store,
    private readonly send: CommandSender,
    private readonly businessTime: () => string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private get records() {
    return this.store.collection<CommandRecord>(API_COLLECTIONS.commands);
  }

  /**
   * @param topic the owning service's command topic (unprefixed name as in TOPIC)
   * @param type the command's event type, e.g. ReleaseCreditHold
   * @param fields the command's own fields (without commandId and actor)
   * @throws ApiProblem COMMAND_NOT_SENT when producing failed (the record says so; nothing was sent)
   */
  async dispatch(principal: Principal, topic: string, type: string, customerId: string, fields: Record<string, unknown>): Promise<CommandRecord> {
    const commandId = randomUUID();
    const actor = actorOf(principal);
    const payload = { commandId, actor, ...fields };
    const record: CommandRecord = { _id: commandId, commandId, type, topic, customerId, actor, payload, status: 'accepted', acceptedAt: this.now().toISOString(), outcome: null };
    await this.records.insertOne(record);
    // The event id is the command id: a retried produce is a duplicate the consumer drops.
    const event = { eventId: `command:${commandId}`, eventTime: this.businessTime(), customerId, causationId: null, type, payload };
    try {
      await this.send(topic, customerId, event);
    } catch (err) {
      await this.records.deleteOne({ _id: commandId });
      throw new ApiProblem('COMMAND_NOT_SENT', `${type} for customer ${customerId} could not be produced to ${topic}: ${err instanceof Error ? err.message : String(err)}; nothing was sent, try again`);
    }
    return record;
  }

  /**
   * A command the API carries out itself, for state no service consumes commands for (the model registry: publishing
   * a model). Recorded in the audit trail like any other, then `run` carries it out and its outcome is recorded at
   * once: effected with the event it produced, or refused with the error's code and message.
   */
  async execute(principal: Principal, topic: string, type: string, customerId: string, fields: Record<string, unknown>, run: (command: { commandId: string; actor: string; eventId: string }) => Promise<{ eventId: string; type: string; eventTime: string }>): Promise<CommandRecord> {
    const commandId = randomUUID();
    const actor = actorOf(principal);
    const record: CommandRecord = { _id: commandId, commandId, type, topic, customerId, actor, payload: { commandId, actor, ...fields }, status: 'accepted', acceptedAt: this.now().toISOString(), outcome: null };
    await this.records.insertOne(record);
    let status: 'effected' | 'refused';
    let outcome: NonNullable<CommandRecord['outcome']>;
    try {
      const effect = await run({ commandId, actor, eventId: `command:${commandId}` });
      status = 'effected';
      outcome = { ...effect, reasonCode: null, message: null, at: this.now().toISOString() };
    } catch (err) {
      status = 'refused';
      const code = (err as { code?: unknown }).code;
      outcome = { eventId: `command:${commandId}:failed`, type: `${type}Failed`, eventTime: this.businessTime(), reasonCode: typeof code === 'string' ? code : 'FAILED', message: err instanceof Error ? err.message : String(err), at: this.now().toISOString() };
    }
    await this.records.updateOne({ _id: commandId, outcome: null }, { $set: { status, outcome } });
    return { ...record, status, outcome };
  }

  async get(commandId: string): Promise<CommandRecord | null> {
    return this.records.findOne({ _id: commandId });
  }

  /** The audit trail, newest first: every command from `before` (exclusive, by acceptance time and id). */
  async list(limit: number, before?: { acceptedAt: string; commandId: string }): Promise<CommandRecord[]> {
    const filter = before === undefined ? {} : { $or: [{ acceptedAt: { $lt: before.acceptedAt } }, { acceptedAt: before.acceptedAt, _id: { $lt: before.commandId } }] };
    return this.records.find(filter).sort({ acceptedAt: -1, _id: -1 }).limit(limit).toArray();
  }

  /**
   * Records the outcomes among an owning service's output events: any event whose payload names a command id; a
   * `...CommandRefused` event refuses it with its reason, any other carries it out. Idempotent: a redelivered event
   * changes nothing; a command the API did not send is ignored.
   */
  async applyOutcomes(messages: readonly InboundMessage<{ eventId: string; eventTime: string; type: string; payload: Record<string, unknown> }>[]): Promise<number> {
    const ops = [];
    for (const { event } of messages) {
      const commandId = event.payload?.commandId;
      if (typeof commandId !== 'string') continue;
      const refused = event.type.endsWith('CommandRefused');
      const outcome = {
        eventId: event.eventId,
        type: event.type,
        eventTime: event.eventTime,
        reasonCode: refused ? String(event.payload.reasonCode ?? '') : null,
        // The credit service's refusal says `message`, the collections service's `reason`.
        message: refused ? String(event.payload.message ?? event.payload.reason ?? '') : null,
        at: this.now().toISOString(),
      };
      ops.push({ updateOne: { filter: { _id: commandId, outcome: null }, update: { $set: { status: refused ? ('refused' as const) : ('effected' as const), outcome } } } });
    }
    if (ops.length === 0) return 0;
    const r = await this.records.bulkWrite(ops, { ordered: false });
    return r.modifiedCount;
  }
}
