import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { runApiTokenCreate } from '@creditstream/cli';
import { createCreditService, CREDIT_INPUTS, loadCreditServiceConfig, type CreditService } from '@creditstream/credit-service';
import { createFeatureService, FEATURE_INPUTS, loadFeatureServiceConfig, type FeatureService } from '@creditstream/feature-service';
import { createInsightsApi, loadInsightsApiConfig, type InsightsApi } from '@creditstream/insights-api';
import { type Kafka } from '@creditstream/kafka';
import { SchemaCodec } from '@creditstream/schema';
import { createScoringService, loadScoringServiceConfig, type CustomerPredictions, type ScoringService } from '@creditstream/scoring-service';
import { TOPIC, type CreditCommandEnvelope, type OrderEnvelope } from '@creditstream/schemas';
import { REPO_ROOT, uniqueName, waitFor } from '@creditstream/testing';
import { quietIo, readTopic, simulateInto, waitCaughtUp, stackClients } from './pipeline';

/** Where the browser test writes its screenshots (CI keeps the folder as a test artifact). */
const ARTIFACTS = process.env.CREDITSTREAM_TEST_ARTIFACTS ?? join(REPO_ROOT, 'test', 'artifacts');

/** The Debian chromium the project installs (.ci/run), driven by playwright-core (which brings no browser). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface Page<T> {
  items: T[];
  nextCursor: string | null;
  total: number;
}
interface ApiInvoice {
  customerId: string;
  invoiceId: string;
  currency: string;
  openMinor: number;
  prediction: { pOnTime: number; pLate: number; pVeryLate: number; atRisk: boolean; modelVersion: string; topFactors: { feature: string; value: number | null; contribution: number }[] } | null;
}

describe('insights API on the real stack', function () {
  let kafka: Kafka;
  let codec: SchemaCodec;

  before(() => ({ kafka, codec } = stackClients()));

  it('serves what the feature, scoring and credit services committed, with tokens and roles; commands reach the credit service and their outcomes show; the dashboard works in Chromium, down to releasing a hold', async function () {
    this.timeout(300_000);
    const prefix = `${uniqueName('api')}.`;
    const topic = (t: string) => `${prefix}${t}`;
    const database = uniqueName('api').replace(/[-.]/g, '_');
    await simulateInto(prefix, { seed: 23, customers: 25, days: 120 });
    const env = { ...process.env, MONGODB_DATABASE: database, HTTP_PORT: '0', CREDITSTREAM_TOPIC_PREFIX: prefix };
    const featureGroup = uniqueName('feature-service');
    const scoringGroup = uniqueName('scoring-service');
    const creditGroup = uniqueName('credit-service');
    const features: FeatureService = createFeatureService({ config: loadFeatureServiceConfig({ ...env, FEATURE_SERVICE_GROUP_ID: featureGroup }), topicPrefix: prefix });
    const scoring: ScoringService = createScoringService({ config: loadScoringServiceConfig({ ...env, SCORING_SERVICE_GROUP_ID: scoringGroup }), topicPrefix: prefix });
    const credit: CreditService = createCreditService({ config: loadCreditServiceConfig({ ...env, CREDIT_SERVICE_GROUP_ID: creditGroup, CREDIT_SERVICE_COMMIT_INTERVAL_MS: '200', CREDIT_FRAUD_CHECKS: 'off', CREDIT_SERVICE_AWAIT_DAILY_RUN: 'none' }), topicPrefix: prefix });
    const api: InsightsApi = createInsightsApi({ config: loadInsightsApiConfig({ ...env, INSIGHTS_API_GROUP_ID: uniqueName('insights-api'), INSIGHTS_API_REFRESH_MS: '200', INSIGHTS_API_VALIDATE_RESPONSES: 'true' }), topicPrefix: prefix });
    await features.start();
    await scoring.start();
    await credit.start();
    await api.start();
    let browser: BrowserContext | null = null;
    const profile = mkdtempSync(join(tmpdir(), 'creditstream-chromium-'));
    try {
      await waitCaughtUp(kafka, featureGroup, FEATURE_INPUTS.map(topic), 120_000);
      await waitCaughtUp(kafka, scoringGroup, [topic(TOPIC.featuresChanged)], 120_000);
      await waitCaughtUp(kafka, creditGroup, CREDIT_INPUTS.map(topic), 120_000);
      const views = await features.reader().views();
      const predicted: Map<string, CustomerPredictions> = await scoring.reader().customers();

      // Tokens come from the CLI, stored hashed in the API's database.
      const tokenEnv = { ...process.env, MONGODB_DATABASE: database };
      const viewer = (await runApiTokenCreate({ role: 'viewer', name: 'e2e viewer' }, quietIo, tokenEnv)).token;
      const manager = (await runApiTokenCreate({ role: 'credit-manager', name: 'e2e manager' }, quietIo, tokenEnv)).token;
      const admin = (await runApiTokenCreate({ role: 'admin', name: 'e2e admin' }, quietIo, tokenEnv)).token;
      const get = async <T>(path: string, token = viewer, headers: Record<string, string> = {}) => {
        const res = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
        return { status: res.status, headers: res.headers, body: (res.status === 304 ? null : await res.json()) as T };
      };
      const post = async <T>(path: string, token: string, body: unknown) => {
        const res = await fetch(`${api.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        return { status: res.status, body: (await res.json()) as T };
      };
      const all = async <T>(path: string, limit: number): Promise<T[]> => {
        const out: T[] = [];
        let cursor: string | null = null;
        do {
          const sep = path.includes('?') ? '&' : '?';
          const page: { status: number; body: Page<T> } = await get<Page<T>>(`${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
          assert.equal(page.status, 200, JSON.stringify(page.body));
          out.push(...page.body.items);
          cursor = page.body.nextCursor;
        } while (cursor);
        return out;
      };

      // The API's snapshot reaches what the owners committed (it reloads when they checkpoint).
      const expectedInvoices = views.reduce((n, v) => n + v.openInvoices.length, 0);
      await waitFor('the API serving every customer and open invoice the feature service committed', async () => {
        const c = await get<Page<unknown>>('/api/customers?limit=1');
        const i = await get<Page<unknown>>('/api/invoices?limit=1');
        return c.body.total === views.length && i.body.total === expectedInvoices ? true : undefined;
      });

      // Every open invoice carries the scoring service's current prediction, factors and model version (the API's
      // snapshot follows the scoring service's checkpoints within seconds: wait until it has the predictions read).
      const current = (inv: ApiInvoice) => predicted.get(inv.customerId)?.predictions.find((x) => x.invoiceId === inv.invoiceId);
      await waitFor('the API serving the predictions the scoring service committed', async () => {
        const served = await all<ApiInvoice>('/api/invoices', 17);
        return served.every((inv) => (current(inv)?.pOnTime ?? null) === (inv.prediction?.pOnTime ?? null)) ? true : undefined;
      });
      const invoices = await all<ApiInvoice>('/api/invoices', 17);
      assert.equal(invoices.length, expectedInvoices);
      let withPrediction = 0;
      for (const inv of invoices) {
        const p = predicted.get(inv.customerId)?.predictions.find((x) => x.invoiceId === inv.invoiceId);
        if (p === undefined) {
          assert.equal(inv.prediction, null);
          continue;
        }
        withPrediction += 1;
        assert.deepEqual(
          { pOnTime: inv.prediction?.pOnTime, atRisk: inv.prediction?.atRisk, modelVersion: inv.prediction?.modelVersion, factors: inv.prediction?.topFactors },
          { pOnTime: p.pOnTime, atRisk: p.atRisk, modelVersion: p.modelVersion, factors: p.topFactors.map((f) => ({ feature: f.feature, value: f.value, contribution: f.contribution })) },
        );
      }
      assert.ok(withPrediction > 0, 'the scoring service predicted open invoices');

      // The at-risk list: exactly the flagged invoices, lowest P(on time) first, across pages.
      const atRisk = await all<ApiInvoice>('/api/invoices/at-risk', 3);
      const flagged = invoices.filter((i) => i.prediction?.atRisk).sort((a, b) => (a.prediction?.pOnTime ?? 0) - (b.prediction?.pOnTime ?? 0) || (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : a.invoiceId < b.invoiceId ? -1 : 1));
      assert.deepEqual(atRisk.map((i) => `${i.customerId}/${i.invoiceId}`), flagged.map((i) => `${i.customerId}/${i.invoiceId}`));

      // Expected payments per bucket, company-wide, add up from the invoices.
      const company = await get<{ currencies: { currency: string; openBalanceMinor: number; lateMinor: number; atRiskInvoiceCount: number }[] }>('/api/expected-payments');
      for (const c of company.body.currencies) {
        const mine = invoices.filter((i) => i.currency === c.currency);
        assert.equal(c.openBalanceMinor, mine.reduce((s, i) => s + i.openMinor, 0));
        assert.equal(c.lateMinor, Math.round(mine.reduce((s, i) => s + i.openMinor * (i.prediction?.pLate ?? 0), 0)));
        assert.equal(c.atRiskInvoiceCount, mine.filter((i) => i.prediction?.atRisk).length);
      }

      // The customer page; its ETag answers 304 while nothing changed.
      const target = (flagged[0] ?? invoices.find((i) => i.prediction !== null) ?? invoices[0]) as ApiInvoice;
      const detail = await get<{ customerId: string; openInvoices: ApiInvoice[]; paymentHistory: { recentSettled: unknown[] } }>(`/api/customers/${target.customerId}`);
      assert.equal(detail.status, 200);
      assert.deepEqual(detail.body.openInvoices.map((i) => i.invoiceId).sort(), (views.find((v) => v.customerId === target.customerId)?.openInvoices ?? []).map((i) => i.invoiceId).sort());
      const etag = detail.headers.get('etag') as string;
      assert.equal((await get(`/api/customers/${target.customerId}`, viewer, { 'if-none-match': etag })).status, 304);
      assert.equal((await get('/api/customers/NO-SUCH-CUSTOMER')).status, 404);

      // Filters.
      const atRiskCustomers = await all<{ customerId: string; atRiskInvoiceCount: number }>('/api/customers?atRiskMin=1', 5);
      assert.deepEqual(atRiskCustomers.map((c) => c.customerId), [...new Set(flagged.map((i) => i.customerId))].sort());

      // Authentication, roles and bad input.
      assert.equal((await get('/api/customers', 'cst_not-a-token')).status, 401);
      const badLimit = await get<{ code: string; invalidParams: { name: string }[] }>('/api/customers?limit=abc');
      assert.equal(badLimit.status, 400);
      assert.deepEqual(badLimit.body.invalidParams.map((p) => p.name), ['limit']);
      assert.equal((await post('/api/credit/customers/C1/holds/O1/release', viewer, { reason: 'x' })).status, 403);
      assert.equal((await get('/api/commands', manager)).status, 403);
      assert.equal((await post('/api/models/v999/publish', admin, {})).status, 404);

      // A command: produced to the credit service's topic with its id and the actor, recorded, and refused by the
      // credit service (no such hold), the refusal shown with its reason.
      const orderId = 'E2E-NO-SUCH-ORDER';
      const accepted = await post<{ commandId: string; status: string }>(`/api/credit/customers/${target.customerId}/holds/${orderId}/release`, manager, { reason: 'paid by wire', recheck: true });
      assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
      const { commandId } = accepted.body;
      const sent = (await readTopic<CreditCommandEnvelope>(kafka, codec, topic(TOPIC.creditCommands))).map((m) => m.event).filter((e) => e.payload.commandId === commandId);
      assert.equal(sent.length, 1);
      assert.equal(sent[0]?.type, 'ReleaseCreditHold');
      assert.equal(sent[0]?.customerId, target.customerId);
      assert.deepEqual({ ...sent[0]?.payload }, { commandId, actor: 'e2e manager (credit-manager)', orderId, recheck: true, reason: 'paid by wire', reviewDate: null });
      const outcome = (id: string, what: string) =>
        waitFor(
          what,
          async () => {
            const c = await get<{ status: string; outcome: { reasonCode: string | null; message: string | null } | null }>(`/api/commands/${id}`);
            return c.body.status !== 'accepted' ? c.body : undefined;
          },
          { timeoutMs: 90_000 },
        );
      const refused = await outcome(commandId, 'the credit service refusing the release of an order it does not hold');
      assert.equal(refused.status, 'refused');
      assert.ok(refused.outcome?.reasonCode, 'the refusal names its reason code');

      // A forced hold on an open order (one neither shipped nor cancelled), through the API: carried out.
      const orders = new Map<string, { customerId: string; orderId: string; time: string; closed: boolean }>();
      for (const { event } of await readTopic<OrderEnvelope>(kafka, codec, topic(TOPIC.orders))) {
        const key = `${event.customerId}/${event.payload.orderId}`;
        if (event.type === 'OrderPlaced') orders.set(key, { customerId: event.customerId, orderId: event.payload.orderId, time: event.eventTime, closed: orders.get(key)?.closed ?? false });
        else orders.set(key, { ...(orders.get(key) ?? { customerId: event.customerId, orderId: event.payload.orderId, time: '' }), closed: true });
      }
      const open = [...orders.values()].filter((o) => !o.closed && o.time !== '').sort((a, b) => (a.time < b.time ? 1 : -1));
      assert.ok(open.length > 0, 'the simulated company has open orders');
      let forced: { customerId: string; orderId: string } | null = null;
      for (const o of open.slice(0, 5)) {
        const placed = await post<{ commandId: string }>(`/api/credit/customers/${o.customerId}/holds/${o.orderId}/force`, manager, { reason: 'e2e: call the customer first' });
        assert.equal(placed.status, 202);
        if ((await outcome(placed.body.commandId, `the forced hold of ${o.orderId}`)).status === 'effected') {
          forced = o;
          break;
        }
      }
      assert.ok(forced, 'a forced hold took effect');

      // The hold list is the credit service's (the same holds; the API orders them latest first).
      const heldByService = await waitFor('the credit service\'s read model holding the forced order', async () => {
        const holds = await credit.reader().holds();
        return holds.some((x) => x.customerId === forced?.customerId && x.orderId === forced.orderId) ? holds : undefined;
      });
      await waitFor('the API serving the credit service\'s hold list', async () => ((await get<Page<unknown>>('/api/credit/holds?limit=1')).body.total === heldByService.length ? true : undefined));
      const holdList = await all<{ customerId: string; orderId: string; heldAt: string }>('/api/credit/holds', 4);
      assert.deepEqual(holdList.map((x) => `${x.customerId}/${x.orderId}`).sort(), heldByService.map((x) => `${x.customerId}/${x.orderId}`).sort());
      assert.deepEqual(holdList.map((x) => x.heldAt), [...holdList.map((x) => x.heldAt)].sort().reverse(), 'latest hold first');

      // The dashboard in a real Chromium: sign in with the token, see the expected-payments chart and the at-risk
      // list with its red flags, open a customer and see its predictions and the factors chart.
      const shots = join(ARTIFACTS, 'insights-api');
      mkdirSync(shots, { recursive: true });
      browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 } });
      const page = browser.pages()[0] ?? (await browser.newPage());
      const pageErrors: string[] = [];
      page.on('pageerror', (err) => pageErrors.push(err.message));
      await page.goto(`${api.url}/`);
      await page.fill('#token', viewer);
      await page.click('#login button[type=submit]');
      await page.waitForSelector('#expected-chart');
      // Waiting through locators, not page functions: the dashboard's CSP forbids evaluating strings.
      await page.locator('#expected-chart').waitFor();
      assert.ok(((await page.locator('#expected-chart').boundingBox())?.width ?? 0) > 0, 'the chart is drawn');
      assert.equal(await page.locator('#at-risk .flag.red').count(), Math.min(flagged.length, 50));
      await page.screenshot({ path: join(shots, 'overview.png'), fullPage: true });
      await page.goto(`${api.url}/#/customers/${encodeURIComponent(target.customerId)}`);
      await page.waitForSelector('#open-invoices');
      assert.equal(await page.locator('#open-invoices tbody tr').count(), detail.body.openInvoices.length);
      if (detail.body.openInvoices.some((i) => i.prediction !== null)) {
        await page.locator('#factors-title', { hasText: 'Top factors of' }).waitFor();
      }
      await page.screenshot({ path: join(shots, 'customer.png'), fullPage: true });
      assert.match(await page.textContent('#who') ?? '', /e2e viewer · viewer/);
      // Release the forced hold from the hold list and see it leave the list.
      const first = forced;
      await page.goto(`${api.url}/#/holds`);
      await page.waitForSelector('#hold-list');
      // The dashboard signed in as a viewer: no actions. Sign in as a credit manager.
      assert.equal(await page.locator('#hold-list button').count(), 0);
      // Sign in again as a credit manager (the token is kept per tab session).
      await page.goto(`${api.url}/#token=${encodeURIComponent(manager)}`);
      await page.locator('#who', { hasText: 'e2e manager · credit-manager' }).waitFor();
      await page.goto(`${api.url}/#/holds`);
      await page.waitForSelector(`#hold-list button[data-action=release][data-order="${first.orderId}"]`);
      const rowsBefore = await page.locator('#hold-list tbody tr').count();
      await page.click(`#hold-list button[data-action=release][data-order="${first.orderId}"]`);
      await page.locator('#command-status', { hasText: `Release of ${first.orderId} done` }).waitFor({ timeout: 60_000 });
      await page.locator(`#hold-list button[data-action=release][data-order="${first.orderId}"]`).waitFor({ state: 'detached', timeout: 60_000 });
      // The list is rendered again after the release (empty for a moment while it reloads): wait for the new one.
      await waitFor('the hold list rendered again without the released order', async () => ((await page.locator('#hold-list tbody tr').count()) === rowsBefore - 1 ? true : undefined), { timeoutMs: 60_000 });
      await page.screenshot({ path: join(shots, 'holds-after-release.png'), fullPage: true });
      assert.deepEqual(pageErrors, []);
      assert.equal((await credit.reader().holds()).some((x) => x.customerId === first.customerId && x.orderId === first.orderId), false, 'the credit service released it');
      assert.equal((await get('/api/commands', viewer)).status, 403, 'a viewer may not read the audit trail');
      const trail = (await get<Page<{ type: string; actor: string; status: string; customerId: string }>>('/api/commands', admin)).body.items;
      assert.deepEqual(trail[0] && [trail[0].type, trail[0].actor, trail[0].status], ['ReleaseCreditHold', 'e2e manager (credit-manager)', 'effected']);
      assert.deepEqual(trail.filter((c) => c.type === 'PlaceCreditHold' && c.status === 'effected').length, 1);
      assert.deepEqual(trail[trail.length - 1] && [trail[trail.length - 1]?.type, trail[trail.length - 1]?.status], ['ReleaseCreditHold', 'refused']);
    } finally {
      await browser?.close();
      rmSync(profile, { recursive: true, force: true });
      await api.stop();
      await credit.stop();
      await scoring.stop();
      await features.stop();
    }
  });
});
