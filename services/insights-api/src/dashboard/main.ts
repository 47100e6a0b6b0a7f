// The dashboard: a single page over the insights API (the same API, with the user's bearer token). Pages by URL
// hash: overview (expected payments per bucket, at-risk invoices), customers (search), a customer (state of
// business, open invoices with red flags, a bar chart of the top factors, payment history), models (versions and
// the model report). Charts come from Chart.js only.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, ScatterController, Tooltip } from 'chart.js';
import './style.css';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, ScatterController, Legend, Tooltip);

interface Factor { feature: string; value: number | null; contribution: number }
interface Prediction { pOnTime: number; pLate: number; pVeryLate: number; bucket: string; atRisk: boolean; topFactors: Factor[]; modelVersion: string; businessDate: string }
interface Invoice { customerId: string; invoiceId: string; invoiceDate: string; dueDate: string; currency: string; amountMinor: number; openMinor: number; disputed: boolean; prediction: Prediction | null }
interface Expected { currency: string; openBalanceMinor: number; onTimeMinor: number; lateMinor: number; veryLateMinor: number; openInvoiceCount: number; atRiskInvoiceCount: number }
interface Page<T> { items: T[]; nextCursor: string | null; total: number }
interface CustomerSummary { customerId: string; name: string | null; segment: string | null; currency: string | null; accountStatus: string; openBalanceMinor: number; overdueMinor: number; atRiskInvoiceCount: number; highLateBalance: boolean }
interface CustomerDetail extends CustomerSummary {
  expectedPayments: Expected | null;
  stateOfBusiness: { openBalanceMinor: number; openInvoiceCount: number; overdueMinor: number; overdueInvoiceCount: number; maxDaysOverdue: number | null; creditLimitMinor: number | null; creditLimitUnlimited: boolean; creditUtilisation: number | null };
  paymentHistory: { settledInvoiceCount: number; shareLate: number | null; shareVeryLate: number | null; meanDaysLate: number | null; recentSettled: { invoiceId: string; dueDate: string; settledOn: string; amountMinor: number; currency: string; daysLate: number }[]; returnedPayments: { paymentId: string; returnedOn: string; reason: string; amountMinor: number }[]; nsfCount: number; disputes: { invoiceId: string; disputeId: string; amountMinor: number; openedOn: string; resolvedOn: string | null; outcome: string | null }[] };
  openInvoices: Invoice[];
  credit: { holds: Omit<Hold, 'customerId' | 'customerName'>[]; pendingAdjustments: unknown[] } | null;
}
interface Hold { customerId: string; customerName: string | null; orderId: string; holdId: string; amountMinor: number; currency: string; heldAt: string; reasons: string[]; forced: boolean; rules: { ruleType: string; message: string }[] }
interface WorklistRow { rank: number; customerId: string; name: string | null; currency: string; expectedLateTotalMinor: number; overdueMinor: number; openMinor: number; highestLevel: number; openPromises: number; openDisputes: number; nextAction: { on: string; action: string } | null }
interface CommandState { commandId: string; status: 'accepted' | 'effected' | 'refused'; outcome: { reasonCode: string | null; message: string | null } | null }
interface ModelCharts { classes: string[]; importance: { feature: string; meanAbsShap: number; gain: number }[]; reliability: { meanPredicted: number; observed: number; count: number }[]; evalHistory: Record<string, number[]>; confusion: number[][] | null }
interface ModelList { active: { version: string; publishedBy: string; businessTime: string } | null; versions: { version: string; algorithm: string; createdAt: string; active: boolean; metrics: Record<string, number> | null }[] }

const TOKEN_KEY = 'creditstream.token';
const app = document.getElementById('app') as HTMLElement;
let charts: Chart[] = [];
let role = '';

// A token handed over in the URL fragment (the demo prints such a link) is kept for the session and removed from
// the address bar; fragments never reach the server or its logs.
function takeTokenFromUrl(): void {
  const fromUrl = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(fromUrl[1] as string));
    history.replaceState(null, '', `${location.pathname}#/`);
  }
}
takeTokenFromUrl();

