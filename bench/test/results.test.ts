import assert from 'node:assert/strict';
import { renderTable, type BenchResult } from '../src/results';

describe('the CPU time of a benchmark run', () => {
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
