import { join } from 'node:path';
import { compileStackOptions } from './options';
import { kafkaToolCommand as installedKafkaTool } from './parts/kafka';
import { pymongoPython as installPymongoPython } from './parts/mongodb';
import { promtoolPath } from './parts/prometheus';
import { resolvePaths, targetsDirOf } from './paths';
import { installGoTool, type GoToolName } from './tools';

export { StackError, type StackErrorCode } from './errors';
export { compileStackOptions, PART_NAMES, VERSIONS, type PartName, type StackOptions, type StackPorts } from './options';
export { GO_TOOLS, goModuleDir, type GoToolName } from './tools';
export { down, endpointLines, logFile, runningParts, status, up } from './stack';
export { startPrivateServer, type PrivatePartName, type PrivateServer, type PrivateServerOptions } from './private-server';
export type { DownOptions, PartOrigin, PartStatus, StackCallOptions, StackEndpoints, UpResult } from './stack';

/**
 * The directory the local Prometheus reads file_sd target files from (`<repo root>/.stack/prometheus/targets`).
 * A creditstream process that serves `/metrics` writes `<name>-<pid>.json` there when it starts, e.g.
 * `[{"targets":["127.0.0.1:9464"],"labels":{"service":"scoring"}}]`, and removes it when it stops; Prometheus
 * picks changes up within 5 s.
 */
export function prometheusTargetsDir(env: NodeJS.ProcessEnv = process.env): string {
  return targetsDirOf(resolvePaths(env));
}

/**
 * The Python interpreter of the SecantusDB virtualenv in the cache, which has pymongo; installs it on first use.
 * Useful to check the store with a second, independent driver.
 */
export async function pymongoPython(env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = (line) => process.stderr.write(`[stack] ${line}\n`)): Promise<string> {
  return installPymongoPython({ paths: resolvePaths(env), log });
}

/** The path of the compiled CLI (`npm run stack -- ...`), for callers that must run `up` in a child process. */
export function cliPath(): string {
  return join(__dirname, 'cli.js');
}

/**
 * The command line (java, its arguments, then `mainClass`) that runs a Kafka command-line tool from the jars the
 * stack installed, e.g. `kafka.admin.BrokerApiVersionsCommand --bootstrap-server 127.0.0.1:19092`; installs Kafka
 * on first use. Kafka's own Java client: a check of the broker that does not go through kafkajs and needs no
 * tool beyond what the stack installs (no kcat).
 */
export async function kafkaTool(mainClass: string, env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = (line) => process.stderr.write(`[stack] ${line}\n`)): Promise<{ command: string; args: string[] }> {
  return installedKafkaTool({ paths: resolvePaths(env), options: compileStackOptions(env), log }, mainClass);
}

/** The path of `promtool` (from the Debian `prometheus` package the stack uses), installing the package if needed. */
export async function promtool(env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = (line) => process.stderr.write(`[stack] ${line}\n`)): Promise<string> {
  return promtoolPath({ paths: resolvePaths(env), options: compileStackOptions(env), log });
}

/**
 * The path of helm or kubeconform, built with `go install <module>@<version>` from the Go module proxy into the
 * cache on first use (a few minutes; cached per version). Needs Go on PATH.
 */
export async function goTool(name: GoToolName, env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = (line) => process.stderr.write(`[stack] ${line}\n`)): Promise<string> {
  return installGoTool({ paths: resolvePaths(env), log }, name);
}