class ApiError extends Error {
  constructor(readonly status: number, readonly problem: { code?: string; detail?: string }) {
    super(problem.detail ?? `HTTP ${status}`);
  }
}

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const res = await fetch(path, { ...init, headers: { ...(init.headers ?? {}), authorization: `Bearer ${token ?? ''}`, ...(init.body ? { 'content-type': 'application/json' } : {}) } });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => ({})));
  return (res.headers.get('content-type') ?? '').includes('json') ? ((await res.json()) as T) : ((await res.text()) as T);
}

function h(tag: string, attrs: Record<string, string> = {}, ...children: (Node | string | null)[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) if (c !== null) el.append(c);
  return el;
}

const money = (minor: number, currency: string | null) => `${(minor / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}${currency ? ` ${currency}` : ''}`;
const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)}%`);
const flag = (i: Invoice) => h('span', { class: i.prediction?.atRisk ? 'flag red' : 'flag', title: i.prediction?.atRisk ? 'at risk: P(on time) < threshold' : '' }, i.prediction?.atRisk ? '●' : '');

function table(headers: string[], rows: (Node | string)[][], attrs: Record<string, string> = {}): HTMLElement {
  return h('table', attrs, h('thead', {}, h('tr', {}, ...headers.map((x) => h('th', {}, x)))), h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c))))));
}

function invoiceRows(items: Invoice[], withCustomer: boolean): (Node | string)[][] {
  return items.map((i) => [
    flag(i),
    ...(withCustomer ? [h('a', { href: `#/customers/${encodeURIComponent(i.customerId)}` }, i.customerId)] : []),
    i.invoiceId,
    i.dueDate,
    money(i.openMinor, i.currency),
    i.prediction ? pct(i.prediction.pOnTime) : '–',
    i.prediction ? pct(i.prediction.pLate) : '–',
    i.prediction ? pct(i.prediction.pVeryLate) : '–',
    i.prediction?.bucket ?? '–',
  ]);
}

function bucketChart(canvas: HTMLCanvasElement, rows: Expected[]): void {
  charts.push(
    new Chart(canvas, {
      type: 'bar',
      data: {
        labels: rows.map((r) => r.currency),
        datasets: [
          { label: 'on time', data: rows.map((r) => r.onTimeMinor / 100), backgroundColor: '#16a34a' },
          { label: 'late', data: rows.map((r) => r.lateMinor / 100), backgroundColor: '#f59e0b' },
          { label: 'very late', data: rows.map((r) => r.veryLateMinor / 100), backgroundColor: '#dc2626' },
        ],
      },
      options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { x: { stacked: true }, y: { stacked: true } } },
    }),
  );
}

function factorChart(canvas: HTMLCanvasElement, factors: Factor[]): void {
  charts.push(
    new Chart(canvas, {
      type: 'bar',
      data: {
        labels: factors.map((f) => `${f.feature} = ${f.value === null ? 'missing' : Number(f.value.toFixed(3))}`),
        datasets: [{ label: 'contribution to the late side', data: factors.map((f) => f.contribution), backgroundColor: factors.map((f) => (f.contribution > 0 ? '#dc2626' : '#16a34a')) }],
      },
      options: { animation: false, indexAxis: 'y', responsive: true, maintainAspectRatio: false, plugins: { legend: { display: false } } },
    }),
  );
}

async function overview(): Promise<HTMLElement> {
  const [expected, atRisk] = await Promise.all([api<{ businessDate: string | null; currencies: Expected[] }>('/api/expected-payments'), api<Page<Invoice>>('/api/invoices/at-risk?limit=50')]);
  const canvas = h('canvas', { id: 'expected-chart' }) as HTMLCanvasElement;
  const view = h(
    'section',
    { id: 'overview' },
    h('h1', {}, 'Expected payments per bucket'),
    h('p', { class: 'sub' }, `as of ${expected.businessDate ?? '–'}: Σ open amount × probability of each bucket, per currency`),
    h('div', { class: 'chart' }, canvas),
    table(['currency', 'open balance', 'on time', 'late', 'very late', 'open invoices', 'at risk'], expected.currencies.map((e) => [e.currency, money(e.openBalanceMinor, null), money(e.onTimeMinor, null), money(e.lateMinor, null), money(e.veryLateMinor, null), String(e.openInvoiceCount), String(e.atRiskInvoiceCount)])),
    h('h2', {}, `At-risk invoices (${atRisk.total})`),
    table(['', 'customer', 'invoice', 'due', 'open', 'P(on time)', 'P(late)', 'P(very late)', 'bucket'], invoiceRows(atRisk.items, true), { id: 'at-risk' }),
  );
  queueMicrotask(() => bucketChart(canvas, expected.currencies));
  return view;
}

