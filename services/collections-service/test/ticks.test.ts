import assert from 'node:assert/strict';
import { Harness } from './harness';

describe('collections: malformed business-day ticks are refused (issue 17 fuzzing)', () => {
  it('a tick for another partition, not for customer "*" or with a previous date that is no date is dead-lettered with the fold\'s code, and the clock stays', () => {
    const h = new Harness();
    h.register();
    h.tick('2024-03-01');
    const tick = (payload: object, customerId = '*') => h.send('clock', 'BusinessDayTick', '2024-03-05', { businessDate: '2024-03-05', previousBusinessDate: '2024-03-01', partition: 0, ...payload }, customerId);
    // Regression: a tick naming partition 1, consumed from partition 0, moved this partition's business day.
    assert.deepEqual(tick({ partition: 1 }), { code: 'INVALID_EVENT', message: 'BusinessDayTick for partition 1 consumed from partition 0' });
    assert.equal(tick({}, 'C1')?.code, 'INVALID_EVENT');
    assert.equal(tick({ previousBusinessDate: 'yesterday' })?.code, 'INVALID_DATE');
    assert.equal(h.ctx.clock.businessDate, '2024-03-01');
    assert.equal(tick({}), undefined);
    assert.equal(h.ctx.clock.businessDate, '2024-03-05');
  });
});
