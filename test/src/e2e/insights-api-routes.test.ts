import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { runApiTokenCreate, runCreditReplay, runCreditRulesPublish, runModelTrain } from '@creditstream/cli';
import { COLLECTIONS_INPUTS, createCollectionsService, loadCollectionsServiceConfig, type CollectionsService } from '@creditstream/collections-service';
import { createCreditService, CREDIT_INPUTS, loadCreditServiceConfig, type CreditService } from '@creditstream/credit-service';
import { createFeatureService, FEATURE_INPUTS, loadFeatureServiceConfig, type FeatureService } from '@creditstream/feature-service';
import { createInsightsApi, loadInsightsApiConfig, type InsightsApi } from '@creditstream/insights-api';
import { type Kafka } from '@creditstream/kafka';
import { SchemaCodec } from '@creditstream/schema';
import { createScoringService, loadScoringServiceConfig, type ScoringService } from '@creditstream/scoring-service';
import { TOPIC, type CollectionActionEnvelope, type ModelEnvelope } from '@creditstream/schemas';
import { REPO_ROOT, uniqueName, waitFor } from '@creditstream/testing';
import { quietIo, readTopic, simulateInto, waitCaughtUp, stackClients } from './pipeline';

const ARTIFACTS = process.env.CREDITSTREAM_TEST_ARTIFACTS ?? join(REPO_ROOT, 'test', 'artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface Page<T> {
  items: T[];
  nextCursor: string | null;
  total: number;
}
interface Command {
  commandId: string;
  type: string;
  actor: string;
  status: 'accepted' | 'effected' | 'refused';
  outcome: { eventId: string; type: string; reasonCode: string | null; message: string | null } | null;
}