async function customers(params: URLSearchParams): Promise<HTMLElement> {
  const page = await api<Page<CustomerSummary>>(`/api/customers?${params.toString()}`);
  const input = h('input', { id: 'search', placeholder: 'customer id or name', value: params.get('q') ?? '' }) as HTMLInputElement;
  const form = h('form', {}, input, h('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/customers?${new URLSearchParams(input.value ? { q: input.value } : {}).toString()}`;
  });
  const next = page.nextCursor ? h('a', { href: `#/customers?${new URLSearchParams({ ...Object.fromEntries(params), cursor: page.nextCursor }).toString()}` }, 'next page →') : null;
  return h(
    'section',
    { id: 'customers' },
    h('h1', {}, `Customers (${page.total})`),
    form,
    table(
      ['customer', 'name', 'segment', 'status', 'open balance', 'overdue', 'at risk', 'high late balance'],
      page.items.map((c) => [h('a', { href: `#/customers/${encodeURIComponent(c.customerId)}` }, c.customerId), c.name ?? '–', c.segment ?? '–', c.accountStatus, money(c.openBalanceMinor, c.currency), money(c.overdueMinor, c.currency), String(c.atRiskInvoiceCount), c.highLateBalance ? 'yes' : '']),
      { id: 'customer-list' },
    ),
    next,
  );
}

async function customer(id: string): Promise<HTMLElement> {
  const c = await api<CustomerDetail>(`/api/customers/${encodeURIComponent(id)}`);
  const s = c.stateOfBusiness;
  const p = c.paymentHistory;
  const factorsCanvas = h('canvas', { id: 'factors-chart' }) as HTMLCanvasElement;
  const factorsTitle = h('h3', { id: 'factors-title' }, '');
  const showFactors = (i: Invoice) => {
    factorsTitle.textContent = `Top factors of ${i.invoiceId} (model ${i.prediction?.modelVersion ?? '–'})`;
    charts.forEach((ch) => ch.canvas === factorsCanvas && ch.destroy());
    charts = charts.filter((ch) => ch.canvas !== factorsCanvas);
    factorChart(factorsCanvas, i.prediction?.topFactors ?? []);
  };
  const invoices = table(['', 'invoice', 'due', 'open', 'P(on time)', 'P(late)', 'P(very late)', 'bucket'], invoiceRows(c.openInvoices, false), { id: 'open-invoices' });
  invoices.querySelectorAll('tbody tr').forEach((tr, k) => {
    tr.classList.add('clickable');
    tr.addEventListener('click', () => showFactors(c.openInvoices[k] as Invoice));
  });
  const view = h(
    'section',
    { id: 'customer' },
    h('h1', {}, `${c.customerId}${c.name ? ` · ${c.name}` : ''}`),
    h('p', { class: 'sub' }, `${c.segment ?? '–'} · account ${c.accountStatus} · as of ${c.expectedPayments ? '' : ''}${c.openInvoices[0]?.prediction?.businessDate ?? '–'}`),
    h(
      'div',
      { class: 'kpis', id: 'state-of-business' },
      ...[
        ['open balance', money(s.openBalanceMinor, c.currency)],
        ['open invoices', String(s.openInvoiceCount)],
        ['overdue', money(s.overdueMinor, c.currency)],
        ['credit limit', s.creditLimitUnlimited ? 'unlimited' : s.creditLimitMinor === null ? '–' : money(s.creditLimitMinor, c.currency)],
        ['limit used', pct(s.creditUtilisation)],
        ['expected late + very late', c.expectedPayments ? money(c.expectedPayments.lateMinor + c.expectedPayments.veryLateMinor, c.currency) : '–'],
      ].map(([k, v]) => h('div', { class: 'kpi' }, h('b', {}, v as string), h('span', {}, k as string))),
    ),
    h('h2', {}, 'Open invoices (click one for its factors)'),
    invoices,
    factorsTitle,
    h('div', { class: 'chart small' }, factorsCanvas),
    c.credit && c.credit.holds.length ? h('h2', {}, `Credit holds (${c.credit.holds.length})`) : null,
    c.credit && c.credit.holds.length ? table(['order', 'amount', 'held', 'reasons'], c.credit.holds.map((x) => [x.orderId, money(x.amountMinor, x.currency), x.heldAt.slice(0, 10), x.reasons.join(', ')]), { id: 'customer-holds' }) : null,
    h('h2', {}, 'Payment history'),
    h('p', { class: 'sub' }, `${p.settledInvoiceCount} settled invoices; late ${pct(p.shareLate)}, very late ${pct(p.shareVeryLate)}, mean days late ${p.meanDaysLate === null ? '–' : p.meanDaysLate.toFixed(1)}; ${p.nsfCount} NSF; ${p.disputes.length} disputes`),
    table(['invoice', 'due', 'settled', 'amount', 'days late'], p.recentSettled.map((x) => [x.invoiceId, x.dueDate, x.settledOn, money(x.amountMinor, x.currency), String(x.daysLate)]), { id: 'history' }),
    p.returnedPayments.length ? h('h3', {}, 'Returned payments') : null,
    p.returnedPayments.length ? table(['payment', 'returned', 'reason', 'amount'], p.returnedPayments.map((r) => [r.paymentId, r.returnedOn, r.reason, money(r.amountMinor, c.currency)])) : null,
    p.disputes.length ? h('h3', {}, 'Disputes') : null,
    p.disputes.length ? table(['invoice', 'dispute', 'amount', 'opened', 'resolved', 'outcome'], p.disputes.map((d) => [d.invoiceId, d.disputeId, money(d.amountMinor, c.currency), d.openedOn, d.resolvedOn ?? '–', d.outcome ?? '–'])) : null,
  );
  const first = c.openInvoices.find((i) => i.prediction !== null);
  if (first) queueMicrotask(() => showFactors(first));
  return view;
}

