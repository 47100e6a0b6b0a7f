import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectionSpec, loadConfig } from '@creditstream/config';
import { buildStatement, CollectionsReader, statementHtml, statementPdf, UnknownCustomerError } from '@creditstream/collections-service';
import { isDate } from '@creditstream/features';
import { openStore } from '@creditstream/store';
import { CliOptionError } from '../errors';
import type { Io } from '../io';

const spec = { MONGODB_URI: connectionSpec.MONGODB_URI, MONGODB_DATABASE: connectionSpec.MONGODB_DATABASE };

/**
 * `creditstream collections statement CUSTOMER --as-of DATE [--out-dir DIR]`: the customer's account statement
 * (open items and aging as of the date; payments, letters, interest and fees of its month) from the collections
 * service's committed state, written as HTML and PDF.
 */
export async function runCollectionsStatement(customerId: string, o: { asOf: string; outDir: string }, io: Io, environment: Record<string, string | undefined> = process.env): Promise<{ html: string; pdf: string }> {
  if (!isDate(o.asOf)) throw new CliOptionError('as-of', `--as-of ${JSON.stringify(o.asOf)} is not a date YYYY-MM-DD`);
  const config = loadConfig(spec, environment);
  const mongo = await openStore({ uri: config.MONGODB_URI, database: config.MONGODB_DATABASE });
  try {
    const reader = new CollectionsReader(mongo);
    const found = await reader.customer(customerId);
    if (found === null) throw new UnknownCustomerError(customerId);
    const statement = buildStatement(found.value.fold, await reader.actions(customerId), o.asOf, found.policy);
    const base = join(o.outDir, `statement-${customerId.replace(/[^A-Za-z0-9_-]/g, '_')}-${o.asOf}`);
    const html = `${base}.html`;
    const pdf = `${base}.pdf`;
    writeFileSync(html, statementHtml(statement));
    writeFileSync(pdf, await statementPdf(statement));
    io.out(`statement of ${customerId} as of ${o.asOf}: ${statement.items.length} open item(s), ${statement.letters.length} letter(s), ${statement.interest.length} interest note(s) in the period -> ${html}, ${pdf}`);
    return { html, pdf };
  } finally {
    await mongo.close();
  }
}

/** `creditstream collections worklist [--segment S] [--limit N]`. */
export async function runCollectionsWorklist(o: { segment?: string; limit: number }, io: Io, environment: Record<string, string | undefined> = process.env): Promise<void> {
  const config = loadConfig(spec, environment);
  const mongo = await openStore({ uri: config.MONGODB_URI, database: config.MONGODB_DATABASE });
  try {
    const rows = await new CollectionsReader(mongo).worklist(o.segment === undefined ? { limit: o.limit } : { segment: o.segment, limit: o.limit });
    io.out(`${'rank'.padEnd(5)}${'customer'.padEnd(12)}${'segment'.padEnd(14)}${'exp. late'.padStart(14)}${'overdue'.padStart(14)} next action`);
    for (const r of rows) io.out(`${String(r.rank).padEnd(5)}${r.customerId.padEnd(12)}${(r.segment ?? '').padEnd(14)}${(r.expectedLateTotalMinor / 100).toFixed(2).padStart(14)}${(r.overdueMinor / 100).toFixed(2).padStart(14)} ${r.nextAction ? `${r.nextAction.action} on ${r.nextAction.on}` : '-'}`);
  } finally {
    await mongo.close();
  }
}
