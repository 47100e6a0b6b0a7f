import assert from 'node:assert/strict';
import type { Store } from '@creditstream/store';
import { CommandBus, type CommandRecord } from '../src/commands';
import type { Principal } from '../src/tokens';

/** The two operations CommandBus.execute uses, on a map (the Mongo-backed path is covered by the e2e test). */
function memoryStore(): { store: Store; docs: Map<string, CommandRecord> } {
  const docs = new Map<string, CommandRecord>();
  const collection = {
    insertOne: async (d: CommandRecord) => void docs.set(d._id, structuredClone(d)),
    updateOne: async (filter: { _id: string; outcome: null }, update: { $set: Partial<CommandRecord> }) => {
      const d = docs.get(filter._id);
      if (d !== undefined && d.outcome === null) docs.set(d._id, { ...d, ...update.$set });
    },
  };
  return { store: { collection: () => collection } as unknown as Store, docs };
}

const admin: Principal = { tokenId: 't', name: 'ann', role: 'admin' };

describe('commands the API carries out itself (CommandBus.execute)', () => {
  it('records the command with its actor, then its effect: the event it produced', async () => {
    const { store, docs } = memoryStore();
    const bus = new CommandBus(store, async () => undefined, () => '2024-03-01T00:00:00.000Z', () => new Date('2026-12-05T18:00:00.000Z'));
    let seen: { commandId: string; actor: string; eventId: string } | null = null;
    const record = await bus.execute(admin, 'models', 'PublishModel', '*', { version: 'v3' }, async (c) => {
      seen = c;
      assert.equal(docs.get(c.commandId)?.status, 'accepted', 'recorded before it is carried out');
      return { eventId: 'm:publication:4', type: 'ModelPublished', eventTime: '2024-03-01T00:00:00.000Z' };
    });
    assert.deepEqual(seen, { commandId: record.commandId, actor: 'ann (admin)', eventId: `command:${record.commandId}` });
    const stored = docs.get(record.commandId);
    assert.deepEqual([stored?.status, stored?.actor, stored?.payload, stored?.outcome?.eventId, stored?.outcome?.reasonCode], ['effected', 'ann (admin)', { commandId: record.commandId, actor: 'ann (admin)', version: 'v3' }, 'm:publication:4', null]);
    assert.equal(record.status, 'effected');
  });

  it('records a command that failed as refused, with the error\'s code and message', async () => {
    const { store, docs } = memoryStore();
    const bus = new CommandBus(store, async () => undefined, () => '2024-03-01T00:00:00.000Z');
    const record = await bus.execute(admin, 'models', 'PublishModel', '*', { version: 'v3' }, async () => {
      throw Object.assign(new Error('broker unreachable'), { code: 'KAFKA_UNAVAILABLE' });
    });
    const stored = docs.get(record.commandId);
    assert.deepEqual([stored?.status, stored?.outcome?.type, stored?.outcome?.reasonCode, stored?.outcome?.message], ['refused', 'PublishModelFailed', 'KAFKA_UNAVAILABLE', 'broker unreachable']);
  });
});
