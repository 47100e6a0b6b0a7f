import * as assert from 'node:assert/strict';
import type { CreditGroupLimitSetEvent, SetCreditGroupEvent } from '@creditstream/schemas';
import { TOPIC } from '@creditstream/schemas';
import { CliOptionError } from '../../src/errors';
import { ndjsonLine } from '../../src/output/ndjson';
import { compileSimulateOptions, simulate, simulateWithCreditGroups } from '../../src/simulator';

describe('simulator credit groups (optional)', () => {
  const options = { seed: 42, customers: 120, days: 150 };

  it('adds only credit group records: every other record is the same, byte for byte, as without groups', () => {
    const plain: string[] = [];
    for (const day of simulate(options)) for (const r of day) plain.push(ndjsonLine(r));
    const withGroups: string[] = [];
    let credit = 0;
    for (const day of simulateWithCreditGroups({ ...options, creditGroups: 5 })) {
      for (const r of day) {
        if (r.kind === 'credit') credit += 1;
        else withGroups.push(ndjsonLine(r));
      }
    }
    assert.ok(credit > 0);
    assert.deepEqual(withGroups, plain);
  });

  it('the first 4 × N customers join a group of their currency, and each group has one limit in that currency, set when its first member registers', () => {
    const joins: SetCreditGroupEvent[] = [];
    const limits = new Map<string, CreditGroupLimitSetEvent>();
    const registered = new Map<string, { currency: string; time: string }>();
    for (const day of simulateWithCreditGroups({ ...options, creditGroups: 5 })) {
      for (const r of day) {
        if (r.kind === 'event' && r.record.event.type === 'CustomerRegistered') registered.set(r.record.key, { currency: r.record.event.payload.currency, time: r.record.event.eventTime });
        if (r.kind !== 'credit') continue;
        const e = r.record.event;
        if (e.type === 'SetCreditGroup') {
          assert.equal(r.record.topic, TOPIC.creditCommands);
          assert.equal(r.record.key, e.customerId);
          assert.ok(registered.has(e.customerId), `${e.customerId} joins after its registration`);
          assert.ok(limits.has(e.payload.creditGroupId as string), `the limit of ${e.payload.creditGroupId} comes before its members join`);
          joins.push(e);
        } else {
          assert.equal(r.record.topic, TOPIC.creditGroups);
          assert.equal(r.record.key, e.customerId);
          assert.ok(!limits.has(e.customerId), `one limit per group (${e.customerId})`);
          limits.set(e.customerId, e);
        }
      }
    }
    // Customer ids are C000001... by index: the first 20 (those registered within the simulated days) are members.
    const members = [...registered.keys()].filter((id) => Number(id.slice(1)) <= 20).sort();
    assert.ok(members.length >= 15, `${members.length} of the first 20 customers registered`);
    assert.deepEqual(joins.map((j) => j.customerId).sort(), members);
    for (const j of joins) {
      const group = j.payload.creditGroupId as string;
      assert.equal(limits.get(group)?.payload.currency, registered.get(j.customerId)?.currency, `${j.customerId} is in a group of its currency`);
      assert.ok((limits.get(group)?.payload.amountMinor ?? 0) > 0);
    }
    assert.ok(joins.length > limits.size, 'some groups have more than one member');
  });

  it('refuses an invalid number of groups, naming the option', () => {
    for (const creditGroups of [-1, 1.5]) assert.throws(() => compileSimulateOptions({ ...options, creditGroups }), (err: unknown) => err instanceof CliOptionError && /creditGroups/.test(err.message));
    assert.equal(compileSimulateOptions({ ...options, creditGroups: 0 }).creditGroups, 0);
  });
});
