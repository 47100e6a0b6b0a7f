import { randomUUID } from 'node:crypto';
import { statementHtml, statementPdf, type Statement } from '@creditstream/collections-service';
import { CLASSES, ModelRegistry, renderReport, UnknownModelVersionError, type ModelVersionSummary } from '@creditstream/model';
import { TOPIC } from '@creditstream/schemas';
import type { Handler, HandlerContext, Reply } from './app';
import { CommandBus, type CommandRecord } from './commands';
import { ApiProblem } from './errors';
import { compareKeys, type SortKey } from './pagination';
import type { Hold, OpenInvoice, Snapshot } from './read-models';
import type { Principal } from './tokens';
import type { CreditDocuments } from './credit-documents';
import type { InterestNote, Letter } from './collections-documents';
import { decodeCursor, encodeCursor, paginate } from './pagination';

export interface HandlerDependencies {
  /** The collections service's stored month-end statements of a customer (read on demand). */
  statements: (customerId: string) => Promise<{ asOf: string; statement: Statement }[]>;
  snapshot: () => Snapshot;
  registry: () => ModelRegistry;
  commands: () => CommandBus;
  /**
   * Publishes a model version as a command (registry + model-published event naming the command, as `creditstream
   * model publish` does), recorded in the audit trail with its outcome.
   * @throws UnknownModelVersionError when the version is not registered (nothing is recorded)
   */
  publishModel: (version: string, principal: Principal) => Promise<CommandRecord>;
  /** Credit rule set versions and what-if reports (the API's own record of the public topics). */
  credit: () => CreditDocuments;
  pageLimit: number;
}

const ok = (body: unknown): Reply => ({ status: 200, body });
const limitOf = (ctx: HandlerContext, d: HandlerDependencies) => (ctx.query.limit as number | undefined) ?? d.pageLimit;
const cursorOf = (ctx: HandlerContext) => ctx.query.cursor as string | undefined;

function notFound(what: string): never {
  throw new ApiProblem('NOT_FOUND', what);
}

function modelSummary(v: ModelVersionSummary, active: string | null): Record<string, unknown> {
  return { ...v, active: v.version === active };
}

function commandView(r: CommandRecord): Record<string, unknown> {
  const { _id, ...rest } = r;
  return rest;
}

/** Latest first by the key's first element (a date), then the rest ascending. */
const latestFirst = (a: SortKey, b: SortKey) => compareKeys([b[0] as string], [a[0] as string]) || compareKeys(a.slice(1), b.slice(1));

