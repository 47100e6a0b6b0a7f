import type { Command } from 'commander';
import { connectionSpec, loadConfig } from '@creditstream/config';
import { API_INDEXES, isRole, ROLES, TokenStore, type Principal } from '@creditstream/insights-api';
import { openStore } from '@creditstream/store';
import { CliOptionError } from '../errors';
import type { Io } from '../io';

type Environment = Record<string, string | undefined>;

const storeSpec = { MONGODB_URI: connectionSpec.MONGODB_URI, MONGODB_DATABASE: connectionSpec.MONGODB_DATABASE };

export interface ApiTokenCreateOptions {
  role: string;
  name?: string;
  json?: boolean;
}

/**
 * `creditstream api token create --role ROLE [--name NAME] [--json]`: creates a bearer token of the insights API in
 * MONGODB_DATABASE. The token is printed once (stdout); only its hash is stored.
 */
export async function runApiTokenCreate(o: ApiTokenCreateOptions, io: Io, environment: Environment = process.env): Promise<{ token: string; principal: Principal }> {
  if (!isRole(o.role)) throw new CliOptionError('role', `--role ${JSON.stringify(o.role)} is not one of ${ROLES.join(', ')}`);
  const config = loadConfig(storeSpec, environment);
  const store = await openStore({ uri: config.MONGODB_URI, database: config.MONGODB_DATABASE, indexes: API_INDEXES, appName: 'creditstream-api-token' });
  try {
    const created = await new TokenStore(store).create(o.role, o.name ?? `${o.role} (${environment.USER ?? 'cli'})`);
    if (o.json) io.out(JSON.stringify({ token: created.token, ...created.principal }));
    else {
      io.out(created.token);
      io.err(`created token ${created.principal.tokenId} (${created.principal.name}, role ${created.principal.role}) in ${config.MONGODB_DATABASE}; it is shown only this once`);
    }
    return created;
  } finally {
    await store.close();
  }
}

/** `creditstream api token revoke TOKEN_ID`. */
export async function runApiTokenRevoke(tokenId: string, io: Io, environment: Environment = process.env): Promise<boolean> {
  const config = loadConfig(storeSpec, environment);
  const store = await openStore({ uri: config.MONGODB_URI, database: config.MONGODB_DATABASE, indexes: API_INDEXES, appName: 'creditstream-api-token' });
  try {
    const revoked = await new TokenStore(store).revoke(tokenId);
    io.out(revoked ? `revoked ${tokenId}` : `no active token ${tokenId}`);
    return revoked;
  } finally {
    await store.close();
  }
}

/** Registers `creditstream api token create | revoke`. */
export function registerApi(program: Command, io: Io): void {
  const api = program.command('api').description('The insights API: bearer tokens (stored hashed in MONGODB_DATABASE)');
  const token = api.command('token').description('Create or revoke API tokens');
  token
    .command('create')
    .description(`Create a token with a role (${ROLES.join(', ')}); prints it once`)
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--name <name>', 'who or what uses it (shown as the actor of its commands)')
    .option('--json', 'print {token, tokenId, name, role} as JSON')
    .action(async (o: ApiTokenCreateOptions) => {
      await runApiTokenCreate(o, io);
    });
  token
    .command('revoke <tokenId>')
    .description('Revoke a token by its id')
    .action(async (tokenId: string) => {
      await runApiTokenRevoke(tokenId, io);
    });
}
