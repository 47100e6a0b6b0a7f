import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The creditstream services the demo runs, in start order; the k-th listens on DEMO_PORT_BASE + k (9461, 9462, …).
 * A service not built yet is skipped with a note.
 */
export const DEMO_SERVICES = ['feature-service', 'scoring-service', 'credit-service', 'fraud-service', 'collections-service', 'insights-api'] as const;

export const REPO_ROOT = join(__dirname, '..', '..', '..', '..');

/** The compiled entry point of a service, or null when the repository has no such service yet. */
export function serviceMain(name: string): string | null {
  const main = join(REPO_ROOT, 'services', name, 'dist', 'src', 'main.js');
  return existsSync(main) ? main : null;
}

/** The compiled `creditstream` command. */
export function cliMain(): string {
  return join(REPO_ROOT, 'services', 'cli', 'dist', 'src', 'main.js');
}
