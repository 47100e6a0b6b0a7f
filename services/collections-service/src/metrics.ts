import { Counter, Gauge, type Registry } from '@creditstream/metrics';

/** Collections-service specific metrics, beside the standard ones and the partition-task runtime's. */
export interface CollectionsMetrics {
  actions: Counter<'action'>;
  agingAmount: Gauge<'bucket' | 'currency'>;
  agingCount: Gauge<'bucket'>;
  commandsIgnored: Counter;
  dailyRunCustomers: Counter;
  businessDate: Gauge<'partition'>;
  policy: Gauge<'partition' | 'version'>;
}

export function createCollectionsMetrics(registry: Registry): CollectionsMetrics {
  const registers = [registry];
  return {
    actions: new Counter({ name: 'creditstream_collections_actions_total', help: 'Collection actions, by action (collection_started, letter, interest_note, write_off_proposed, promise_broken, …).', labelNames: ['action'], registers }),
    agingAmount: new Gauge({ name: 'creditstream_collections_aging_amount_minor', help: 'Open balance per aging bucket (days past due) and currency, over every customer of this instance\'s partitions, as of each partition\'s last daily run. In minor units.', labelNames: ['bucket', 'currency'], registers }),
    agingCount: new Gauge({ name: 'creditstream_collections_aging_invoices', help: 'Open invoices per aging bucket over this instance\'s partitions.', labelNames: ['bucket'], registers }),
    commandsIgnored: new Counter({ name: 'creditstream_collections_commands_ignored_total', help: 'Commands whose id was seen before (carried out once).', registers }),
    dailyRunCustomers: new Counter({ name: 'creditstream_collections_daily_run_customers_total', help: 'Customers run through the daily run (aging, letters, interest, write-off proposals) on business-day ticks.', registers }),
    businessDate: new Gauge({ name: 'creditstream_collections_business_date_seconds', help: 'Latest business date per partition, as a Unix timestamp.', labelNames: ['partition'], registers }),
    policy: new Gauge({ name: 'creditstream_collections_policy_info', help: 'The collection policy version in force per partition (value 1).', labelNames: ['partition', 'version'], registers }),
  };
}

const SNAKE: Record<string, string> = {
  CollectionStarted: 'collection_started',
  CollectionLetterIssued: 'letter',
  InterestNoteIssued: 'interest_note',
  WriteOffProposed: 'write_off_proposed',
  PromiseToPayRecorded: 'promise_recorded',
  PromiseKept: 'promise_kept',
  PromiseBroken: 'promise_broken',
  CollectionFeeCharged: 'fee',
  InterestNoteStatusChanged: 'interest_status',
  WriteOffApprovalRecorded: 'write_off_approval',
  WriteOffApproved: 'write_off_approved',
  CollectionCommandRefused: 'command_refused',
  DisputeRecorded: 'dispute',
  InvoiceWrittenOff: 'invoice_written_off',
  AccountStatusChanged: 'account_blocked',
};

/** The `action` label of an output event type. */
export function actionLabel(type: string): string {
  return SNAKE[type] ?? 'other';
}
