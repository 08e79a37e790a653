import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { WORKFLOWS_PATH } from '../../platform/worker/worker.ts';

const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

describe('workflow bundle', () => {
  it('bundles every workflow module for the sandbox (no Node modules, no activity code)', async () => {
    const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: silent });
    expect(bundle.code).toContain('demoWorkflow');
    // Activity implementations must never end up in the sandbox.
    expect(bundle.code).not.toContain('prepareDataDir(layout)');
  });

  it('fails on workflow code that imports a Node module (the guard can fail)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bad-wf-'));
    const file = path.join(dir, 'bad.ts');
    writeFileSync(file, "import { readFileSync } from 'node:fs';\nexport async function bad() { return readFileSync('/etc/hostname', 'utf8'); }\n");
    const said: string[] = [];
    const keep = (message: string, meta?: unknown) => said.push(`${message} ${JSON.stringify(meta ?? '')}`);
    const logger = { log: keep, trace() {}, debug() {}, info() {}, warn: keep, error: keep };
    await expect(bundleWorkflowCode({ workflowsPath: file, logger })).rejects.toThrow(/Webpack finished with errors/);
    // Failed for the reason the guard exists: the Node module, named.
    expect(said.join('\n')).toMatch(/node:fs/);
  });
});