/** Sends a command and follows it until the owning service carried it out or refused it. */
async function command(path: string, body: object, status: HTMLElement): Promise<CommandState> {
  const { commandId } = await api<{ commandId: string }>(path, { method: 'POST', body: JSON.stringify(body) });
  status.textContent = `command ${commandId} accepted; waiting for the credit service…`;
  for (let i = 0; i < 100; i++) {
    const c = await api<CommandState>(`/api/commands/${commandId}`);
    if (c.status !== 'accepted') return c;
    await new Promise((r) => setTimeout(r, 200));
  }
  return { commandId, status: 'accepted', outcome: null };
}

async function holds(): Promise<HTMLElement> {
  const page = await api<Page<Hold>>('/api/credit/holds?limit=200');
  const status = h('p', { id: 'command-status', role: 'status' }, '');
  const canAct = role === 'credit-manager' || role === 'admin';
  const rows = page.items.map((x) => {
    const actions = h('span', { class: 'actions' });
    if (canAct) {
      for (const [verb, label] of [['release', 'Release'], ['reject', 'Reject']] as const) {
        const button = h('button', { type: 'button', 'data-action': verb, 'data-order': x.orderId }, label) as HTMLButtonElement;
        button.addEventListener('click', async () => {
          button.disabled = true;
          try {
            const c = await command(`/api/credit/customers/${encodeURIComponent(x.customerId)}/holds/${encodeURIComponent(x.orderId)}/${verb}`, { reason: `${verb}d from the dashboard` }, status);
            status.textContent = c.status === 'refused' ? `${label} of ${x.orderId} refused: ${c.outcome?.reasonCode ?? ''} ${c.outcome?.message ?? ''}` : c.status === 'effected' ? `${label} of ${x.orderId} done` : `${label} of ${x.orderId} still pending`;
            if (c.status === 'effected') {
              // The API's read model follows the credit service's checkpoint: reload until the hold is gone.
              for (let i = 0; i < 50; i++) {
                const now = await api<Page<Hold>>(`/api/credit/holds?customerId=${encodeURIComponent(x.customerId)}&limit=1000`);
                if (!now.items.some((y) => y.orderId === x.orderId)) break;
                await new Promise((r) => setTimeout(r, 200));
              }
              await route(status.textContent);
            }
          } catch (err) {
            status.textContent = err instanceof Error ? err.message : String(err);
          } finally {
            button.disabled = false;
          }
        });
        actions.append(button);
      }
    }
    return [h('a', { href: `#/customers/${encodeURIComponent(x.customerId)}` }, x.customerId), x.orderId, money(x.amountMinor, x.currency), x.heldAt.slice(0, 10), x.reasons.join(', ') + (x.forced ? ' (forced)' : ''), x.rules.map((r) => r.message).join('; '), actions];
  });
  return h('section', { id: 'holds' }, h('h1', {}, `Credit holds (${page.total})`), status, table(['customer', 'order', 'amount', 'held', 'reasons', 'rules', ''], rows, { id: 'hold-list' }));
}

