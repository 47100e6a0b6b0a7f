import { isCurrency, minorUnitDigits } from '@creditstream/schemas';
import type { TrainingData, TrainingExample } from '../dataset/examples';
import { labelOf, NUM_CLASSES, type ClassIndex } from '../labels';
import type { CompiledTrainerOptions } from './options';

/** A training example with its label. */
export interface LabelledRow {
  readonly example: TrainingExample;
  readonly label: ClassIndex;
}

/** Why examples of the training data are not rows of the model. */
export interface Exclusions {
  /** Left out by --segment, --min-amount, --from or --to. */
  readonly filtered: number;
  /** Due less than V days before the end of the data: the bucket is not decided yet. */
  readonly notMatured: number;
  /** No invoice state found for the logged vector. */
  readonly noOutcome: number;
  /** Vectors that were not point-in-time (see TrainingData.notPointInTime). */
  readonly notPointInTime: number;
}

export interface RowSelection {
  /** In the training data's order: by invoice date, then ids. */
  readonly rows: LabelledRow[];
  readonly excluded: Exclusions;
  /** Rows per class. */
  readonly classCounts: number[];
}

function passesFilters(e: TrainingExample, o: CompiledTrainerOptions): boolean {
  if (o.segment !== null && e.segment !== o.segment) return false;
  if (o.from !== null && e.invoiceDate < o.from) return false;
  if (o.to !== null && e.invoiceDate > o.to) return false;
  if (o.minAmount !== null) {
    // Amounts are minor units of each invoice's own currency: compare in that currency's minor units.
    if (!isCurrency(e.currency) || !(e.amountMinor >= o.minAmount * 10 ** minorUnitDigits(e.currency))) return false;
  }
  return true;
}

/** Applies the filters and labels every example whose bucket is decided at the end of the data (see labelOf). */
export function selectRows(data: TrainingData, o: CompiledTrainerOptions): RowSelection {
  const rows: LabelledRow[] = [];
  const classCounts = new Array<number>(NUM_CLASSES).fill(0);
  let filtered = 0;
  let notMatured = 0;
  let noOutcome = 0;
  for (const example of data.examples) {
    if (!passesFilters(example, o)) {
      filtered++;
      continue;
    }
    if (example.outcome === null) {
      noOutcome++;
      continue;
    }
    const label = labelOf(example.outcome, data.dataEnd, o.buckets);
    if (label === null) {
      notMatured++;
      continue;
    }
    rows.push({ example, label });
    classCounts[label]! += 1;
  }
  return { rows, excluded: { filtered, notMatured, noOutcome, notPointInTime: data.notPointInTime }, classCounts };
}
