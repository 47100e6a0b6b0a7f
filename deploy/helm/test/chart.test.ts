import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { goTool } from '@creditstream/local-stack';
import { parseAllDocuments } from 'yaml';
import { CHART_DIR, chartTopics, generatedChartFiles } from '../src';
import { KUBERNETES_VERSION, schemaLocationArgs, writeSchemas } from '../src/schemas';

const run = promisify(execFile);

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
}

async function tool(name: 'helm' | 'kubeconform', args: string[], input?: string): Promise<string> {
  const binary = await goTool(name);
  try {
    if (input === undefined) return (await run(binary, args, { cwd: CHART_DIR, maxBuffer: 64 << 20 })).stdout;
    return await new Promise<string>((resolve, reject) => {
      const child = execFile(binary, args, { cwd: CHART_DIR, maxBuffer: 64 << 20 }, (err, stdout, stderr) => (err ? reject(Object.assign(err, { stdout, stderr })) : resolve(stdout)));
      child.stdin?.end(input);
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${name} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: err });
  }
}

const VALUES = { default: [], production: ['-f', join(CHART_DIR, 'values-production.yaml')] } as const;

async function render(values: readonly string[]): Promise<{ text: string; manifests: Manifest[] }> {
  const text = await tool('helm', ['template', 'cs', CHART_DIR, '--kube-version', KUBERNETES_VERSION, ...values]);
  const manifests = parseAllDocuments(text).map((d) => d.toJS() as Manifest | null).filter((m): m is Manifest => m !== null);
  return { text, manifests };
}

