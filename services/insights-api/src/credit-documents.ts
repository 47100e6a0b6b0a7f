import type { InboundMessage } from '@creditstream/kafka';
import type { CreditRuleSetPublishedEvent, CreditWhatIfReported, CreditWhatIfReportedEvent } from '@creditstream/schemas';
import type { Store } from '@creditstream/store';
import { API_COLLECTIONS } from './tokens';

/** A published credit rule set version, as the API lists it. */
export interface RuleSetVersion {
  version: string;
  sha256: string;
  /** Business time from which it applies (the publication's event time). */
  effectiveAt: string;
  publishedBy: string;
  /** Rules in the document (null when the document is not JSON: the credit service refuses such a publication). */
  ruleCount: number | null;
  /** Partitions of the rules topic the publication was seen on (it is written to every partition). */
  partitions: number[];
}

interface RuleSetDocument extends RuleSetVersion {
  _id: string;
  /** The rule set as published (JSON text). */
  document: string;
}

/** A what-if report, as the API serves it: the event's payload with its business time. */
export type WhatIfReport = CreditWhatIfReported & { eventTime: string };

interface WhatIfDocument extends WhatIfReport {
  _id: string;
}

function ruleCount(document: string): number | null {
  try {
    const rules = (JSON.parse(document) as { rules?: unknown }).rules;
    return Array.isArray(rules) ? rules.length : 0;
  } catch {
    return null;
  }
}

/**
 * The API's own record of the credit rule sets published (the compacted rules topic keeps only the latest per
 * partition, so the versions before it are kept here as the API saw them) and of the what-if reports
 * (`creditstream credit replay` publishes each one as an event). Both come from public topics; neither is a read
 * model of the credit service.
 */
export class CreditDocuments {
  constructor(private readonly store: Store) {}

  private get ruleSets() {
    return this.store.collection<RuleSetDocument>(API_COLLECTIONS.creditRuleSets);
  }

  private get whatIf() {
    return this.store.collection<WhatIfDocument>(API_COLLECTIONS.creditWhatIf);
  }

  /** Records the rule-set publications and what-if reports among the messages; idempotent (a redelivery changes nothing). */
  async apply(messages: readonly InboundMessage<{ type: string }>[], topics: { rules: string; whatIf: string }): Promise<void> {
    const rules = [];
    const reports = [];
    for (const m of messages) {
      if (m.topic === topics.rules && m.event.type === 'CreditRuleSetPublished') {
        const e = m.event as unknown as CreditRuleSetPublishedEvent;
        const p = e.payload;
        rules.push({
          updateOne: {
            filter: { _id: `${p.version}:${p.sha256}` },
            update: { $setOnInsert: { version: p.version, sha256: p.sha256, effectiveAt: e.eventTime, publishedBy: p.publishedBy, ruleCount: ruleCount(p.document), document: p.document }, $addToSet: { partitions: p.partition } },
            upsert: true,
          },
        });
      } else if (m.topic === topics.whatIf && m.event.type === 'CreditWhatIfReported') {
        const e = m.event as unknown as CreditWhatIfReportedEvent;
        reports.push({ replaceOne: { filter: { _id: e.payload.reportId }, replacement: { _id: e.payload.reportId, ...e.payload, eventTime: e.eventTime }, upsert: true } });
      }
    }
    if (rules.length > 0) await this.ruleSets.bulkWrite(rules as never, { ordered: true });
    if (reports.length > 0) await this.whatIf.bulkWrite(reports as never, { ordered: false });
  }

  /** Every version, latest effective first (then by version). */
  async listRuleSets(): Promise<RuleSetVersion[]> {
    const docs = await this.ruleSets.find({}, { projection: { document: 0 } }).sort({ effectiveAt: -1, version: -1 }).toArray();
    return docs.map(({ _id, ...rest }) => ({ ...rest, partitions: [...rest.partitions].sort((a, b) => a - b) }));
  }

  /** One version with its document; when it was published more than once (changed), the latest. */
  async ruleSet(version: string): Promise<(RuleSetVersion & { document: unknown }) | null> {
    const doc = await this.ruleSets.find({ version }).sort({ effectiveAt: -1 }).limit(1).next();
    if (doc === null) return null;
    const { _id, document, ...rest } = doc;
    let parsed: unknown;
    try {
      parsed = JSON.parse(document);
    } catch {
      parsed = document;
    }
    return { ...rest, partitions: [...rest.partitions].sort((a, b) => a - b), document: parsed };
  }

  /** What-if reports, latest run first, without their order-level differences. */
  async listWhatIf(limit: number, before?: { ranAt: string; reportId: string }): Promise<Omit<WhatIfReport, 'differences'>[]> {
    const filter = before === undefined ? {} : { $or: [{ ranAt: { $lt: before.ranAt } }, { ranAt: before.ranAt, _id: { $lt: before.reportId } }] };
    const docs = await this.whatIf.find(filter, { projection: { differences: 0 } }).sort({ ranAt: -1, _id: -1 }).limit(limit).toArray();
    return docs.map(({ _id, ...rest }) => rest);
  }

  async countWhatIf(): Promise<number> {
    return this.whatIf.countDocuments({});
  }

  async whatIfReport(reportId: string): Promise<WhatIfReport | null> {
    const doc = await this.whatIf.findOne({ _id: reportId });
    if (doc === null) return null;
    const { _id, ...rest } = doc;
    return rest;
  }
}
