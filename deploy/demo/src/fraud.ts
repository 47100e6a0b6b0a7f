import { FraudReader } from '@creditstream/fraud-service';
import { openStore } from '@creditstream/store';

/** What the fraud service checked, and the customers whose latest check asks for a review, from its read model. */
export async function fraudLines(uri: string, database: string, count: number): Promise<string[]> {
  const store = await openStore({ uri, database, appName: 'creditstream-demo' });
  try {
    const customers = [...(await new FraudReader(store).customers()).values()];
    const checks = customers.reduce((n, c) => n + c.checks, 0);
    const reviews = customers.reduce((n, c) => n + c.reviews, 0);
    const lines = [`fraud checks (fraud-service, ${database}.fraud_state): ${checks.toLocaleString('en-US')} orders checked, ${reviews.toLocaleString('en-US')} sent to review (${checks === 0 ? '0' : ((reviews / checks) * 100).toFixed(1)}%); a review holds the order through its credit decision (FRAUD_REVIEW)`];
    const latest = customers.filter((c) => c.lastCheck?.outcome === 'REVIEW').sort((a, b) => (b.lastCheck?.at ?? '').localeCompare(a.lastCheck?.at ?? ''));
    for (const c of latest.slice(0, count)) lines.push(`  ${c.lastCheck?.at.slice(0, 10)} ${c.customerId} ${c.lastCheck?.orderId}: score ${c.lastCheck?.score} (rule set ${c.lastCheck?.ruleSetVersion}); its reasons are on the fraud checks topic`);
    return lines;
  } finally {
    await store.close();
  }
}
