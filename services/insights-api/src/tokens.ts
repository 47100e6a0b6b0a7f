import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { IndexDefinition, Store } from '@creditstream/store';
import { UnknownRoleError } from './errors';

/** The roles a token can have. Reads are open to every role; each write route lists the roles that may call it. */
export const ROLES = ['viewer', 'collector', 'credit-manager', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** The API's own collections (no other service reads or writes them). */
export const API_COLLECTIONS = {
  /** One document per token: its SHA-256 hash, never the token. */
  tokens: 'api_tokens',
  /** Every command the API sent: the audit trail (actor, payload, when) and its outcome. */
  commands: 'api_commands',
  /** Every credit rule set version published, as the API saw it on the compacted rules topic. */
  creditRuleSets: 'api_credit_rule_sets',
  /** The what-if reports published by `creditstream credit replay`. */
  creditWhatIf: 'api_credit_what_if',
} as const;

export const API_INDEXES: readonly IndexDefinition[] = [
  { collection: API_COLLECTIONS.tokens, keys: { hash: 1 }, options: { unique: true } },
  { collection: API_COLLECTIONS.commands, keys: { acceptedAt: -1 } },
  { collection: API_COLLECTIONS.creditWhatIf, keys: { ranAt: -1 } },
];

/** Who is calling: the token's id, name and role (the token itself is never kept). */
export interface Principal {
  tokenId: string;
  name: string;
  role: Role;
}

interface TokenDocument {
  _id: string;
  hash: string;
  name: string;
  role: Role;
  createdAt: Date;
  revokedAt: Date | null;
}

/** Prefix of every token: recognisable in a leaked log or config file (secret scanners match on it). */
export const TOKEN_PREFIX = 'cst_';

/**
 * A token is 32 random bytes: a fast hash is enough to store it (nothing to brute-force, unlike a password), and
 * it lets every request be checked with one indexed lookup.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** How long a verified token is trusted without asking the store again (a revocation takes effect within it). */
const CACHE_MS = 10_000;

/** Bearer tokens with roles, stored hashed in the API's store. */
export class TokenStore {
  private readonly cache = new Map<string, { principal: Principal | null; until: number }>();

  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  private get tokens() {
    return this.store.collection<TokenDocument>(API_COLLECTIONS.tokens);
  }

  /**
   * Creates a token; the token is returned once and only its hash is stored.
   * @throws UnknownRoleError when `role` is not one of {@link ROLES}
   */
  async create(role: string, name: string): Promise<{ token: string; principal: Principal }> {
    if (!isRole(role)) throw new UnknownRoleError(role, ROLES);
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const doc: TokenDocument = { _id: randomUUID(), hash: hashToken(token), name, role, createdAt: new Date(this.now()), revokedAt: null };
    await this.tokens.insertOne(doc);
    return { token, principal: { tokenId: doc._id, name, role } };
  }

  /** The principal of a token, or null when it is unknown or revoked. */
  async verify(token: string): Promise<Principal | null> {
    const hash = hashToken(token);
    const cached = this.cache.get(hash);
    if (cached !== undefined && cached.until > this.now()) return cached.principal;
    const doc = await this.tokens.findOne({ hash });
    const principal = doc === null || doc.revokedAt !== null ? null : { tokenId: doc._id, name: doc.name, role: doc.role };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { principal, until: this.now() + CACHE_MS });
    return principal;
  }

  /** Revokes a token by id; true when it existed. */
  async revoke(tokenId: string): Promise<boolean> {
    const r = await this.tokens.updateOne({ _id: tokenId, revokedAt: null }, { $set: { revokedAt: new Date(this.now()) } });
    this.cache.clear();
    return r.modifiedCount === 1;
  }
}
