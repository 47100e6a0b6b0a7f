import { addDays, FEATURE_NAMES, FEATURE_SET_VERSION } from '@creditstream/features';
import { compareExamples, type TrainingData, type TrainingExample } from '../../src';

import { prng } from '@creditstream/testing';

export { prng };

const ix = (name: string) => FEATURE_NAMES.indexOf(name as (typeof FEATURE_NAMES)[number]);

/**
 * Synthetic training data with a known structure: each customer has a latent lateness; each invoice's bucket is drawn
 * from an ordered logit of that lateness and the invoice amount; the vector carries the customer's settled history
 * so far (count and shares), the amount and the terms, everything else missing. Dates run from 2024-01-01, one
 * invoice per customer every `spacing` days; the data ends 90 days after the last due date, so all are matured.
 */
export function syntheticTrainingData(options: { customers: number; invoicesPerCustomer: number; seed: number; spacing?: number }): TrainingData {
  const random = prng(options.seed);
  const examples: TrainingExample[] = [];
  let dataEnd = '2024-01-01';
  for (let c = 0; c < options.customers; c++) {
    const customerId = `C${String(c).padStart(5, '0')}`;
    const lateness = (random() - 0.5) * 5;
    const counts = [0, 0, 0];
    for (let i = 0; i < options.invoicesPerCustomer; i++) {
      const invoiceDate = addDays('2024-01-01', i * (options.spacing ?? 7) + (c % 7));
      const dueDate = addDays(invoiceDate, 30);
      const amountMinor = Math.round(10_000 * Math.exp(random() * 2));
      const score = lateness + 0.5 * Math.log(amountMinor / 10_000) - 0.5;
      const pOn = 1 / (1 + Math.exp(score));
      const pUpToLate = 1 / (1 + Math.exp(score - 3));
      const u = random();
      const label = u < pOn ? 0 : u < pUpToLate ? 1 : 2;
      const daysLate = label === 0 ? -Math.floor(random() * 5) : label === 1 ? 1 + Math.floor(random() * 30) : 31 + Math.floor(random() * 40);
      const values = new Float64Array(FEATURE_NAMES.length).fill(NaN);
      const n = counts[0]! + counts[1]! + counts[2]!;
      values[ix('invoice_amount')] = amountMinor;
      values[ix('invoice_terms_days')] = 30;
      values[ix('invoice_days_to_due')] = 30;
      values[ix('invoice_days_past_due')] = 0;
      values[ix('settled_count')] = n;
      values[ix('written_off_count')] = 0;
      if (n > 0) {
        values[ix('share_late_all')] = counts[1]! / n;
        values[ix('share_very_late_all')] = counts[2]! / n;
      }
      counts[label]! += 1;
      examples.push({
        customerId,
        invoiceId: `INV-${customerId}-${i}`,
        invoiceDate,
        dueDate,
        asOf: invoiceDate,
        amountMinor,
        currency: 'EUR',
        segment: c % 2 === 0 ? 'enterprise' : 'small-business',
        values,
        outcome: { status: 'SETTLED', dueDate, daysLate },
      });
      if (dueDate > dataEnd) dataEnd = dueDate;
    }
  }
  examples.sort(compareExamples);
  return { source: 'event-log', featureSetVersion: FEATURE_SET_VERSION, dataEnd: addDays(dataEnd, 90), examples, notPointInTime: 0 };
}
