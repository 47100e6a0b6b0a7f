import assert from 'node:assert/strict';
import { Harness } from './harness';

describe('collections: predictions that are no distribution are refused (issue 17 fuzzing)', () => {
  it('a prediction with pOnTime NaN is dead-lettered instead of starting a collection (NaN compared false with the threshold)', () => {
    const h = new Harness();
    h.register();
    h.tick('2024-03-01');
    h.issue('i1', '2024-03-01', '2024-03-31');
    h.predict('i1', '2024-03-02', Number.NaN, 'c1', 0.1);
    assert.deepEqual(h.rejections.map((r) => r.code), ['INVALID_EVENT']);
    assert.deepEqual(h.actions('CollectionStarted'), []);
    h.predict('i1', '2024-03-03', 0.2);
    assert.equal(h.actions('CollectionStarted').length, 1, 'a real low prediction still starts it');
  });
});
