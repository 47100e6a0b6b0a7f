import type { InstallContext } from '../install';
import type { PartName, StackOptions } from '../options';
import type { CommandSpec } from '../process/spawn';

/** What a part needs to install, configure and run itself. */
export interface PartContext extends InstallContext {
  options: StackOptions;
}

/** One server of the local stack: how to install it, configure it, run it and ask it whether it is healthy. */
export interface Part {
  name: PartName;
  /** The ports it binds on 127.0.0.1, by role; each must be free before it starts. */
  ports(ctx: PartContext): Record<string, number>;
  /** The value of its endpoint variable (`KAFKA_BROKERS`, ...) when run locally. */
  endpoint(ctx: PartContext): string;
  /** Installs it into the cache unless a complete install is there. */
  install(ctx: PartContext): Promise<void>;
  /** Writes its configuration into `.stack/` (and initialises storage) and says what to run. */
  prepare(ctx: PartContext, logFile: string): Promise<CommandSpec>;
  /**
   * Resolves when the server at `endpoint` answers as healthy; rejects with the reason otherwise. Bounded in time.
   * `ctx` tells how to reach a server the stack secured (Kafka with SASL_SSL); without it, the plain default.
   */
  health(endpoint: string, ctx?: PartContext): Promise<void>;
  /** How long a fresh start may take to become healthy. */
  startTimeoutMs: number;
  /** How long it gets between SIGTERM and SIGKILL. */
  stopGraceMs: number;
}

/** GETs `url` and resolves when it answers 200; rejects with the status or network error. */
export async function expectHttpOk(url: string, timeoutMs = 2_000): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}: ${body.slice(0, 200)}`);
  return body;
}
