import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TemporalCliNotFoundError } from '../errors.ts';

/** The CLI release gamelake builds: the newest that `go install pkg@version` accepts (see README). */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const LOCAL_BIN_DIR = path.join(PROJECT_ROOT, '.tools', 'bin');
export const SDK_DOWNLOAD_DIR = path.join(PROJECT_ROOT, '.tools', 'sdk-download');

export type TemporalCliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'project-build' | 'sdk-download';

export interface ResolvedTemporalCli {
  path: string;
  source: TemporalCliSource;
}

export interface ResolveOptions {
  /** Explicit binary (the TEMPORAL_CLI_PATH variable). */
  explicitPath?: string | undefined;
  /** The PATH to search, ':'-separated. */
  searchPath?: string | undefined;
  /** Progress lines ("building temporal ... this takes minutes the first time"). */
  log?: (line: string) => void;
  /** Build with Go when nothing else is found (default true). */
  allowBuild?: boolean;
  /** Let the Temporal SDK download the CLI when nothing else works (default true). */
  allowDownload?: boolean;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function findOnPath(name: string, searchPath: string | undefined): string | undefined {
  for (const dir of (searchPath ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function buildWithGo(log: (line: string) => void, searchPath: string | undefined): string | undefined {
  const go = findOnPath('go', searchPath) ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) {
    log('temporal: no Go toolchain found, cannot build the CLI locally');
    return undefined;
  }
  mkdirSync(LOCAL_BIN_DIR, { recursive: true });
  log(`temporal: building ${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION} into ${LOCAL_BIN_DIR}`);
  log("temporal: the first build compiles the whole server and takes several minutes; later builds reuse Go's cache");
  const started = Date.now();
  const result = spawnSync(go, ['install', `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, GOBIN: LOCAL_BIN_DIR, CGO_ENABLED: '0', GOFLAGS: '-trimpath' },
  });
  const built = path.join(LOCAL_BIN_DIR, 'temporal');
  if (result.status !== 0 || !isExecutable(built)) {
    log(`temporal: go install failed (exit ${result.status ?? result.signal})`);
    return undefined;
  }
  log(`temporal: built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return built;
}

/** A binary a previous SDK download left in our download dir (the SDK names it temporal-sdk-*). */
function findSdkDownload(): string | undefined {
  if (!existsSync(SDK_DOWNLOAD_DIR)) return undefined;
  const files = readdirSync(SDK_DOWNLOAD_DIR)
    .map((f) => path.join(SDK_DOWNLOAD_DIR, f))
    .filter((f) => isExecutable(f) && /temporal/i.test(path.basename(f)));
  return files.sort().at(-1);
}

/**
 * Lets the Temporal SDK download its pinned dev server (needs internet). The SDK only downloads as part of
 * starting a server, so start one on a free port, stop it, and keep the binary it left in SDK_DOWNLOAD_DIR.
 */
async function downloadWithSdk(log: (line: string) => void): Promise<string | undefined> {
  log('temporal: asking the Temporal SDK to download the CLI (needs internet access)');
  try {
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    mkdirSync(SDK_DOWNLOAD_DIR, { recursive: true });
    const env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'cached-download', downloadDir: SDK_DOWNLOAD_DIR }, ui: false },
    });
    await env.teardown();
  } catch (err) {
    log(`temporal: SDK download failed: ${(err as Error).message.split('\n')[0]}`);
    return undefined;
  }
  return findSdkDownload();
}

/**
 * Resolves the `temporal` binary in this order: TEMPORAL_CLI_PATH; `temporal` on PATH; the project-local
 * build in .tools/bin (built once with `go install`, pinned); the SDK's cached download.
 */
export async function resolveTemporalCli(options: ResolveOptions = {}): Promise<ResolvedTemporalCli> {
  const log = options.log ?? (() => {});
  if (options.explicitPath) {
    if (!isExecutable(options.explicitPath)) {
      throw new TemporalCliNotFoundError(`TEMPORAL_CLI_PATH=${options.explicitPath} is not an executable file`);
    }
    return { path: options.explicitPath, source: 'TEMPORAL_CLI_PATH' };
  }
  const onPath = findOnPath('temporal', options.searchPath);
  if (onPath) return { path: onPath, source: 'PATH' };

  const local = path.join(LOCAL_BIN_DIR, 'temporal');
  if (isExecutable(local)) return { path: local, source: 'project-build' };
  const cached = findSdkDownload();
  if (cached) return { path: cached, source: 'sdk-download' };

  if (options.allowBuild !== false) {
    const built = buildWithGo(log, options.searchPath);
    if (built) return { path: built, source: 'project-build' };
  }
  if (options.allowDownload !== false) {
    const downloaded = await downloadWithSdk(log);
    if (downloaded) return { path: downloaded, source: 'sdk-download' };
  }
  throw new TemporalCliNotFoundError(
    'no temporal binary: set TEMPORAL_CLI_PATH, put temporal on PATH, install Go (>= 1.25) to build it, or allow internet access for the SDK download',
  );
}

/** `temporal --version` of a resolved binary, e.g. "temporal version 1.5.1 (Server 1.29.1, UI 2.42.1)". */
export function temporalCliVersion(binary: string): string {
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return (result.stdout || result.stderr || '').trim();
}
