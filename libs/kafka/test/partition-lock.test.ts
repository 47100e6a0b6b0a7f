import assert from 'node:assert/strict';
import { PartitionLocks } from '../src';

describe('PartitionLocks (pure)', () => {
  it('runs work of one partition one at a time, in call order, and other partitions alongside', async () => {
    const locks = new PartitionLocks();
    const log: string[] = [];
    let releaseFirst: () => void = () => undefined;
    const first = locks.run(3, async () => {
      log.push('3a start');
      await new Promise<void>((r) => (releaseFirst = r));
      log.push('3a end');
    });
    const second = locks.run(3, async () => void log.push('3b'));
    const other = locks.run(4, async () => void log.push('4'));
    await other;
    assert.deepEqual(log, ['3a start', '4'], 'partition 4 is not blocked by partition 3');
    releaseFirst();
    await Promise.all([first, second]);
    assert.deepEqual(log, ['3a start', '4', '3a end', '3b']);
  });

  it('keeps the queue going after a failed work', async () => {
    const locks = new PartitionLocks();
    await assert.rejects(locks.run(1, async () => { throw new Error('boom'); }), /boom/);
    assert.equal(await locks.run(1, async () => 42), 42);
  });
});
