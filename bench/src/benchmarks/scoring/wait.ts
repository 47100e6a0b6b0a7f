/** Polls `check` every 100 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  if (!(await waitAtMost(timeoutMs, check))) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/**
 * Polls `check` every 100 ms until it holds or `timeoutMs` has passed; whether it held. For a wait whose running out
 * is itself a result (a stream the pipeline could not keep up with), which the caller reports.
 */
export async function waitAtMost(timeoutMs: number, check: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}
