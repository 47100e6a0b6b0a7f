import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureInstalled, requireCommand } from '../install';
import { VERSIONS } from '../options';
import { runLogged } from '../process/run-command';
import { expectHttpOk, type Part, type PartContext } from './part';

const DIR_NAME = `apicurio-registry-${VERSIONS.apicurio}`;
const ARTIFACT = `io.apicurio:apicurio-registry-app:${VERSIONS.apicurio}:tar.gz:all`;

/** The Confluent-compatible API under the registry's base URL. */
export const CCOMPAT_PATH = '/apis/ccompat/v7';

/** The runnable jar of an unpacked Apicurio archive: 3.0 ships a legacy `*-runner.jar`, later 3.x a fast-jar. */
export function findRunnableJar(appDir: string): string | undefined {
  for (const candidate of [join(appDir, 'quarkus-run.jar'), join(appDir, 'quarkus-app', 'quarkus-run.jar')]) {
    if (existsSync(candidate)) return candidate;
  }
  const runner = existsSync(appDir) ? readdirSync(appDir).find((name) => name.endsWith('-runner.jar')) : undefined;
  return runner === undefined ? undefined : join(appDir, runner);
}

/** Registry settings, as Java system properties. */
export function registrySystemProperties(port: number, databaseFile: string): string[] {
  return [
    '-Dquarkus.http.host=127.0.0.1',
    `-Dquarkus.http.port=${port}`,
    // A file-backed H2 database instead of the default in-memory one, so schema ids survive a restart.
    `-Dapicurio.datasource.url=jdbc:h2:file:${databaseFile}`,
    // Let tests and tools delete subjects and versions through the ccompat API, as on Confluent's registry.
    '-Dapicurio.rest.deletion.artifact.enabled=true',
    '-Dapicurio.rest.deletion.artifact-version.enabled=true',
    '-Dapicurio.rest.deletion.group.enabled=true',
    // Every test registers schemas: one access-log and audit line per request would drown the log.
    '-Dquarkus.http.access-log.enabled=false',
    '-Dquarkus.log.category."io.apicurio.registry.logging.audit".level=WARN',
    '-Dquarkus.log.category."io.apicurio.registry.storage.metrics".level=WARN',
  ];
}

function appDirOf(ctx: PartContext): string {
  return join(ctx.paths.cacheDir, DIR_NAME, 'app');
}

/** Apicurio Registry 3 from Maven Central, spoken to through its Confluent-compatible API. */
export const registryPart: Part = {
  name: 'registry',
  startTimeoutMs: 180_000,
  stopGraceMs: 15_000,
  ports: (ctx) => ({ http: ctx.options.ports.registry }),
  endpoint: (ctx) => `http://127.0.0.1:${ctx.options.ports.registry}${CCOMPAT_PATH}`,

  async install(ctx) {
    requireCommand('registry', 'java', 'install a Java 17+ runtime (Debian: openjdk-17-jre-headless)');
    const mvn = requireCommand('registry', 'mvn', 'install Maven (Debian: maven)');
    await ensureInstalled(ctx, 'registry', DIR_NAME, async (dir, logFile) => {
      const repo = join(dir, 'm2');
      const appDir = join(dir, 'app');
      await runLogged({ command: mvn, args: ['-B', '-q', `-Dmaven.repo.local=${repo}`, 'dependency:unpack', `-Dartifact=${ARTIFACT}`, `-DoutputDirectory=${appDir}`], cwd: dir }, logFile);
      if (findRunnableJar(appDir) === undefined) throw new Error(`unpacked ${ARTIFACT} into ${appDir} but found no runnable jar there`);
      rmSync(repo, { recursive: true, force: true });
      // pax headers the archiver writes as plain files
      rmSync(join(appDir, 'PaxHeaders.X'), { recursive: true, force: true });
    });
  },

  async prepare(ctx) {
    const java = requireCommand('registry', 'java', 'install a Java 17+ runtime (Debian: openjdk-17-jre-headless)');
    const appDir = appDirOf(ctx);
    const jar = findRunnableJar(appDir);
    if (jar === undefined) throw new Error(`no runnable jar in ${appDir}`);
    const stateDir = join(ctx.paths.stateDir, 'registry');
    mkdirSync(stateDir, { recursive: true });
    return {
      command: java,
      args: ['-Xms64m', '-Xmx512m', '-XX:+UseSerialGC', ...registrySystemProperties(ctx.options.ports.registry, join(stateDir, 'registry')), '-jar', jar],
      cwd: stateDir,
    };
  },

  async health(endpoint) {
    const body = await expectHttpOk(`${endpoint}/subjects`);
    if (!Array.isArray(JSON.parse(body))) throw new Error(`GET ${endpoint}/subjects did not answer a JSON array: ${body.slice(0, 200)}`);
  },
};
