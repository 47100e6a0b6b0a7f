import assert from 'node:assert/strict';
import { KeyValueStore, type ColdTier } from '../src/key-value-store';

/** A cold tier over JSON copies (what the task keeps as compressed bytes), counting reads. */
function coldTier(): ColdTier<{ n: number }> & { copies: Map<string, string>; checkpoint(store: KeyValueStore<{ n: number }>): void } {
  const copies = new Map<string, string>();
  return {
    copies,
    has: (k) => copies.has(k),
    load: (k) => {
      const json = copies.get(k);
      return json === undefined ? undefined : { value: JSON.parse(json) as { n: number }, size: json.length };
    },
    // What a checkpoint does: serialise the dirty values, measure them, and they become evictable.
    checkpoint(store) {
      for (const k of store.takeDirty()) {
        const v = store.get(k);
        if (v === undefined) copies.delete(k);
        else {
          const json = JSON.stringify(v);
          copies.set(k, json);
          store.measured(k, json.length);
        }
      }
    },
  };
}

describe('KeyValueStore bounded by bytes', () => {
  it('keeps the most recently used checkpointed values live within the budget, reads the others back, and never evicts a changed value', () => {
    const cold = coldTier();
    const store = new KeyValueStore<{ n: number }>();
    const loaded: string[] = [];
    store.bound(cold, 30, (k) => void loaded.push(k));
    for (let i = 0; i < 10; i++) store.put(`k${i}`, { n: i });
    store.evict();
    assert.equal(store.stats.liveKeys, 10, 'changed values stay live until checkpointed');
    cold.checkpoint(store);
    store.evict();
    assert.ok(store.stats.liveBytes <= 30, `live ${store.stats.liveBytes} bytes`);
    assert.equal(store.stats.liveKeys, 4, 'the four most recent values (7 bytes each) fit in 30');
    assert.deepEqual(store.get('k0'), { n: 0 }, 'an evicted value comes back');
    assert.deepEqual(loaded, ['k0']);
    assert.equal(store.size, 10);
    assert.equal(store.has('k1'), true);
    assert.deepEqual([...store.keys()].sort(), Array.from({ length: 10 }, (_, i) => `k${i}`).sort());
  });

  it('a sweep over every entry does not fill the live tier; changes persist through put or touch only', () => {
    const cold = coldTier();
    const store = new KeyValueStore<{ n: number }>();
    store.bound(cold, 8);
    for (let i = 0; i < 5; i++) store.put(`k${i}`, { n: i });
    cold.checkpoint(store);
    store.evict();
    assert.equal(store.stats.liveKeys, 1);
    for (const [k, v] of store.entries()) {
      v.n += 100;
      if (k === 'k2') store.put(k, v);
    }
    assert.equal(store.stats.liveKeys, 2, 'entries() kept nothing live but the value put');
    assert.deepEqual(store.get('k2'), { n: 102 }, 'put kept');
    assert.equal(store.get('k0')?.n, 0, 'a value visited out of memory and not put is its checkpointed value');
    store.touch('k3');
    store.get('k3')!.n = 7;
    cold.checkpoint(store);
    store.evict();
    assert.deepEqual(store.get('k3'), { n: 7 }, 'touch of a value not live loads it and keeps it live until checkpointed');
  });

  it('a delete is final even while the cold copy exists, and a failed checkpoint puts its keys back without losing them', () => {
    const cold = coldTier();
    const store = new KeyValueStore<{ n: number }>();
    store.bound(cold, 0);
    store.put('a', { n: 1 });
    store.put('b', { n: 2 });
    cold.checkpoint(store);
    store.evict();
    assert.equal(store.stats.liveKeys, 0);
    store.delete('a');
    assert.equal(store.get('a'), undefined);
    assert.equal(store.has('a'), false);
    assert.deepEqual([...store.entries()], [['b', { n: 2 }]]);
    // A checkpoint that failed after the snapshot: its keys are dirty again, though b left memory meanwhile.
    store.restoreDirty(['b']);
    assert.deepEqual(store.get('b'), { n: 2 });
    assert.equal(store.size, 1);
  });
});
