import assert from 'node:assert/strict';
import { cpuShares, describeCpu, parseCpuTimes, stolenSpans, waitFor, watchCpu } from '../src';

/** A /proc/stat text whose `cpu` line has these user, system, idle, iowait and steal ticks. */
function stat(user: number, system: number, idle: number, iowait: number, steal: number): string {
  return `cpu  ${user} 0 ${system} ${idle} ${iowait} 0 0 ${steal} 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\nintr 12345\n`;
}

describe('the machine\'s CPU time during a run', () => {
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

  it('gives each window to the caller as it ends', async () => {
    const readings = [stat(0, 0, 100, 0, 0), stat(50, 0, 130, 0, 20)];
    let reads = 0;
    const seen: number[] = [];
    const watch = watchCpu(() => readings[Math.min(reads++, readings.length - 1)] as string, 5, (_at, shares) => seen.push(shares.stealPct));
    await waitFor('a window seen', () => seen.length >= 1);
    watch?.stop();
    assert.equal(seen[0], 20);
  });

  it('lists the spans of consecutive windows with much steal, in UTC, with their largest steal', () => {
    const at = (hms: string) => Date.parse(`2026-12-07T${hms}Z`);
    const windows = [
      { endedAt: at('09:00:10'), stealPct: 5 },
      { endedAt: at('09:00:20'), stealPct: 25 },
      { endedAt: at('09:00:31'), stealPct: 64 }, // a timer that fired a second late joins its neighbour
      { endedAt: at('09:00:41'), stealPct: 19.9 },
      { endedAt: at('09:00:51'), stealPct: 30 },
    ];
    assert.deepEqual(stolenSpans(windows, 20), ['09:00:10–09:00:31 (up to 64%)', '09:00:41–09:00:51 (up to 30%)']);
    assert.deepEqual(stolenSpans(windows, 70), []);
    assert.equal(describeCpu({ busyPct: 70, idlePct: 5, stealPct: 25, stealPctMax: 61.5 }), '70% busy, 5% idle, 25% stolen by the hypervisor (steal; up to 61.5% over 10 s)');
  });
});