describe('insights API: collections lists, dispute commands, credit rule sets and what-if reports, model publish as a command (real stack)', function () {
  let kafka: Kafka;
  let codec: SchemaCodec;

  before(() => ({ kafka, codec } = stackClients()));

  it('lists what the collections service issued, carries out and refuses disputes, shows the rule sets and what-if reports published, publishes a model through the audited command path, and the dashboard draws the report\'s Chart.js charts', async function () {
    this.timeout(400_000);
    const prefix = `${uniqueName('apir')}.`;
    const topic = (t: string) => `${prefix}${t}`;
    const database = uniqueName('apir').replace(/[-.]/g, '_');
    await simulateInto(prefix, { seed: 31, customers: 20, days: 150 });
    const env = { ...process.env, MONGODB_DATABASE: database, HTTP_PORT: '0', CREDITSTREAM_TOPIC_PREFIX: prefix };
    const groups = { feature: uniqueName('feature-service'), scoring: uniqueName('scoring-service'), credit: uniqueName('credit-service'), collections: uniqueName('collections-service') };
    const features: FeatureService = createFeatureService({ config: loadFeatureServiceConfig({ ...env, FEATURE_SERVICE_GROUP_ID: groups.feature }), topicPrefix: prefix });
    const scoring: ScoringService = createScoringService({ config: loadScoringServiceConfig({ ...env, SCORING_SERVICE_GROUP_ID: groups.scoring }), topicPrefix: prefix });
    const credit: CreditService = createCreditService({ config: loadCreditServiceConfig({ ...env, CREDIT_SERVICE_GROUP_ID: groups.credit, CREDIT_SERVICE_COMMIT_INTERVAL_MS: '200', CREDIT_FRAUD_CHECKS: 'off' }), topicPrefix: prefix });
    const collections: CollectionsService = createCollectionsService({ config: loadCollectionsServiceConfig({ ...env, COLLECTIONS_SERVICE_GROUP_ID: groups.collections, COLLECTIONS_SERVICE_COMMIT_INTERVAL_MS: '200' }), topicPrefix: prefix });
    const api: InsightsApi = createInsightsApi({ config: loadInsightsApiConfig({ ...env, INSIGHTS_API_GROUP_ID: uniqueName('insights-api'), INSIGHTS_API_REFRESH_MS: '200', INSIGHTS_API_VALIDATE_RESPONSES: 'true' }), topicPrefix: prefix });
    for (const s of [features, scoring, credit, collections, api]) await s.start();
    let browser: BrowserContext | null = null;
    const work = mkdtempSync(join(tmpdir(), 'creditstream-apir-'));
    try {
      await waitCaughtUp(kafka, groups.feature, FEATURE_INPUTS.map(topic), 180_000);
      await waitCaughtUp(kafka, groups.scoring, [topic(TOPIC.featuresChanged)], 180_000);
      await waitCaughtUp(kafka, groups.credit, CREDIT_INPUTS.map(topic), 180_000);
      await waitCaughtUp(kafka, groups.collections, COLLECTIONS_INPUTS.map(([t]) => topic(t)), 180_000);
      const tokenEnv = { ...process.env, MONGODB_DATABASE: database };
      const viewer = (await runApiTokenCreate({ role: 'viewer', name: 'e2e viewer' }, quietIo, tokenEnv)).token;
      const collector = (await runApiTokenCreate({ role: 'collector', name: 'e2e collector' }, quietIo, tokenEnv)).token;
      const admin = (await runApiTokenCreate({ role: 'admin', name: 'e2e admin' }, quietIo, tokenEnv)).token;
      const get = async <T>(path: string, token = viewer) => {
        const res = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
        return { status: res.status, body: (await res.json()) as T };
      };
      const post = async <T>(path: string, token: string, body: unknown) => {
        const res = await fetch(`${api.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        return { status: res.status, body: (await res.json()) as T };
      };
      const all = async <T>(path: string): Promise<T[]> => {
        const out: T[] = [];
        let cursor: string | null = null;
        do {
          const sep = path.includes('?') ? '&' : '?';
          const page: { status: number; body: Page<T> } = await get<Page<T>>(`${path}${sep}limit=7${cursor ? `&cursor=${cursor}` : ''}`);
          assert.equal(page.status, 200, JSON.stringify(page.body));
          out.push(...page.body.items);
          cursor = page.body.nextCursor;
        } while (cursor);
        return out;
      };
      const outcome = (commandId: string) => waitFor(`the outcome of command ${commandId}`, async () => {
        const c = (await get<Command>(`/api/commands/${commandId}`)).body;
        return c.status === 'accepted' ? undefined : c;
      }, { timeoutMs: 60_000 });

      // Letters and interest notes: every one the collections service produced, page by page, from its read model.
      const actions = (await readTopic<CollectionActionEnvelope>(kafka, codec, topic(TOPIC.collectionActions))).map((m) => m.event);
      const letterIds = actions.filter((a) => a.type === 'CollectionLetterIssued').map((a) => (a.payload as { letterId: string }).letterId).sort();
      const noteIds = actions.filter((a) => a.type === 'InterestNoteIssued').map((a) => (a.payload as { noteId: string }).noteId).sort();
      assert.ok(letterIds.length > 0 && noteIds.length > 0, `the history produced letters (${letterIds.length}) and interest notes (${noteIds.length})`);
      await waitFor('the API listing every letter', async () => ((await get<Page<unknown>>('/api/collections/letters?limit=1')).body.total === letterIds.length ? true : undefined), { timeoutMs: 60_000 });
      const letters = await all<{ letterId: string; customerId: string; businessDate: string }>('/api/collections/letters');
      assert.deepEqual(letters.map((l) => l.letterId).sort(), letterIds);
      assert.deepEqual(letters.map((l) => l.businessDate), [...letters.map((l) => l.businessDate)].sort().reverse(), 'latest first');
      const someone = letters[0]?.customerId as string;
      assert.deepEqual((await all<{ customerId: string }>(`/api/collections/letters?customerId=${encodeURIComponent(someone)}`)).map((l) => l.customerId), letters.filter((l) => l.customerId === someone).map(() => someone));
      await waitFor('the API listing every interest note', async () => ((await get<Page<unknown>>('/api/collections/interest-notes?limit=1')).body.total === noteIds.length ? true : undefined), { timeoutMs: 60_000 });
      assert.deepEqual((await all<{ noteId: string; status: string }>('/api/collections/interest-notes')).map((n) => n.noteId).sort(), noteIds);

      // Disputes: opened and resolved through the collections service, folded by the feature service; a dispute of
      // more than is open is refused with the reason; a viewer may not send one.
      const invoices = await all<{ customerId: string; invoiceId: string; currency: string; openMinor: number; disputed: boolean }>('/api/invoices');
      const inv = invoices.find((i) => !i.disputed && i.openMinor > 1);
      assert.ok(inv, 'an open invoice to dispute');
      const path = `/api/collections/customers/${encodeURIComponent(inv.customerId)}/disputes`;
      assert.equal((await post(path, viewer, { invoiceId: inv.invoiceId, amountMinor: 1, currency: inv.currency, reason: 'x' })).status, 403);
      const tooMuch = await post<{ commandId: string }>(path, collector, { invoiceId: inv.invoiceId, amountMinor: inv.openMinor + 1, currency: inv.currency, reason: 'quantity' });
      assert.equal(tooMuch.status, 202);
      const refused = await outcome(tooMuch.body.commandId);
      assert.deepEqual([refused.status, refused.outcome?.type, refused.outcome?.reasonCode], ['refused', 'CollectionCommandRefused', 'INVALID_AMOUNT']);
      const opened = await post<{ commandId: string }>(path, collector, { invoiceId: inv.invoiceId, amountMinor: inv.openMinor, currency: inv.currency, reason: 'quantity' });
      const openedOutcome = await outcome(opened.body.commandId);
      assert.deepEqual([openedOutcome.status, openedOutcome.outcome?.type, openedOutcome.actor], ['effected', 'DisputeRecorded', 'e2e collector (collector)']);
      const disputeId = `${inv.customerId}:dispute:${opened.body.commandId}`;
      type Detail = { paymentHistory: { disputes: { disputeId: string; resolvedOn: string | null; outcome: string | null }[] } };
      await waitFor('the feature service folding the dispute (the customer page shows it open)', async () => ((await get<Detail>(`/api/customers/${encodeURIComponent(inv.customerId)}`)).body.paymentHistory.disputes.some((d) => d.disputeId === disputeId && d.resolvedOn === null) ? true : undefined), { timeoutMs: 60_000 });
      const resolved = await post<{ commandId: string }>(`${path}/${encodeURIComponent(disputeId)}/resolve`, collector, { invoiceId: inv.invoiceId, outcome: 'WITHDRAWN', creditedMinor: 0, currency: inv.currency, reason: 'customer withdrew' });
      assert.equal((await outcome(resolved.body.commandId)).status, 'effected');
      await waitFor('the dispute resolved on the customer page', async () => ((await get<Detail>(`/api/customers/${encodeURIComponent(inv.customerId)}`)).body.paymentHistory.disputes.find((d) => d.disputeId === disputeId)?.outcome === 'WITHDRAWN' ? true : undefined), { timeoutMs: 60_000 });

      // Credit rule sets: a published version is listed with its rules and the partitions it was seen on.
      const ruleFile = join(work, 'rules.json');
      const candidate = { version: 'api-e2e-1', rules: [{ id: 'any-order-over-1', type: 'order-amount', amountMinor: 100 }] };
      writeFileSync(ruleFile, JSON.stringify(candidate));
      const { partitions } = await runCreditRulesPublish(ruleFile, { by: 'e2e', effective: '2030-01-01T00:00:00Z' }, quietIo, env);
      const version = await waitFor('the API listing the rule set', async () => (await get<Page<{ version: string; ruleCount: number; partitions: number[]; publishedBy: string }>>('/api/credit/rule-sets')).body.items.find((r) => r.version === 'api-e2e-1' && r.partitions.length === partitions), { timeoutMs: 60_000 });
      assert.deepEqual([version.ruleCount, version.publishedBy], [1, 'e2e']);
      assert.deepEqual((await get<{ document: unknown }>('/api/credit/rule-sets/api-e2e-1')).body.document, candidate);
      assert.equal((await get('/api/credit/rule-sets/nope')).status, 404);

      // What-if: the CLI's replay publishes its report; the API serves it with the figures the CLI printed.
      const summary = await runCreditReplay({ rules: ruleFile, out: join(work, 'what-if'), by: 'e2e analyst' }, quietIo, env);
      assert.ok(summary.reportId);
      const report = await waitFor('the API serving the what-if report', async () => {
        const r = await get<{ ordersCompared: number; actualHeld: number; candidateHeld: number; differencesTotal: number; differences: unknown[]; ranBy: string }>(`/api/credit/what-if/${encodeURIComponent(summary.reportId as string)}`);
        return r.status === 200 ? r.body : undefined;
      }, { timeoutMs: 60_000 });
      assert.deepEqual([report.ordersCompared, report.actualHeld, report.candidateHeld, report.differencesTotal, report.differences.length, report.ranBy], [summary.report.orders, summary.report.actualHeld, summary.report.candidateHeld, summary.report.differences.length, Math.min(1000, summary.report.differences.length), 'e2e analyst']);
      assert.ok(report.candidateHeld > report.actualHeld, 'the strict candidate holds more orders');
      assert.deepEqual((await get<Page<{ reportId: string }>>('/api/credit/what-if')).body.items.map((r) => r.reportId), [summary.reportId]);

      // Publishing a model is a command: audited with its actor; the model-published event names it as its cause.
      await runModelTrain({ source: 'feature-log', seed: 1 }, quietIo, tokenEnv).catch((err: Error) => assert.match(err.message, /history|minimum|insufficient/i));
      const models = (await get<{ versions: { version: string }[] }>('/api/models')).body.versions;
      const modelVersion = models[models.length - 1]?.version as string;
      assert.ok(modelVersion, 'a registered version');
      assert.equal((await post(`/api/models/${modelVersion}/publish`, collector, {})).status, 403);
      const published = await post<{ commandId: string; status: string }>(`/api/models/${modelVersion}/publish`, admin, {});
      assert.deepEqual([published.status, published.body.status], [202, 'accepted']);
      const publication = await outcome(published.body.commandId);
      assert.deepEqual([publication.status, publication.type, publication.actor, publication.outcome?.type], ['effected', 'PublishModel', 'e2e admin (admin)', 'ModelPublished']);
      const active = (await get<{ active: { version: string; publishedBy: string } | null }>('/api/models')).body.active;
      assert.deepEqual(active && [active.version, active.publishedBy], [modelVersion, 'e2e admin (admin)']);
      const events = (await readTopic<ModelEnvelope>(kafka, codec, topic(TOPIC.modelsPublished))).map((m) => m.event);
      assert.deepEqual(events.map((e) => [e.eventId, e.causationId, e.payload.publishedBy]), [[publication.outcome?.eventId, `command:${published.body.commandId}`, 'e2e admin (admin)']]);

      // The dashboard frames the model report: its Chart.js charts are drawn there too (its scripts allowed by hash).
      const shots = join(ARTIFACTS, 'insights-api');
      mkdirSync(shots, { recursive: true });
      browser = await chromium.launchPersistentContext(join(work, 'profile'), { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 } });
      const page = browser.pages()[0] ?? (await browser.newPage());
      const pageErrors: string[] = [];
      page.on('pageerror', (err) => pageErrors.push(err.message));
      await page.goto(`${api.url}/#token=${encodeURIComponent(admin)}`);
      await page.locator('#who', { hasText: 'e2e admin · admin' }).waitFor();
      await page.goto(`${api.url}/#/models`);
      await page.click(`a[data-version="${modelVersion}"]`);
      const canvases = page.frameLocator('#report').locator('canvas[data-chart]');
      await canvases.first().waitFor({ timeout: 60_000 });
      // Runs in the report's frame (this package compiles without the DOM types): each canvas and whether Chart.js drew a chart on it.
      const drawn = await canvases.evaluateAll((list) => {
        const g = globalThis as unknown as { Chart?: { getChart(x: unknown): unknown } };
        return list.map((c) => ({ id: (c as unknown as { dataset: { chart?: string } }).dataset.chart, chart: g.Chart?.getChart(c) !== undefined }));
      });
      assert.ok(drawn.length >= 1, 'the report has charts');
      assert.deepEqual(drawn.filter((d) => !d.chart), [], 'every canvas of the framed report has its Chart.js chart');
      await page.screenshot({ path: join(shots, 'model-report.png'), fullPage: true });
      assert.deepEqual(pageErrors, []);
    } finally {
      await browser?.close();
      rmSync(work, { recursive: true, force: true });
      for (const s of [api, collections, credit, scoring, features]) await s.stop();
    }
  });
});
