import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The creditstream services the demo runs, in start order. A service not built yet is skipped with a note. */
export const DEMO_SERVICES = [
  { name: 'feature-service', port: 9461 },
  { name: 'scoring-service', port: 9462 },
  { name: 'credit-service', port: 9463 },
  { name: 'fraud-service', port: 9464 },
  { name: 'collections-service', port: 9465 },
  { name: 'insights-api', port: 9466 },
] as const;

export const REPO_ROOT = join(__dirname, '..', '..', '..', '..');

/** The compiled entry point of a service, or null when the repository has no such service yet. */
export function serviceMain(name: string): string | null {
  const main = join(REPO_ROOT, 'services', name, 'dist', 'src', 'main.js');
  return existsSync(main) ? main : null;
}

export function cliMain(): string {
  return join(REPO_ROOT, 'services', 'cli', 'dist', 'src', 'main.js');
}
