import { CollectionsReader, money, type LoggedAction } from '@creditstream/collections-service';
import type { CollectionLetterIssued, CollectionStarted, InterestNoteIssued } from '@creditstream/schemas';
import { openStore } from '@creditstream/store';

const payload = <T>(a: LoggedAction) => (a.event as { payload: T }).payload;

/**
 * What the collections service did during the replay, from its actions log: how many letters, interest notes and
 * prediction-driven starts, and a few of each (the latest).
 */
export async function collectionsLines(uri: string, database: string, count: number): Promise<string[]> {
  const store = await openStore({ uri, database, appName: 'creditstream-demo' });
  try {
    const actions = await new CollectionsReader(store).actions();
    const letters = actions.filter((a) => a.type === 'CollectionLetterIssued');
    const notes = actions.filter((a) => a.type === 'InterestNoteIssued');
    const early = actions.filter((a) => a.type === 'CollectionStarted' && payload<CollectionStarted>(a).trigger === 'PREDICTION');
    const lines = [`collections (collections-service, ${database}.collections_actions): ${letters.length.toLocaleString('en-US')} letters, ${notes.length.toLocaleString('en-US')} interest notes, ${early.length.toLocaleString('en-US')} prediction-driven starts so far; the latest:`];
    for (const a of letters.slice(-count)) {
      const p = payload<CollectionLetterIssued>(a);
      lines.push(`  ${p.businessDate} ${a.customerId} letter level ${p.level} (${p.sequenceId}): ${p.invoiceIds.length} invoice(s), ${money(p.overdueMinor)} ${p.currency} overdue, fee ${money(p.feeMinor)}${p.blocksAccount ? ', blocks the account' : ''} [policy ${p.policyVersion}]`);
    }
    const note = notes[notes.length - 1];
    if (note) {
      const p = payload<InterestNoteIssued>(note);
      lines.push(`  ${p.businessDate} ${note.customerId} interest note for the period to ${p.periodEnd}: ${money(p.totalInterestMinor)} ${p.currency} on ${new Set(p.lines.map((l) => l.invoiceId)).size} invoice(s) (${p.lines.map((l) => `${l.daysCharged} d at ${(l.rateBasisPoints / 1200).toFixed(2)} %/month on ${money(l.overdueMinor)}`).join('; ')})`);
    } else lines.push('  no interest note yet (notes are issued at the first business day of a month)');
    const start = early[early.length - 1];
    if (start) {
      const p = payload<CollectionStarted>(start);
      lines.push(`  ${p.businessDate} ${start.customerId} collection started before the due date: ${p.invoiceIds.join(', ')} ${money(p.amountMinor)} ${p.currency}, P(on time) ${p.pOnTime?.toFixed(2)} [model ${p.modelVersion}; ${p.topFactors.map((f) => f.feature).join(', ')}]`);
    } else lines.push('  no prediction-driven start yet (it needs a prediction with P(on time) below the threshold before an invoice is due)');
    return lines;
  } finally {
    await store.close();
  }
}