/** The handler of every operation of the document, by operationId. */
export function createHandlers(d: HandlerDependencies): Record<string, Handler> {
  const invoiceKey = (i: OpenInvoice) => [i.customerId, i.invoiceId];
  const credit = (type: string, fields: (ctx: HandlerContext) => Record<string, unknown>): Handler => async (ctx) => {
    const record = await d.commands().dispatch(ctx.principal, TOPIC.creditCommands, type, ctx.path.customerId as string, fields(ctx));
    return { status: 202, body: { commandId: record.commandId, status: 'accepted', topic: record.topic } };
  };
  const collections = (type: string, fields: (ctx: HandlerContext) => Record<string, unknown>): Handler => async (ctx) => {
    const record = await d.commands().dispatch(ctx.principal, TOPIC.collectionCommands, type, ctx.path.customerId as string, fields(ctx));
    return { status: 202, body: { commandId: record.commandId, status: 'accepted', topic: record.topic } };
  };
  const body = (ctx: HandlerContext) => ctx.body;
  return {
    getMe: async (ctx) => ok(ctx.principal),

    listCustomers: async (ctx) => {
      const s = d.snapshot();
      const q = (ctx.query.q as string | undefined)?.toLowerCase();
      const { segment, highLateBalance, atRiskMin, blocked } = ctx.query as { segment?: string; highLateBalance?: boolean; atRiskMin?: number; blocked?: boolean };
      const items = s.customers.filter(
        (c) =>
          (q === undefined || c.customerId.toLowerCase().includes(q) || (c.name ?? '').toLowerCase().includes(q)) &&
          (segment === undefined || c.segment === segment) &&
          (highLateBalance === undefined || c.highLateBalance === highLateBalance) &&
          (atRiskMin === undefined || c.atRiskInvoiceCount >= atRiskMin) &&
          (blocked === undefined || (c.accountStatus !== 'ACTIVE') === blocked),
      );
      return ok(paginate(items, (c) => [c.customerId], ['string'], { cursor: cursorOf(ctx), limit: limitOf(ctx, d) }));
    },

    getCustomer: async (ctx) => ok(d.snapshot().details.get(ctx.path.customerId as string) ?? notFound(`no customer ${JSON.stringify(ctx.path.customerId)}`)),

    getCustomerExpectedPayments: async (ctx) => {
      const c = d.snapshot().details.get(ctx.path.customerId as string) ?? notFound(`no customer ${JSON.stringify(ctx.path.customerId)}`);
      return ok(c.expectedPayments ?? notFound(`customer ${JSON.stringify(c.customerId)} has no currency yet (not registered)`));
    },

    listInvoices: async (ctx) => {
      const s = d.snapshot();
      const { customerId, bucket, atRisk } = ctx.query as { customerId?: string; bucket?: string; atRisk?: boolean };
      const source = customerId === undefined ? s.invoices : (s.details.get(customerId)?.openInvoices ?? []);
      const items = source.filter((i) => (bucket === undefined || i.prediction?.bucket === bucket) && (atRisk === undefined || (i.prediction?.atRisk ?? false) === atRisk));
      return ok(paginate(items, invoiceKey, ['string', 'string'], { cursor: cursorOf(ctx), limit: limitOf(ctx, d) }));
    },

    listAtRiskInvoices: async (ctx) => {
      const items = d.snapshot().atRisk;
      return ok(paginate(items, (i) => [i.prediction?.pOnTime ?? 1, i.customerId, i.invoiceId], ['number', 'string', 'string'], { cursor: cursorOf(ctx), limit: limitOf(ctx, d) }));
    },

    getExpectedPayments: async () => {
      const s = d.snapshot();
      return ok({ businessDate: s.businessDate, currencies: s.expectedPayments });
    },

    listModels: async () => {
      const registry = d.registry();
      const [versions, active] = await Promise.all([registry.list(), registry.latestPublication()]);
      return ok({ active, versions: versions.map((v) => modelSummary(v, active?.version ?? null)) });
    },

    getModel: async (ctx) => {
      const registry = d.registry();
      const version = ctx.path.version as string;
      const v = (await registry.list()).find((m) => m.version === version) ?? notFound(`no model version ${JSON.stringify(version)}`);
      return ok(modelSummary(v, (await registry.latestPublication())?.version ?? null));
    },

    getModelReport: async (ctx) => {
      try {
        return { status: 200, body: renderReport(await d.registry().get(ctx.path.version as string)), contentType: 'text/html' };
      } catch (err) {
        if (err instanceof UnknownModelVersionError) notFound(err.message);
        throw err;
      }
    },

    getModelCharts: async (ctx) => {
      let m;
      try {
        m = await d.registry().get(ctx.path.version as string);
      } catch (err) {
        if (err instanceof UnknownModelVersionError) notFound(err.message);
        throw err;
      }
      const finite = (x: number) => Number.isFinite(x);
      return ok({
        classes: [...CLASSES],
        importance: [...m.importance].sort((a, b) => b.meanAbsShap - a.meanAbsShap).slice(0, 20).map((f) => ({ feature: f.feature, meanAbsShap: f.meanAbsShap, gain: f.gain })),
        reliability: (m.reliability?.confidence ?? []).filter((b) => b.count > 0 && finite(b.meanPredicted) && finite(b.observed)).map((b) => ({ meanPredicted: b.meanPredicted, observed: b.observed, count: b.count })),
        evalHistory: Object.fromEntries(Object.entries(m.evalHistory ?? {}).map(([k, v]) => [k, v.filter(finite)])),
        confusion: m.metrics?.confusion ?? null,
      });
    },

    publishModel: async (ctx) => {
      try {
        const record = await d.publishModel(ctx.path.version as string, ctx.principal);
        return { status: 202, body: { commandId: record.commandId, status: 'accepted', topic: record.topic } };
      } catch (err) {
        if (err instanceof UnknownModelVersionError) notFound(err.message);
        throw err;
      }
    },

    listCommands: async (ctx) => {
      const limit = limitOf(ctx, d);
      const cursor = cursorOf(ctx);
      const before = cursor === undefined ? undefined : decodeCursor(cursor, ['string', 'string']);
      const records = await d.commands().list(limit + 1, before ? { acceptedAt: before[0] as string, commandId: before[1] as string } : undefined);
      const items = records.slice(0, limit);
      const last = items[items.length - 1];
      return ok({ items: items.map(commandView), nextCursor: records.length > limit && last ? encodeCursor([last.acceptedAt, last.commandId]) : null, total: items.length });
    },

    getCollectionsWorklist: async (ctx) => {
      const segment = ctx.query.segment as string | undefined;
      const items = d.snapshot().worklist.filter((r) => segment === undefined || r.segment === segment);
      return ok(paginate(items, (r) => [r.rank], ['number'], { cursor: cursorOf(ctx), limit: limitOf(ctx, d) }));
    },
    listStatements: async (ctx) => {
      const c = ctx.path.customerId as string;
      const base = `/api/collections/customers/${encodeURIComponent(c)}/statements`;
      return ok((await d.statements(c)).map((s) => ({ asOf: s.asOf, html: `${base}/${s.asOf}`, pdf: `${base}/${s.asOf}?format=pdf` })));
    },
    getStatement: async (ctx) => {
      const s = (await d.statements(ctx.path.customerId as string)).find((x) => x.asOf === ctx.path.asOf) ?? notFound(`no statement of customer ${JSON.stringify(ctx.path.customerId)} as of ${ctx.path.asOf}`);
      return ctx.query.format === 'pdf' ? { status: 200, body: await statementPdf(s.statement), contentType: 'application/pdf' } : { status: 200, body: statementHtml(s.statement), contentType: 'text/html' };
    },
    recordPromiseToPay: collections('PromiseToPay', (ctx) => ({ invoiceIds: body(ctx).invoiceIds, amountMinor: body(ctx).amountMinor, currency: body(ctx).currency, promisedDate: body(ctx).promisedDate })),
    waiveInterest: collections('WaiveInterest', (ctx) => ({ noteId: ctx.path.noteId, reason: body(ctx).reason })),
    reinstateInterest: collections('ReinstateInterest', (ctx) => ({ noteId: ctx.path.noteId, reason: body(ctx).reason })),
    reverseInterest: collections('ReverseInterest', (ctx) => ({ noteId: ctx.path.noteId, reason: body(ctx).reason })),
    approveWriteOff: collections('ApproveWriteOff', (ctx) => ({ proposalId: ctx.path.proposalId, reason: body(ctx).reason })),
    openDispute: collections('OpenDispute', (ctx) => ({ invoiceId: body(ctx).invoiceId, amountMinor: body(ctx).amountMinor, currency: body(ctx).currency, reason: body(ctx).reason })),
    resolveDispute: collections('ResolveDispute', (ctx) => ({ invoiceId: body(ctx).invoiceId, disputeId: ctx.path.disputeId, outcome: body(ctx).outcome, creditedMinor: body(ctx).creditedMinor, currency: body(ctx).currency, reason: body(ctx).reason })),

    listCollectionLetters: async (ctx) => {
      const { customerId, level } = ctx.query as { customerId?: string; level?: number };
      const items = d.snapshot().letters.filter((l) => (customerId === undefined || l.customerId === customerId) && (level === undefined || l.level === level));
      return ok(paginate(items, (l: Letter) => [l.businessDate, l.customerId, l.letterId], ['string', 'string', 'string'], { cursor: cursorOf(ctx), limit: limitOf(ctx, d) }, latestFirst));
    },
    listInterestNotes: async (ctx) => {
      const { customerId, status } = ctx.query as { customerId?: string; status?: string };
      const items = d.snapshot().interestNotes.filter((n) => (customerId === undefined || n.customerId === customerId) && (status === undefined || n.status === status));
      return ok(paginate(items, (n: InterestNote) => [n.businessDate, n.customerId, n.noteId], ['string', 'string', 'string'], { cursor: cursorOf(ctx), limit: limitOf(ctx, d) }, latestFirst));
    },

    listCreditRuleSets: async (ctx) => {
      const items = await d.credit().listRuleSets();
      return ok(paginate(items, (r) => [r.effectiveAt, r.version, r.sha256], ['string', 'string', 'string'], { cursor: cursorOf(ctx), limit: limitOf(ctx, d) }, (a, b) => compareKeys([b[0] as string, b[1] as string], [a[0] as string, a[1] as string]) || compareKeys(a.slice(2), b.slice(2))));
    },
    getCreditRuleSet: async (ctx) => ok((await d.credit().ruleSet(ctx.path.ruleSetVersion as string)) ?? notFound(`no credit rule set version ${JSON.stringify(ctx.path.ruleSetVersion)} was published`)),
    listWhatIfReports: async (ctx) => {
      const limit = limitOf(ctx, d);
      const cursor = cursorOf(ctx);
      const before = cursor === undefined ? undefined : decodeCursor(cursor, ['string', 'string']);
      const reports = await d.credit().listWhatIf(limit + 1, before ? { ranAt: before[0] as string, reportId: before[1] as string } : undefined);
      const items = reports.slice(0, limit);
      const last = items[items.length - 1];
      return ok({ items, nextCursor: reports.length > limit && last ? encodeCursor([last.ranAt, last.reportId]) : null, total: await d.credit().countWhatIf() });
    },
    getWhatIfReport: async (ctx) => ok((await d.credit().whatIfReport(ctx.path.reportId as string)) ?? notFound(`no what-if report ${JSON.stringify(ctx.path.reportId)}`)),

    listCreditHolds: async (ctx) => {
      const customerId = ctx.query.customerId as string | undefined;
      const items = d.snapshot().holds.filter((h) => customerId === undefined || h.customerId === customerId);
      // Latest first: heldAt descending, then customer and order ascending (the snapshot's order).
      const byHeld = (a: SortKey, b: SortKey) => compareKeys([b[0] as string], [a[0] as string]) || compareKeys(a.slice(1), b.slice(1));
      return ok(paginate(items, (h: Hold) => [h.heldAt, h.customerId, h.orderId], ['string', 'string', 'string'], { cursor: cursorOf(ctx), limit: limitOf(ctx, d) }, byHeld));
    },

    getCommand: async (ctx) => ok(commandView((await d.commands().get(ctx.path.commandId as string)) ?? notFound(`no command ${JSON.stringify(ctx.path.commandId)}`))),

    releaseCreditHold: credit('ReleaseCreditHold', (ctx) => ({ orderId: ctx.path.orderId, recheck: body(ctx).recheck ?? false, reason: body(ctx).reason, reviewDate: body(ctx).reviewDate ?? null })),
    rejectCreditHold: credit('RejectCreditHold', (ctx) => ({ orderId: ctx.path.orderId, reason: body(ctx).reason })),
    placeCreditHold: credit('PlaceCreditHold', (ctx) => ({ orderId: ctx.path.orderId, reason: body(ctx).reason })),
    requestCreditLimitAdjustment: credit('RequestCreditLimitAdjustment', (ctx) => {
      const b = body(ctx);
      return {
        adjustmentId: randomUUID(),
        changeMinor: b.changeMinor ?? null,
        changePercent: b.changePercent ?? null,
        currency: b.currency,
        temporary: b.temporary ?? false,
        expiresOn: b.expiresOn ?? null,
        reason: b.reason,
      };
    }),
    approveCreditLimitAdjustment: credit('ApproveCreditLimitAdjustment', (ctx) => ({ adjustmentId: ctx.path.adjustmentId })),
    blockAccount: credit('BlockAccount', (ctx) => ({ reason: body(ctx).reason })),
    closeAccount: credit('CloseAccount', (ctx) => ({ reason: body(ctx).reason })),
    reactivateAccount: credit('ReactivateAccount', (ctx) => ({ reason: body(ctx).reason })),
  };
}
