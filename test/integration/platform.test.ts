import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { demoWorkflow } from '../../workflows/index.ts';
import { GAMELAKE_JOB } from '../../workflows/search-attributes.ts';
import { freePort, startDevServer, waitForTemporal } from '../../platform/server/dev-server.ts';
import { NAMESPACE, tempDataDir, useTestClient, uniqueTaskQueue, waitForList, withWorker } from './helpers.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const GAMELAKE = path.join(ROOT, 'bin/gamelake.js');

const testServer = useTestClient();

describe('demo workflow on a real server', () => {
  it("runs its activity on the worker's disk and is findable by search attribute", async () => {
    const dataDir = tempDataDir();
    const taskQueue = uniqueTaskQueue('demo');
    const workflowId = `demo-test-${Date.now()}`;
    const result = await withWorker(dataDir, taskQueue, () =>
      testServer.client.workflow.execute(demoWorkflow, {
        taskQueue,
        workflowId,
        typedSearchAttributes: [{ key: GAMELAKE_JOB, value: 'demo' }],
      }),
    );
    expect(result.dataDir.dataDir).toBe(dataDir);
    for (const dir of ['lake', 'inbox/done', 'inbox/failed', 'logs']) expect(existsSync(path.join(dataDir, dir))).toBe(true);
    const marker = JSON.parse(readFileSync(path.join(dataDir, 'gamelake.json'), 'utf8'));
    expect(marker.createdAt).toBe(result.dataDir.createdAt);

    const ids = await waitForList(testServer.client, `GamelakeJob = "demo" AND WorkflowId = "${workflowId}"`);
    expect(ids).toEqual([workflowId]);
    const history = await testServer.client.workflow.getHandle(workflowId).fetchHistory();
    const activityTypes = history.events!.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
    expect(activityTypes).toEqual(['prepareDataDir']);
  });
});

function run(args: string[], env: Record<string, string>, timeoutMs = 120_000) {
  return spawnSync(process.execPath, [GAMELAKE, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: timeoutMs,
  });
}

describe('gamelake CLI against a real server', () => {
  it('`gamelake demo --exit` runs the demo through TEMPORAL_ADDRESS and links to the UI', () => {
    const dataDir = tempDataDir();
    const taskQueue = uniqueTaskQueue('cli-demo');
    const result = run(['demo', '--exit'], {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      GAMELAKE_DATA_DIR: dataDir,
      GAMELAKE_TASK_QUEUE: taskQueue,
    });
    expect(result.stderr).toMatch(/http:\/\/localhost:8233\/namespaces\/default\/workflows\/demo-/);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`data directory ${dataDir}`);
  });

  it('`gamelake worker` polls TEMPORAL_ADDRESS and stops cleanly on SIGTERM', async () => {
    const dataDir = tempDataDir();
    const taskQueue = uniqueTaskQueue('cli-worker');
    const child = spawn(process.execPath, [GAMELAKE, 'worker'], {
      env: { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), GAMELAKE_DATA_DIR: dataDir, GAMELAKE_TASK_QUEUE: taskQueue },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // The workflow completes only because the separate worker process picks it up.
    const result = await testServer.client.workflow.execute(demoWorkflow, { taskQueue, workflowId: `worker-cli-${Date.now()}` });
    expect(result.dataDir.dataDir).toBe(dataDir);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // Not a terminal: every line of the worker's log is JSON, its own start and stop lines too.
    const lines = stderr.split('\n').filter(Boolean);
    const parsed = lines.map((l) => JSON.parse(l) as { msg: string; taskQueue?: string });
    expect(parsed.find((l) => l.msg.startsWith('worker polling task queue'))).toMatchObject({ msg: expect.stringContaining(`"${taskQueue}"`), taskQueue });
    expect(parsed.at(-1)!.msg).toBe('worker stopped');
  });

  it('fails with a one-line reason when TEMPORAL_ADDRESS is malformed', () => {
    const result = run(['demo', '--exit'], { TEMPORAL_ADDRESS: 'not an address' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('gamelake demo: TEMPORAL_ADDRESS=not an address is not host:port');
  });
});

describe('embedded dev server persistence', () => {
  it('keeps workflow history across a restart on the same SQLite file, visible to the temporal CLI', async () => {
    const dir = tempDataDir('gamelake-persist-');
    const port = await freePort();
    const options = {
      binary: inject('temporalCli'),
      dbFile: path.join(dir, 'temporal.db'),
      port,
      uiPort: false as const,
      logFile: path.join(dir, 'server.log'),
    };
    const address = `127.0.0.1:${port}`;
    const first = await startDevServer(options);
    const dataDir = tempDataDir();
    const taskQueue = 'gamelake';
    try {
      const out = spawnSync(process.execPath, [GAMELAKE, 'demo', '--exit'], {
        env: { ...process.env, TEMPORAL_ADDRESS: address, GAMELAKE_DATA_DIR: dataDir, GAMELAKE_TASK_QUEUE: taskQueue },
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(out.status, out.stderr).toBe(0);
    } finally {
      await first.stop();
    }
    const second = await startDevServer(options);
    try {
      await waitForTemporal(address, 30_000);
      const list = spawnSync(inject('temporalCli'), ['workflow', 'list', '--address', address, '--namespace', NAMESPACE, '--query', 'GamelakeJob="demo"', '-o', 'json'], {
        encoding: 'utf8',
      });
      expect(list.status, list.stderr).toBe(0);
      const rows = JSON.parse(list.stdout) as Array<{ execution: { workflowId: string }; status: string }>;
      expect(rows).toHaveLength(1);
      expect(rows[0]!.execution.workflowId).toMatch(/^demo-/);
      expect(rows[0]!.status).toBe('WORKFLOW_EXECUTION_STATUS_COMPLETED');
    } finally {
      await second.stop();
    }
  });
});
