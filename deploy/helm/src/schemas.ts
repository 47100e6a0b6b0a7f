import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { goModuleDir } from '@creditstream/local-stack';
import { parse } from 'yaml';

/**
 * Where kubeconform's JSON schemas come from: Go modules on the Go module proxy (the Kubernetes repository holds the
 * OpenAPI spec, KEDA and the Prometheus Operator their CRDs). Strimzi publishes no Go module, and its CRDs are not
 * in its Maven Central jars, so `KafkaTopic` has no schema here: the tests check those resources against the topic
 * table instead.
 */
export const SCHEMA_SOURCES = {
  kubernetes: { module: 'k8s.io/kubernetes', version: 'v1.31.0' },
  keda: { module: 'github.com/kedacore/keda/v2', version: 'v2.16.1' },
  prometheusOperator: { module: 'github.com/prometheus-operator/prometheus-operator', version: 'v0.79.2' },
} as const;

/** The Kubernetes version the chart is rendered and validated for. */
export const KUBERNETES_VERSION = SCHEMA_SOURCES.kubernetes.version.slice(1);

type Schema = Record<string, unknown>;

/**
 * Kubernetes' OpenAPI v2 definitions made strict JSON schemas, as kubeconform's usual schema set does: objects refuse
 * unknown fields, and int-or-string and quantities accept both.
 */
function strict(definitions: Record<string, Schema>): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  for (const [name, def] of Object.entries(definitions)) {
    if (name === 'io.k8s.apimachinery.pkg.util.intstr.IntOrString' || name === 'io.k8s.apimachinery.pkg.api.resource.Quantity') {
      out[name] = { oneOf: [{ type: 'string' }, { type: 'integer' }, ...(name.endsWith('Quantity') ? [{ type: 'number' }] : [])] };
    } else if (def.properties !== undefined && def.additionalProperties === undefined) out[name] = { ...def, additionalProperties: false };
    else out[name] = def;
  }
  return out;
}

/** A CRD's structural schema made strict: every object with declared properties refuses others, as the API server prunes them. */
function strictCrd(schema: Schema): Schema {
  const out: Schema = { ...schema };
  if (out.properties !== undefined) {
    out.properties = Object.fromEntries(Object.entries(out.properties as Record<string, Schema>).map(([k, v]) => [k, strictCrd(v)]));
    if (out.additionalProperties === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) out.additionalProperties = false;
  }
  if (out.items !== undefined) out.items = strictCrd(out.items as Schema);
  if (out.additionalProperties !== undefined && typeof out.additionalProperties === 'object') out.additionalProperties = strictCrd(out.additionalProperties as Schema);
  return out;
}

function write(dir: string, group: string, kind: string, version: string, schema: Schema): void {
  const target = join(dir, group);
  mkdirSync(target, { recursive: true });
  writeFileSync(join(target, `${kind.toLowerCase()}_${version}.json`), JSON.stringify(schema));
}

/**
 * kubeconform's `-schema-location` arguments for the files {@link writeSchemas} writes: core kinds at the top (their
 * `.Group` does not render as an empty path segment), the others under their group.
 */
export function schemaLocationArgs(dir: string): string[] {
  return ['-schema-location', `${dir}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`, '-schema-location', `${dir}/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`];
}

/**
 * Writes a JSON schema per kind of `kinds` (Kubernetes' own) and per CRD version (KEDA, Prometheus Operator) into
 * `dir`, laid out for {@link schemaLocation}. Each Kubernetes file holds every definition and refers to its kind.
 */
export async function writeSchemas(dir: string, kinds: readonly { group: string; version: string; kind: string }[]): Promise<void> {
  const k8s = await goModuleDir(SCHEMA_SOURCES.kubernetes.module, SCHEMA_SOURCES.kubernetes.version);
  const swagger = JSON.parse(readFileSync(join(k8s, 'api', 'openapi-spec', 'swagger.json'), 'utf8')) as { definitions: Record<string, Schema> };
  const definitions = strict(swagger.definitions);
  for (const { group, version, kind } of kinds) {
    const found = Object.entries(swagger.definitions).find(([, d]) => ((d['x-kubernetes-group-version-kind'] ?? []) as { group: string; version: string; kind: string }[]).some((g) => g.group === group && g.version === version && g.kind === kind));
    if (found === undefined) continue;
    write(dir, group, kind, version, { $ref: `#/definitions/${found[0]}`, definitions });
  }
  const crdDirs = [
    join(await goModuleDir(SCHEMA_SOURCES.keda.module, SCHEMA_SOURCES.keda.version), 'config', 'crd', 'bases'),
    join(await goModuleDir(SCHEMA_SOURCES.prometheusOperator.module, SCHEMA_SOURCES.prometheusOperator.version), 'example', 'prometheus-operator-crd'),
  ];
  for (const crdDir of crdDirs) {
    for (const file of readdirSync(crdDir).filter((f) => f.endsWith('.yaml'))) {
      const crd = parse(readFileSync(join(crdDir, file), 'utf8')) as { spec: { group: string; names: { kind: string }; versions: { name: string; schema?: { openAPIV3Schema: Schema } }[] } };
      for (const v of crd.spec.versions) if (v.schema) write(dir, crd.spec.group, crd.spec.names.kind, v.name, strictCrd(v.schema.openAPIV3Schema));
    }
  }
}
