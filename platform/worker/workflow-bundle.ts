import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';

const require = createRequire(import.meta.url);
const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const WORKFLOWS_DIR = path.join(PROJECT_ROOT, 'workflows');

/** Entry module of the workflow bundle. */
export const WORKFLOWS_PATH = require.resolve('../../workflows/index.ts');
/** Where bundles are cached, one file per version of the workflow code. */
export const BUNDLE_CACHE_DIR = path.join(PROJECT_ROOT, '.tools', 'workflow-bundle');

const quietBundlerLogger = {
  log() {},
  trace() {},
  debug() {},
  info() {},
  warn(message: string) {
    console.warn(message);
  },
  error(message: string) {
    console.error(message);
  },
};

/** The version of the workflow code: its sources and the SDK that bundles them. */
function codeVersion(): string {
  const hash = createHash('sha256');
  for (const f of readdirSync(WORKFLOWS_DIR, { recursive: true, encoding: 'utf8' })
    .filter((x) => x.endsWith('.ts'))
    .sort()) {
    hash.update(f).update(readFileSync(path.join(WORKFLOWS_DIR, f)));
  }
  for (const pkg of ['@temporalio/workflow', '@temporalio/worker', '@temporalio/common']) {
    hash.update(pkg).update((JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')) as { version: string }).version);
  }
  return hash.digest('hex').slice(0, 16);
}

/** Bundles the workflow code into `file` (webpack), in this process. */
export async function writeWorkflowBundle(file: string): Promise<void> {
  const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp-${process.pid}`, bundle.code);
  renameSync(`${file}.tmp-${process.pid}`, file);
}

function bundleInChild(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), file], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

let cached: Promise<WorkflowBundle> | undefined;

/**
 * The workflow code bundle, built once per version of the code and kept in .tools/workflow-bundle: webpack
 * runs in a child process, so a worker never carries its memory (about 135 MB at peak) and starts in
 * milliseconds once the bundle exists. Falls back to bundling in this process when the cache cannot be written.
 */
export function workflowBundle(): Promise<WorkflowBundle> {
  cached ??= (async () => {
    const file = path.join(BUNDLE_CACHE_DIR, `${codeVersion()}.js`);
    if (!existsSync(file) && !(await bundleInChild(file))) {
      return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
    }
    // Older versions of the bundle are of no use any more.
    for (const old of readdirSync(BUNDLE_CACHE_DIR).filter((f) => f !== path.basename(file) && f.endsWith('.js'))) rmSync(path.join(BUNDLE_CACHE_DIR, old), { force: true });
    return { code: readFileSync(file, 'utf8') };
  })();
  return cached;
}

// As a child process: bundle into the file given.
if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2]) {
  await writeWorkflowBundle(process.argv[2]);
}
