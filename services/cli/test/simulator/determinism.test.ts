import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runSimulate } from '../../src/commands/simulate';
import { CliOptionError } from '../../src/errors';
import { ndjsonLine } from '../../src/output/ndjson';
import { simulate, type SimulateOptions } from '../../src/simulator';
import { recordingIo } from '../helpers';

function digest(options: SimulateOptions): string {
  const hash = createHash('sha256');
  for (const day of simulate(options)) for (const r of day) hash.update(`${ndjsonLine(r)}\n`);
  return hash.digest('hex');
}

function linesOfCustomer(options: SimulateOptions, customerId: string): string[] {
  const out: string[] = [];
  for (const day of simulate(options)) {
    for (const r of day) {
      if (r.kind === 'event' ? r.record.key === customerId : r.truth.customerId === customerId) out.push(ndjsonLine(r));
    }
  }
  return out;
}

describe('simulator determinism', () => {
  const options = { seed: 42, customers: 300, days: 200 };

  it('the same seed gives byte-identical output', () => {
    assert.equal(digest(options), digest({ ...options }));
  });

  it('another seed gives another company', () => {
    assert.notEqual(digest(options), digest({ ...options, seed: 43 }));
  });

  it('a customer\'s history does not change when customers are added (one random stream per customer)', () => {
    for (const id of ['C000001', 'C000017', 'C000050']) {
      assert.deepEqual(linesOfCustomer({ seed: 7, customers: 50, days: 120 }, id), linesOfCustomer({ seed: 7, customers: 90, days: 120 }, id), id);
    }
  });

  it('`simulate --out` writes byte-identical files for the same seed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'creditstream-sim-'));
    try {
      const a = path.join(dir, 'a.ndjson');
      const b = path.join(dir, 'b.ndjson');
      await runSimulate({ ...options, out: a }, recordingIo());
      await runSimulate({ ...options, out: b }, recordingIo());
      const bytes = fs.readFileSync(a);
      assert.ok(bytes.length > 100_000);
      assert.ok(bytes.equals(fs.readFileSync(b)));
      assert.equal(createHash('sha256').update(bytes).digest('hex'), digest({ ...options, start: '2024-01-01' }));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts at 2024-01-01 unless --start is given', () => {
    const first = (o: SimulateOptions) => {
      for (const day of simulate(o)) for (const r of day) if (r.kind === 'event') return r.record.event.eventTime;
      return null;
    };
    assert.equal(first({ seed: 1, customers: 5, days: 10 }), '2024-01-01T00:00:00.000Z');
    // 2025-03-01 is a Saturday: the first business day is Monday 2025-03-03.
    assert.equal(first({ seed: 1, customers: 5, days: 10, start: '2025-03-01' }), '2025-03-03T00:00:00.000Z');
  });

  it('refuses invalid options, naming them', () => {
    assert.throws(() => simulate({ seed: -1, customers: 1, days: 1 }), (e: unknown) => e instanceof CliOptionError && /seed=-1/.test(e.message));
    assert.throws(() => simulate({ seed: 1, customers: 0, days: 1 }), (e: unknown) => e instanceof CliOptionError && /customers=0/.test(e.message));
    assert.throws(() => simulate({ seed: 1, customers: 1, days: 1, start: '2024-02-30' }), (e: unknown) => e instanceof CliOptionError && /start="2024-02-30"/.test(e.message));
  });
});
