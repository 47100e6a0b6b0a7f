import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ensureInstalled, requireCommand, type InstallContext } from './install';
import { runLogged } from './process/run-command';

/**
 * Command-line tools the tests use beyond the stack's servers, built from the Go module proxy with `go install`
 * into the cache (`<cache>/go-tools/<name>-<version>/bin`), like the stack's parts: once per version, per machine.
 */
export const GO_TOOLS = {
  /** helm 3.22 needs Go ≥ 1.26 to build. */
  helm: { module: 'helm.sh/helm/v3/cmd/helm', version: 'v3.22.0' },
  kubeconform: { module: 'github.com/yannh/kubeconform/cmd/kubeconform', version: 'v0.8.0' },
} as const;

export type GoToolName = keyof typeof GO_TOOLS;

/** The path of a Go tool from {@link GO_TOOLS}, building it first if the cache has no complete build. */
export async function installGoTool(ctx: InstallContext, name: GoToolName): Promise<string> {
  const { module, version } = GO_TOOLS[name];
  const go = requireCommand('go-tools', 'go', 'install Go ≥ 1.26 (https://go.dev/dl/), which builds helm and kubeconform for the deployment tests');
  const dir = await ensureInstalled(ctx, 'go-tools', join('go-tools', `${name}-${version}`), async (target, logFile) => {
    // -trimpath and no VCS stamping: the build does not depend on where the cache is.
    const env = { ...process.env, GOBIN: join(target, 'bin'), GOFLAGS: '-trimpath -buildvcs=false', CGO_ENABLED: '0' };
    await runLogged({ command: go, args: ['install', `${module}@${version}`], cwd: target, env }, logFile);
  });
  return join(dir, 'bin', name);
}

/**
 * The directory of a Go module's source, downloaded with `go mod download` from the Go module proxy into Go's
 * module cache (e.g. the Kubernetes OpenAPI spec in `k8s.io/kubernetes`, the KEDA CRDs in
 * `github.com/kedacore/keda/v2`). Needs Go on PATH.
 */
export async function goModuleDir(module: string, version: string): Promise<string> {
  const go = requireCommand('go-tools', 'go', 'install Go ≥ 1.26 (https://go.dev/dl/)');
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(go, ['mod', 'download', '-json', `${module}@${version}`], { maxBuffer: 1 << 20, timeout: 15 * 60_000 }, (err, out) => {
      // `go mod download -json` prints the error inside its JSON and exits 1.
      const parsed = JSON.parse(out || '{}') as { Dir?: string; Error?: string };
      if (parsed.Dir !== undefined) resolve(out);
      else reject(new Error(`go mod download ${module}@${version} failed: ${parsed.Error ?? (err ? err.message : 'no Dir in its output')}`));
    }),
  );
  return (JSON.parse(stdout) as { Dir: string }).Dir;
}