async function worklist(): Promise<HTMLElement> {
  const page = await api<Page<WorklistRow>>('/api/collections/worklist?limit=100');
  return h(
    'section',
    { id: 'worklist' },
    h('h1', {}, `Collections worklist (${page.total})`),
    h('p', { class: 'sub' }, 'customers with something open, most expected late + very late money first'),
    table(
      ['#', 'customer', 'name', 'expected late + very late', 'overdue', 'open', 'letter level', 'promises', 'disputes', 'next action'],
      page.items.map((r) => [String(r.rank), h('a', { href: `#/customers/${encodeURIComponent(r.customerId)}` }, r.customerId), r.name ?? '–', money(r.expectedLateTotalMinor, r.currency), money(r.overdueMinor, r.currency), money(r.openMinor, r.currency), String(r.highestLevel), String(r.openPromises), String(r.openDisputes), r.nextAction ? `${r.nextAction.action} on ${r.nextAction.on}` : '–']),
      { id: 'worklist-table' },
    ),
  );
}

async function models(): Promise<HTMLElement> {
  const list = await api<ModelList>('/api/models');
  // Scripts only (its Chart.js charts), in an opaque origin: the report cannot reach the dashboard, its token or the API.
  const frame = h('iframe', { id: 'report', title: 'model report', sandbox: 'allow-scripts' }) as HTMLIFrameElement;
  const chartsTitle = h('h2', { id: 'model-charts-title' }, '');
  const importance = h('canvas', { id: 'importance-chart' }) as HTMLCanvasElement;
  const reliability = h('canvas', { id: 'reliability-chart' }) as HTMLCanvasElement;
  const curve = h('canvas', { id: 'curve-chart' }) as HTMLCanvasElement;
  const confusion = h('div', { id: 'confusion' });
  const own = [importance, reliability, curve];
  const open = async (version: string) => {
    const data = await api<ModelCharts>(`/api/models/${version}/charts`);
    charts.filter((c) => own.includes(c.canvas)).forEach((c) => c.destroy());
    charts = charts.filter((c) => !own.includes(c.canvas));
    chartsTitle.textContent = `Model ${version}`;
    charts.push(
      new Chart(importance, {
        type: 'bar',
        data: { labels: data.importance.map((f) => f.feature), datasets: [{ label: 'mean |SHAP| (holdout)', data: data.importance.map((f) => f.meanAbsShap), backgroundColor: '#2563eb' }] },
        options: { animation: false, indexAxis: 'y', responsive: true, maintainAspectRatio: false },
      }),
      new Chart(reliability, {
        type: 'scatter',
        data: {
          datasets: [
            { label: 'observed vs predicted (confidence)', data: data.reliability.map((b) => ({ x: b.meanPredicted, y: b.observed })), showLine: true, borderColor: '#dc2626', backgroundColor: '#dc2626' },
            { label: 'perfect calibration', data: [{ x: 0, y: 0 }, { x: 1, y: 1 }], showLine: true, borderColor: '#9ca3af', borderDash: [4, 4], pointRadius: 0 },
          ],
        },
        options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { x: { min: 0, max: 1 }, y: { min: 0, max: 1 } } },
      }),
      new Chart(curve, {
        type: 'line',
        data: { labels: (Object.values(data.evalHistory)[0] ?? []).map((_, i) => String(i + 1)), datasets: Object.entries(data.evalHistory).map(([name, values], k) => ({ label: name, data: values, borderColor: ['#16a34a', '#f59e0b', '#2563eb'][k % 3], pointRadius: 0 })) },
        options: { animation: false, responsive: true, maintainAspectRatio: false },
      }),
    );
    confusion.replaceChildren(data.confusion ? table(['actual \\ predicted', ...data.classes], data.confusion.map((row, i) => [data.classes[i] ?? '', ...row.map(String)])) : h('p', {}, 'no holdout confusion matrix'));
    frame.srcdoc = await api<string>(`/api/models/${version}/report`);
  };
  const rows = list.versions.map((v) => {
    const link = h('a', { href: '#', 'data-version': v.version }, 'report');
    link.addEventListener('click', (e) => {
      e.preventDefault();
      void open(v.version);
    });
    return [v.version + (v.active ? ' (active)' : ''), v.algorithm, v.createdAt, v.metrics ? v.metrics.logLoss?.toFixed(4) ?? '–' : '–', v.metrics ? v.metrics.accuracy?.toFixed(3) ?? '–' : '–', link];
  });
  const active = list.versions.find((v) => v.active) ?? list.versions[list.versions.length - 1];
  if (active) queueMicrotask(() => void open(active.version));
  return h(
    'section',
    { id: 'models' },
    h('h1', {}, 'Models'),
    table(['version', 'algorithm', 'registered', 'log-loss', 'accuracy', ''], rows),
    chartsTitle,
    h('h3', {}, 'Feature importance'),
    h('div', { class: 'chart' }, importance),
    h('h3', {}, 'Reliability'),
    h('div', { class: 'chart small' }, reliability),
    h('h3', {}, 'Early stopping'),
    h('div', { class: 'chart small' }, curve),
    h('h3', {}, 'Confusion matrix (holdout)'),
    confusion,
    h('h3', {}, 'The full report'),
    frame,
  );
}

