/** Options of {@link AuthFailureLimiter}. */
export interface AuthFailureLimiterOptions {
  /** Failed authentications a client may have in one window; the next request in the window answers 429. @default 20 */
  maxFailures?: number;
  /** The window, from a client's first failure. @default 60_000 */
  windowMs?: number;
  /** Clients tracked at most; beyond it, expired entries go first, then the oldest (memory stays bounded). @default 10_000 */
  maxClients?: number;
  /** The clock (tests drive it). @default Date.now */
  now?: () => number;
}

interface Window {
  startedAt: number;
  failures: number;
}

/**
 * Counts failed authentications (401: no token, a malformed header, an unknown or revoked token) per client and
 * blocks a client that reached `maxFailures` in its window until the window ends: every request of that client then
 * answers 429 with Retry-After, without looking at its token (so a blocked client cannot keep guessing, nor learn
 * whether a guess was right). Successful requests do not count.
 *
 * Written here rather than taken from express-rate-limit: the need is narrow (count one outcome, per key, in a fixed
 * window, in memory, with a clock tests drive) and the API runs as one process per instance, so a store shared
 * between instances would add nothing but a dependency. With N instances behind a balancer a client gets up to N ×
 * `maxFailures` per window.
 */
export class AuthFailureLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxClients: number;
  private readonly now: () => number;

  constructor(options: AuthFailureLimiterOptions = {}) {
    this.maxFailures = options.maxFailures ?? 20;
    this.windowMs = options.windowMs ?? 60_000;
    this.maxClients = options.maxClients ?? 10_000;
    this.now = options.now ?? Date.now;
    if (!Number.isInteger(this.maxFailures) || this.maxFailures < 1) throw new RangeError(`maxFailures=${this.maxFailures} is invalid: expected an integer >= 1`);
    if (!Number.isFinite(this.windowMs) || this.windowMs < 1) throw new RangeError(`windowMs=${this.windowMs} is invalid: expected a number >= 1`);
    if (!Number.isInteger(this.maxClients) || this.maxClients < 1) throw new RangeError(`maxClients=${this.maxClients} is invalid: expected an integer >= 1`);
  }

  /** Whole seconds until `client` may try again, or undefined when it is not blocked. */
  blockedFor(client: string): number | undefined {
    const w = this.current(client);
    if (w === undefined || w.failures < this.maxFailures) return undefined;
    return Math.max(1, Math.ceil((w.startedAt + this.windowMs - this.now()) / 1000));
  }

  /** Records one failed authentication of `client`. */
  failed(client: string): void {
    const w = this.current(client);
    if (w !== undefined) {
      w.failures += 1;
      return;
    }
    if (this.windows.size >= this.maxClients) this.evict();
    this.windows.set(client, { startedAt: this.now(), failures: 1 });
  }

  /** Clients tracked now (for tests and metrics). */
  get size(): number {
    return this.windows.size;
  }

  private current(client: string): Window | undefined {
    const w = this.windows.get(client);
    if (w === undefined) return undefined;
    if (this.now() - w.startedAt >= this.windowMs) {
      this.windows.delete(client);
      return undefined;
    }
    return w;
  }

  private evict(): void {
    const now = this.now();
    for (const [client, w] of this.windows) if (now - w.startedAt >= this.windowMs) this.windows.delete(client);
    // Still full: drop the oldest windows (a Map iterates in insertion order, which is window start order).
    for (const client of this.windows.keys()) {
      if (this.windows.size < this.maxClients) break;
      this.windows.delete(client);
    }
  }
}

/**
 * The express `trust proxy` value of INSIGHTS_API_TRUST_PROXY: `true`/`false`, a hop count, or addresses, subnets
 * and names (`loopback`, `10.0.0.0/8`, comma-separated) as express takes them.
 */
export function trustProxy(raw: string): boolean | number | string {
  const v = raw.trim();
  if (v === 'true' || v === 'false') return v === 'true';
  if (/^\d+$/.test(v)) return Number(v);
  return v;
}
