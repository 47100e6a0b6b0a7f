import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CollectionActionEnvelope } from '@creditstream/schemas';
import { readPolicyFile } from '../src/collections/policy';
import { comparisonLines, totals } from '../src/collections/simulate';

const letter = (date: string, level: number, feeMinor: number) => ({ eventId: `l-${date}-${level}`, eventTime: `${date}T00:00:00.000Z`, customerId: 'c', causationId: null, type: 'CollectionLetterIssued', payload: { businessDate: date, level, feeMinor } }) as unknown as CollectionActionEnvelope;
const note = (date: string, total: number) => ({ eventId: `n-${date}`, eventTime: `${date}T00:00:00.000Z`, customerId: 'c', causationId: null, type: 'InterestNoteIssued', payload: { businessDate: date, totalInterestMinor: total } }) as unknown as CollectionActionEnvelope;

describe('collections simulate: totals and the comparison (pure)', () => {
  it('adds up letters by level, fees and interest within the dates, and prints candidate, issued and the difference', () => {
    const issued = totals([letter('2024-01-05', 1, 0), letter('2024-02-05', 2, 0), letter('2024-03-05', 3, 1000), note('2024-02-01', 937)], '2024-02-01', '2024-12-31');
    assert.deepEqual([issued.letters, issued.lettersByLevel, issued.letterFeesMinor, issued.interestNotes, issued.interestMinor], [2, [0, 1, 1, 0, 0], 1000, 1, 937]);
    const candidate = totals([letter('2024-02-05', 2, 0), letter('2024-03-05', 3, 0)], '2024-02-01', '2024-12-31');
    const lines = comparisonLines(candidate, issued);
    assert.ok(lines.includes(`${'letter fees'.padEnd(22)}${'0.00'.padStart(14)}${'10.00'.padStart(14)}${'-10.00'.padStart(14)}`), lines.join('\n'));
    assert.ok(lines.includes(`${'interest'.padEnd(22)}${'0.00'.padStart(14)}${'9.37'.padStart(14)}${'-9.37'.padStart(14)}`), lines.join('\n'));
  });

  it('a policy file that is not JSON or not valid is refused, naming the file and the problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-'));
    writeFileSync(join(dir, 'a.json'), '{ nope');
    assert.throws(() => readPolicyFile(join(dir, 'a.json')), /a\.json is not JSON/);
    writeFileSync(join(dir, 'b.json'), JSON.stringify({ policyId: 'p', version: '1', effectiveFrom: '2024-01-01', sequences: [], defaultSequence: 's', interestCodes: [] }));
    assert.throws(() => readPolicyFile(join(dir, 'b.json')), /b\.json: collection policy is invalid: \/sequences must NOT have fewer than 1 items/);
    assert.throws(() => readPolicyFile(join(dir, 'missing.json')), /cannot read policy file/);
  });
});
