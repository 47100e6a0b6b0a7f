import assert from 'node:assert/strict';
import { waitFor } from '@creditstream/testing';
import { cpuShares, parseCpuTimes, renderTable, watchCpu, type BenchResult } from '../src/results';

/** A /proc/stat text whose `cpu` line has these user, system, idle, iowait and steal ticks. */
function stat(user: number, system: number, idle: number, iowait: number, steal: number): string {
  return `cpu  ${user} 0 ${system} ${idle} ${iowait} 0 0 ${steal} 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\nintr 12345\n`;
}

describe('the CPU time of a benchmark run', () => {
  it('reads busy, idle and stolen time from /proc/stat and gives their shares between two readings', () => {
    assert.deepEqual(parseCpuTimes(stat(100, 50, 800, 20, 30)), { busy: 150, idle: 820, steal: 30 });
    assert.equal(parseCpuTimes('intr 1\n'), null);
    const shares = cpuShares({ busy: 100, idle: 100, steal: 0 }, { busy: 700, idle: 300, steal: 200 });
    assert.deepEqual(shares, { busyPct: 60, idlePct: 20, stealPct: 20, stealPctMax: 20 });
  });

  it('watches a run: the shares of the whole run and the largest steal of its windows', async () => {
    // Readings: the start, two windows (the second with 50% steal), and the stop.
    const readings = [stat(0, 0, 0, 0, 0), stat(90, 0, 10, 0, 0), stat(130, 0, 20, 0, 50), stat(220, 0, 30, 0, 50)];
    let reads = 0;
    const watch = watchCpu(() => readings[Math.min(reads++, readings.length - 1)] as string, 5);
    assert.ok(watch);
    await waitFor('two windows read', () => reads >= 3);
    const shares = watch.stop();
    // Each window reads once: 3 or more reads before the stop, the stop one more (the last reading repeats).
    assert.deepEqual(shares, { busyPct: 73.3, idlePct: 10, stealPct: 16.7, stealPctMax: 50 });
    assert.equal(watchCpu(() => {
      throw new Error('ENOENT: /proc/stat');
    }), null);
  });

  it('shows the steal beside the machine in the table and in the notes, and nothing for results without it', () => {
    const result: BenchResult = {
      benchmark: 'features',
      figures: { throughput_events_per_s: { value: 1200, unit: 'events/s' } },
      machine: { cpus: 2, cpuModel: 'x', memoryGiB: 24, node: 'v20', kernel: 'k' },
      cpu: { busyPct: 70, idlePct: 5, stealPct: 25, stealPctMax: 61.5 },
      command: 'npm run bench -- features',
      finishedAt: '2026-12-07T08:00:00.000Z',
      durationSeconds: 600,
      notes: ['a note'],
    };
    const table = renderTable([result]);
    assert.match(table, /\| features \| `throughput_events_per_s` \| 1,200 \| events\/s \| {2}\| 2026-12-07 \| 2 cores, 24 GiB, steal 25% \|/);
    assert.match(table, /- The machine's CPU time during the run: 70% busy, 5% idle, 25% stolen by the hypervisor \(steal; up to 61\.5% over 10 s\)\./);
    const { cpu: _cpu, ...before } = result;
    const older = renderTable([before]);
    assert.match(older, /\| 2 cores, 24 GiB \|/);
    assert.doesNotMatch(older, /stolen/);
  });
});
