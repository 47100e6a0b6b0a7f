import { runCli, type CliContext } from './model-steps';

/**
 * Creates an admin token of the insights API (`creditstream api token create`) and returns the dashboard link with
 * it. The token rides in the URL fragment, which browsers never send to the server: the dashboard keeps it for the
 * session and removes it from the address bar.
 */
export async function dashboardLink(ctx: CliContext, apiUrl: string): Promise<{ url: string; token: string }> {
  const [token] = await runCli(ctx, ['api', 'token', 'create', '--role', 'admin', '--name', 'demo']);
  if (token === undefined || token.trim() === '') throw new Error('creditstream api token create printed no token');
  return { url: `${apiUrl}/#token=${encodeURIComponent(token.trim())}`, token: token.trim() };
}
