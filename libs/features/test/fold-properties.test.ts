import * as assert from 'node:assert/strict';
import { createFolder, customerFeatures, addDays, type CustomerState, type SourcedEvent } from '../src';
import { FAMILIES, generateHistory, interleave, type Strategy, type Streams } from './support/history';
import { seededRandom } from './support/random';
import { referenceFeatures } from './support/reference';

function foldInOrder(order: readonly SourcedEvent[]): Map<string, CustomerState> {
  const folder = createFolder();
  for (const { event, source } of order) folder.apply(event, source);
  return folder.customers;
}

function sortedStates(customers: Map<string, CustomerState>): [string, CustomerState][] {
  return [...customers.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
}

function totalEvents(streams: Streams): number {
  return FAMILIES.reduce((n, f) => n + streams[f].length, 0);
}

describe('fold: topic interleaving does not change the final state', function () {
  this.timeout(20_000);
  const strategies: Strategy[] = ['random', 'lag', 'lead', 'bursts'];
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`seed ${seed}: every interleaving (with redeliveries) folds to deep-equal states`, () => {
      const streams = generateHistory({ seed, customers: 3, days: seed % 2 === 0 ? 420 : 260 });
      assert.ok(totalEvents(streams) > 1000, 'the generated history is substantial');
      const reference = sortedStates(foldInOrder(interleave(streams, seededRandom(seed), 'time')));
      assert.equal(reference.length, 3);
      const rand = seededRandom(seed * 7919);
      for (let round = 0; round < 8; round++) {
        const strategy = strategies[round % strategies.length] as Strategy;
        const order = interleave(streams, rand, strategy, round % 2 === 0 ? 0.05 : 0);
        assert.deepStrictEqual(sortedStates(foldInOrder(order)), reference, `strategy ${strategy}, round ${round}`);
      }
    });
  }

  it('the generated histories exercise what the property is about', () => {
    const streams = generateHistory({ seed: 2, customers: 3, days: 420 });
    const folder = createFolder();
    for (const { event, source } of interleave(streams, seededRandom(9), 'lag')) folder.apply(event, source);
    const states = [...folder.customers.values()];
    const invoices = states.flatMap((s) => s.invoices);
    assert.ok(invoices.some((i) => i.status === 'SETTLED' && (i.daysLate as number) > 30), 'very late settlements');
    assert.ok(invoices.some((i) => i.status === 'WRITTEN_OFF'), 'write-offs');
    assert.ok(invoices.some((i) => i.payments.some((p) => p.reversedOn !== null)), 'reversed (NSF) applications');
    assert.ok(invoices.some((i) => i.credits.length > 0), 'credit notes');
    assert.ok(invoices.some((i) => i.disputes.some((d) => d.resolvedOn !== null)), 'resolved disputes');
    assert.ok(invoices.some((i) => i.overAppliedMinor > 0), 'over-applications');
    assert.ok(invoices.some((i) => i.currencyMismatch), 'invoices in a foreign currency');
    assert.ok(invoices.some((i) => i.payments.length > 1), 'partial payments');
    assert.ok(states.some((s) => s.pendingApplications.length > 0), 'applications to invoices never issued');
    assert.ok(states.some((s) => s.returnSummary.nsfCount > 0), 'NSF returns');
    assert.ok(folder.rejections.length > 5, 'rejected events');
    assert.ok(new Set(folder.rejections.map((r) => r.rejection.code)).size >= 5, 'several rejection codes');
  });
});

describe('fold: rolling aggregates equal a brute-force recomputation', function () {
  // The brute-force reference is quadratic on purpose; these take a second or two each.
  this.timeout(20_000);
  for (const seed of [11, 12, 13]) {
    it(`seed ${seed}: at checkpoints along a random interleaving, customerFeatures equals the reference`, () => {
      const streams = generateHistory({ seed, customers: 3, days: 700 });
      const order = interleave(streams, seededRandom(seed), seed === 12 ? 'lag' : 'bursts', 0.03);
      const folder = createFolder();
      const accepted = new Map<string, Map<string, SourcedEvent>>();
      const rejected = new Set<string>();
      let tickDate: string | null = null;
      let checks = 0;
      order.forEach((item, i) => {
        const result = folder.apply(item.event, item.source);
        if (item.event.type === 'BusinessDayTick') {
          const d = item.event.payload.businessDate;
          if (tickDate === null || d > tickDate) tickDate = d;
        } else if (result.rejection !== undefined) {
          rejected.add(`${item.source.topic}:${item.source.offset}`);
        } else if (!rejected.has(`${item.source.topic}:${item.source.offset}`)) {
          // (A redelivered rejected event counts as a redelivery once later offsets of its topic were applied.)
          let mine = accepted.get(item.event.customerId);
          if (mine === undefined) accepted.set(item.event.customerId, (mine = new Map()));
          mine.set(`${item.source.topic}:${item.source.offset}`, item);
        }
        if (i % 37 !== 0 && i !== order.length - 1) return;
        for (const [customerId, state] of folder.customers) {
          const events = [...(accepted.get(customerId)?.values() ?? [])];
          assert.deepStrictEqual(customerFeatures(state), referenceFeatures(events, tickDate), `customer ${customerId} after ${i + 1} events`);
          // A later date than the state's own reads the windows from the retained settlements instead of the sums.
          const later = addDays(state.asOf, 1 + (i % 200));
          assert.deepStrictEqual(customerFeatures(state, later), referenceFeatures(events, later), `customer ${customerId} projected to ${later}`);
          checks++;
        }
      });
      assert.ok(checks > 100);
    });
  }
});

describe('state: plain JSON that MongoDB can store', () => {
  it('round-trips through JSON unchanged, with no undefined, NaN, Map, Set or id-derived keys', () => {
    const streams = generateHistory({ seed: 21, customers: 3, days: 300 });
    const customers = foldInOrder(interleave(streams, seededRandom(21), 'random'));
    for (const state of customers.values()) {
      assert.deepStrictEqual(JSON.parse(JSON.stringify(state)), state);
      const keys = new Set<string>();
      const walk = (x: unknown): void => {
        if (Array.isArray(x)) x.forEach(walk);
        else if (x !== null && typeof x === 'object') {
          assert.equal(Object.getPrototypeOf(x), Object.prototype, 'only plain objects');
          for (const [k, v] of Object.entries(x)) {
            keys.add(k);
            assert.notEqual(v, undefined, `key ${k} is undefined`);
            walk(v);
          }
        } else if (typeof x === 'number') assert.ok(Number.isFinite(x), 'finite numbers only');
      };
      walk(state);
      // The generated ids contain '.' and '$'; no key may.
      for (const k of keys) assert.match(k, /^[A-Za-z]+$/);
    }
  });
});