function login(message: string): HTMLElement {
  const input = h('input', { id: 'token', type: 'password', placeholder: 'bearer token (creditstream api token create --role ROLE)', size: '60' }) as HTMLInputElement;
  const form = h('form', { id: 'login' }, h('h1', {}, 'Sign in'), h('p', {}, message), input, h('button', { type: 'submit' }, 'Sign in'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    void route();
  });
  return form;
}

/** Navigations so far: a page whose data arrives after a later navigation is dropped. */
let navigation = 0;

async function route(message?: string): Promise<void> {
  const mine = ++navigation;
  takeTokenFromUrl();
  charts.forEach((c) => c.destroy());
  charts = [];
  const [path, query] = (location.hash.replace(/^#/, '') || '/').split('?');
  const params = new URLSearchParams(query ?? '');
  document.querySelectorAll('nav a').forEach((a) => a.classList.toggle('current', path === '/' ? a.getAttribute('data-nav') === 'overview' : (path ?? '').startsWith(`/${a.getAttribute('data-nav')}`)));
  if (!sessionStorage.getItem(TOKEN_KEY)) {
    app.replaceChildren(login('Paste a token.'));
    return;
  }
  app.replaceChildren(h('p', { class: 'loading' }, 'loading…'));
  try {
    const me = await api<{ name: string; role: string }>('/api/me');
    role = me.role;
    (document.getElementById('who') as HTMLElement).textContent = `${me.name} · ${me.role}`;
    const m = /^\/customers\/(.+)$/.exec(path ?? '');
    const view = m ? await customer(decodeURIComponent(m[1] as string)) : path === '/customers' ? await customers(params) : path === '/holds' ? await holds() : path === '/worklist' ? await worklist() : path === '/models' ? await models() : await overview();
    if (mine !== navigation) return;
    app.replaceChildren(view);
    const status = document.getElementById('command-status');
    if (status && message) status.textContent = message;
  } catch (err) {
    if (mine !== navigation) return;
    if (err instanceof ApiError && err.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      app.replaceChildren(login(`The token was refused: ${err.message}`));
      return;
    }
    app.replaceChildren(h('p', { class: 'error', role: 'alert' }, err instanceof Error ? err.message : String(err)));
  }
}

window.addEventListener('hashchange', () => void route());
void route();
