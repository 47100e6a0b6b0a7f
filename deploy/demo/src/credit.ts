import { CreditReader } from '@creditstream/credit-service';
import { minorUnitDigits } from '@creditstream/schemas';
import { openStore } from '@creditstream/store';

function money(minor: number, currency: string): string {
  const digits = minorUnitDigits(currency);
  return `${(minor / 10 ** digits).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })} ${currency}`;
}

/** A few orders on the credit service's hold list with their reasons (latest first), from its read model. */
export async function heldOrderLines(uri: string, database: string, count: number): Promise<string[]> {
  const store = await openStore({ uri, database, appName: 'creditstream-demo' });
  try {
    const holds = await new CreditReader(store).holds();
    const lines = [`held orders (credit-service hold list, ${database}.credit_state: ${holds.length.toLocaleString('en-US')} on hold now; the latest):`];
    if (holds.length === 0) lines.push('  none: every order placed so far was approved');
    for (const h of holds.slice(0, count)) {
      lines.push(`  ${h.heldAt.slice(0, 10)} ${h.customerId} ${h.orderId} ${money(h.amountMinor, h.currency)}${h.forced ? ' (forced hold)' : ''}:`);
      for (const r of h.rules) lines.push(`      ${r.ruleType.padEnd(24)} ${r.message}`);
    }
    return lines;
  } finally {
    await store.close();
  }
}