describe('Helm chart deploy/helm/creditstream (helm and kubeconform from the Go module proxy)', function () {
  // The first run builds helm and kubeconform with `go install` (minutes); later runs find them in the cache.
  this.timeout(20 * 60_000);
  let schemaDir = '';

  before(async () => {
    schemaDir = mkdtempSync(join(tmpdir(), 'creditstream-kubeconform-'));
    const kinds = new Map<string, { group: string; version: string; kind: string }>();
    for (const values of Object.values(VALUES)) {
      for (const m of (await render(values)).manifests) {
        const [group, version] = m.apiVersion.includes('/') ? (m.apiVersion.split('/') as [string, string]) : ['', m.apiVersion];
        kinds.set(`${m.apiVersion}/${m.kind}`, { group, version, kind: m.kind });
      }
    }
    await writeSchemas(schemaDir, [...kinds.values()]);
  });

  after(() => rmSync(schemaDir, { recursive: true, force: true }));

  it('carries the topic table, alert rules and dashboards generated from the code (npm run generate -w @creditstream/helm)', () => {
    for (const [path, content] of generatedChartFiles()) assert.equal(readFileSync(join(CHART_DIR, path), 'utf8'), content, `${path} is stale`);
  });

  for (const [name, values] of Object.entries(VALUES)) {
    it(`passes helm lint --strict with the ${name} values`, async () => {
      const output = await tool('helm', ['lint', '--strict', CHART_DIR, ...values]);
      assert.match(output, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    });

    it(`renders with the ${name} values into manifests kubeconform accepts against the Kubernetes ${KUBERNETES_VERSION}, KEDA and Prometheus Operator schemas`, async () => {
      const { text, manifests } = await render(values);
      // No Strimzi schema is available from the Go module proxy or Maven Central: KafkaTopic is checked below.
      const output = await tool('kubeconform', ['-strict', '-summary', '-output', 'text', ...schemaLocationArgs(schemaDir), '-skip', 'KafkaTopic', '-'], text);
      assert.match(output, /Summary: \d+ resources? found parsing stdin - Valid: \d+, Invalid: 0, Errors: 0, Skipped: \d+/, output);
      const skipped = Number(/Skipped: (\d+)/.exec(output)?.[1]);
      assert.equal(skipped, manifests.filter((m) => m.kind === 'KafkaTopic').length, `kubeconform skipped more than the KafkaTopics:\n${output}`);
    });
  }

  it('default values: a Deployment with probes, resources, a PodDisruptionBudget per existing service, the trainer CronJob, a Strimzi topic per table row', async () => {
    const { manifests } = await render(VALUES.default);
    const of = (kind: string) => manifests.filter((m) => m.kind === kind);
    assert.deepEqual(of('Deployment').map((d) => d.metadata.name).sort(), ['cs-feature-service', 'cs-scoring-service']);
    for (const d of of('Deployment')) {
      const container = (d.spec as { template: { spec: { containers: Record<string, { path: string } & Record<string, unknown>>[] } } }).template.spec.containers[0] as Record<string, { httpGet?: { path: string } }>;
      assert.equal(container.livenessProbe?.httpGet?.path, '/livez', d.metadata.name);
      assert.equal(container.readinessProbe?.httpGet?.path, '/readyz', d.metadata.name);
      assert.ok(container.resources, d.metadata.name);
    }
    assert.equal(of('PodDisruptionBudget').length, 2);
    assert.equal(of('CronJob').length, 1);
    assert.equal(of('ScaledObject').length, 0, 'autoscaling is off by default');
    const topics = of('KafkaTopic');
    const table = chartTopics();
    assert.deepEqual(topics.map((t) => t.spec?.topicName), table.map((t) => t.name));
    for (const [i, t] of topics.entries()) {
      const row = table[i];
      assert.equal(t.spec?.partitions, row?.partitions === 'keyed' ? 6 : row?.partitions, t.metadata.name);
      assert.deepEqual({ ...(t.spec?.config as Record<string, string>), 'min.insync.replicas': undefined }, { ...row?.config, 'min.insync.replicas': undefined }, t.metadata.name);
    }
  });

  it('every command the chart runs exists in the build, in a directory the Dockerfile copies into the image', async () => {
    const repo = join(CHART_DIR, '..', '..', '..');
    const dockerfile = readFileSync(join(repo, 'deploy', 'docker', 'Dockerfile'), 'utf8');
    const copied = [...dockerfile.matchAll(/^COPY --from=build \/app\/(\S+) /gm)].map((m) => m[1] ?? '');
    const { manifests } = await render(VALUES.production);
    const commands = manifests.flatMap((m) => JSON.stringify(m.spec ?? {}).match(/"command":\["node","([^"]+)"/g) ?? []).map((c) => /"node","([^"]+)"/.exec(c)?.[1] ?? '');
    const existing = commands.filter((c) => ['services/feature-service', 'services/scoring-service', 'services/cli'].some((s) => c.startsWith(s)));
    assert.ok(existing.length >= 3, `commands: ${commands.join(', ')}`);
    for (const command of existing) {
      assert.ok(existsSync(join(repo, command)), `${command} is not built`);
      assert.ok(copied.some((dir) => command.startsWith(`${dir}/`)), `${command} is not in a directory the Dockerfile copies (${copied.join(', ')})`);
    }
  });

  it('production values: every consumer scales on lag with KEDA up to the partition count, SASL from a secret, monitoring resources', async () => {
    const { manifests } = await render(VALUES.production);
    const scaled = manifests.filter((m) => m.kind === 'ScaledObject');
    assert.equal(scaled.length, 5);
    for (const s of scaled) {
      assert.equal(s.spec?.maxReplicaCount, 24, s.metadata.name);
      const trigger = (s.spec?.triggers as { type: string; metadata: Record<string, string>; authenticationRef?: { name: string } }[])[0];
      assert.equal(trigger?.type, 'kafka');
      assert.ok(Number(trigger?.metadata.lagThreshold) > 0);
      assert.equal(trigger?.authenticationRef?.name, 'cs-kafka');
    }
    for (const s of scaled) {
      const trigger = (s.spec?.triggers as { metadata: Record<string, string> }[])[0];
      assert.equal(trigger?.metadata.sasl, 'scram_sha512', `${s.metadata.name}: KEDA logs in with SCRAM-SHA-512`);
      assert.equal(trigger?.metadata.tls, 'enable', `${s.metadata.name}: KEDA talks TLS`);
    }
    const auth = manifests.find((m) => m.kind === 'TriggerAuthentication');
    assert.deepEqual((auth?.spec?.secretTargetRef as { parameter: string }[]).map((r) => r.parameter), ['username', 'password', 'ca']);
    type Pod = { containers: { name: string; env: { name: string; value?: string; valueFrom?: unknown }[]; volumeMounts: { name: string; mountPath: string }[] }[]; volumes: { name: string; secret?: { secretName: string } }[] };
    const pods = manifests.flatMap((m) => {
      if (m.kind === 'Deployment') return [(m.spec as { template: { spec: Pod } }).template.spec];
      if (m.kind === 'CronJob') return [(m.spec as { jobTemplate: { spec: { template: { spec: Pod } } } }).jobTemplate.spec.template.spec];
      return [];
    });
    assert.ok(pods.length >= 6, `${pods.length} pods`);
    for (const pod of pods) {
      const container = pod.containers[0];
      const env = new Map(container?.env.map((e) => [e.name, e]));
      assert.equal(env.get('KAFKA_SECURITY_PROTOCOL')?.value, 'SASL_SSL', container?.name);
      assert.equal(env.get('KAFKA_SASL_PASSWORD_FILE')?.value, '/etc/creditstream/kafka-sasl/password', container?.name);
      assert.equal(env.get('KAFKA_SSL_CA_FILE')?.value, '/etc/creditstream/kafka-ca/ca.crt', container?.name);
      assert.ok(!env.has('KAFKA_SASL_PASSWORD'), `${container?.name}: the password is a mounted file, not an environment variable`);
      assert.ok(env.get('KAFKA_SASL_USERNAME')?.valueFrom !== undefined, `${container?.name}: the user comes from the secret`);
      assert.deepEqual(pod.volumes.filter((v) => v.secret).map((v) => v.secret?.secretName).sort(), ['creditstream-kafka-user', 'prod-cluster-ca-cert'], container?.name);
      assert.deepEqual(container?.volumeMounts.map((v) => v.mountPath).filter((p) => p.startsWith('/etc/creditstream')).sort(), ['/etc/creditstream/kafka-ca', '/etc/creditstream/kafka-sasl']);
    }
    assert.equal(manifests.filter((m) => m.kind === 'Secret').length, 0, 'existing secrets are used, none created');
    assert.equal(manifests.filter((m) => m.kind === 'ServiceMonitor').length, 5);
    assert.equal(manifests.filter((m) => m.kind === 'PrometheusRule').length, 1);
    assert.equal(manifests.filter((m) => m.kind === 'ConfigMap' && m.metadata.labels?.grafana_dashboard === '1').length, 3);
    assert.ok(manifests.filter((m) => m.kind === 'KafkaTopic').every((t) => t.metadata.labels?.['strimzi.io/cluster'] === 'prod'));
    assert.deepEqual(awaitEnv(manifests), { 'cs-collections-service': {}, 'cs-credit-service': {}, 'cs-feature-service': {}, 'cs-fraud-service': {}, 'cs-scoring-service': {} }, 'with every service running, each waits for the others as its defaults say');
  });

  it('a service does not wait for a service the values leave out: its progress, or its fraud checks', async () => {
    const only = async (...services: string[]) => awaitEnv((await render(services.flatMap((s) => ['--set', `services.${s}.enabled=true`]))).manifests);
    assert.deepEqual(await only('credit-service'), {
      'cs-credit-service': { CREDIT_FRAUD_CHECKS: 'off', CREDIT_SERVICE_AWAIT_DAILY_RUN: 'none' },
      'cs-feature-service': {},
      'cs-scoring-service': {},
    });
    assert.deepEqual(await only('credit-service', 'fraud-service', 'collections-service'), { 'cs-collections-service': {}, 'cs-credit-service': {}, 'cs-feature-service': {}, 'cs-fraud-service': {}, 'cs-scoring-service': {} });
    const alone = awaitEnv((await render(['--set', 'services.scoring-service.enabled=false', '--set', 'services.feature-service.enabled=false', '--set', 'services.fraud-service.enabled=true', '--set', 'services.collections-service.enabled=true'])).manifests);
    assert.deepEqual(alone, { 'cs-collections-service': { COLLECTIONS_SERVICE_AWAIT_PROGRESS: 'none' }, 'cs-fraud-service': {} });
  });
});

/** Per Deployment, the environment variables that turn a wait for another service off. */
function awaitEnv(manifests: readonly Manifest[]): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const m of manifests) {
    if (m.kind !== 'Deployment') continue;
    const env = (m.spec as { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } }).template.spec.containers[0]?.env ?? [];
    out[m.metadata.name] = Object.fromEntries(env.filter((e) => /_AWAIT_(PROGRESS|DAILY_RUN)$|^CREDIT_FRAUD_CHECKS$/.test(e.name)).map((e) => [e.name, e.value ?? '']));
  }
  return out;
}
