import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { DEFAULT_CONTRACTS_DIR } from '../../lake/contracts.ts';
import { openDb, sqlLiteral } from '../../lake/duckdb.ts';
import { VALID } from '../fixtures/events.ts';
import { runCli, tempDataDir, uniqueTaskQueue, useTestClient, filesText, historiesText } from './helpers.ts';

const GAMELAKE = new URL('../../bin/gamelake.js', import.meta.url).pathname;
const testServer = useTestClient();

/** Every value of every row, decoded: each Parquet file of the lake and each table of the warehouse (compression hides bytes from grep). */
async function decodedText(dataDir: string): Promise<string> {
  const db = await openDb();
  try {
    let out = '';
    const parquet = readdirSync(dataDir, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.parquet'));
    for (const f of parquet) {
      const rows = await db.rows<{ r: string }>(`SELECT CAST(t AS VARCHAR) AS r FROM read_parquet(${sqlLiteral(path.join(dataDir, f))}) t`);
      out += rows.map((r) => r.r).join('\n');
    }
    await db.run(`ATTACH ${sqlLiteral(path.join(dataDir, 'warehouse.duckdb'))} AS wh (READ_ONLY)`);
    const tables = await db.rows<{ s: string; t: string }>("SELECT schema_name AS s, table_name AS t FROM duckdb_tables() WHERE database_name = 'wh'");
    for (const { s, t } of tables) {
      const rows = await db.rows<{ r: string }>(`SELECT CAST(x AS VARCHAR) AS r FROM wh."${s}"."${t}" x`);
      out += rows.map((r) => r.r).join('\n');
    }
    return out;
  } finally {
    db.close();
  }
}

describe('secrets, planted everywhere a producer could put them', () => {
  it('never reach the lake, quarantine, the warehouse, a workflow history, a log, an error or the Temporal database', { timeout: 240_000 }, async () => {
    const dataDir = tempDataDir('gamelake-secrets-');
    const contractsDir = path.join(dataDir, 'contracts');
    mkdirSync(contractsDir);
    for (const f of readdirSync(DEFAULT_CONTRACTS_DIR)) copyFileSync(path.join(DEFAULT_CONTRACTS_DIR, f), path.join(contractsDir, f));
    // A contract file names one more secret key for its product.
    const te = path.join(contractsDir, 'trade-engine.yaml');
    writeFileSync(te, readFileSync(te, 'utf8').replace('mode: freeze\n', 'mode: freeze\nsecrets: [api_token]\n'));

    const S = (tag: string) => `SECRET-${tag}-7f3a91c2`;
    const line = (id: string, event: Record<string, unknown>) => JSON.stringify({ ...event, event_id: id });
    const lines = [
      // accepted, the secret dropped
      line('s1', { ...VALID.login, password: S('A') }),
      line('s2', { ...VALID.create_user, password: S('B0'), profile: { note: 'hi', Password: S('B'), deeper: [{ PASSWORD: S('B2') }] } }),
      line('s3', { ...VALID.login, password: undefined, PassWord: { a: S('C'), b: [S('D'), { c: S('E') }] } }),
      line('s4', { ...VALID.trade, api_token: S('J'), meta: { API_Token: S('K'), nested: { Api_Token: [S('K2')] } } }),
      line('s5', { ...VALID.login, password: `${S('M')}"quoted"\\tail` }),
      `{"event_id":"s6","event_type":"login","product_id":"placebo","occurred_at":"2026-01-02T03:04:05Z","user_id":"u1","pass\\u0077ord":"${S('N')}"}`,
      // quarantined, the secret masked in the raw text kept
      line('q1', { ...VALID.login, password: [S('F'), S('G')] }),
      line('q2', { ...VALID.login, password: { deep: { x: S('H'), y: [1, S('H2')] } } }),
      line('q3', { ...VALID.login, event_type: 'reset_password', password: S('L') }),
      `{"event_id":"q4","event_type":"login","product_id":"placebo","password":"${S('I')}", "user_id": `,
      `{"event_id":"q5","pass\\u0077ord":"${S('O')}","Password":{"a":["${S('P')}"]},"event_type":`,
    ];
    // The batch itself lives outside the data directory (it is the one place the secrets are meant to be).
    // Its name is a positive control: not secret, so it must be found as plain text where the secrets are not.
    const PLAIN = 'PLAIN-CONTROL-7f3a91c2';
    const batch = path.join(tempDataDir('gamelake-secrets-in-'), `secrets-${PLAIN}.ndjson`);
    writeFileSync(batch, `${lines.join('\n')}\n`);
    const secrets = [...lines.join('\n').matchAll(/SECRET-[A-Z0-9]+-7f3a91c2/g)].map((m) => m[0]);
    expect(new Set(secrets).size).toBe(20);

    const queue = uniqueTaskQueue('secrets');
    const env = { TEMPORAL_ADDRESS: inject('temporalAddress'), GAMELAKE_DATA_DIR: dataDir, GAMELAKE_TASK_QUEUE: queue, GAMELAKE_CONTRACTS_DIR: contractsDir };
    const worker = spawn(process.execPath, [GAMELAKE, 'worker'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let logs = '';
    worker.stdout!.on('data', (d) => (logs += d));
    worker.stderr!.on('data', (d) => (logs += d));
    const outputs: string[] = [];
    let batchId = '';
    try {
      const ingest = await runCli(['ingest', '--json', batch, '--wait'], env);
      outputs.push(ingest.stdout, ingest.stderr);
      expect(ingest.status, ingest.stderr).toBe(0);
      expect(JSON.parse(ingest.stdout)).toMatchObject({ linesIn: 11, accepted: 6, quarantined: 5 });
      batchId = (JSON.parse(ingest.stdout) as { batchId: string }).batchId;
      expect(batchId).toMatch(/^[0-9a-f]{8,}/);
      const build = await runCli(['marts', 'build', '--wait'], env);
      outputs.push(build.stdout, build.stderr);
      expect(build.status, build.stderr).toBe(0);
      const quarantine = await runCli(['sql', 'SELECT line, reason, raw FROM lake_quarantine ORDER BY line', '--format', 'json'], env);
      outputs.push(quarantine.stdout, quarantine.stderr);
      expect(quarantine.status, quarantine.stderr).toBe(0);
      const q = quarantine.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { line: number; raw: string });
      // The raw text is kept (masked), so the lines can be read and fixed.
      expect(q.map((r) => Number(r.line))).toEqual([7, 8, 9, 10, 11]);
      for (const r of q) expect(r.raw).toMatch(/"event_id":"q\d"/);
    } finally {
      worker.kill('SIGTERM');
      await new Promise((r) => worker.once('exit', r));
    }
    const ids: Array<{ workflowId: string; runId: string }> = [];
    for await (const wf of testServer.client.workflow.list({ query: `TaskQueue = '${queue}'` })) ids.push({ workflowId: wf.workflowId, runId: wf.runId });
    expect(ids.length).toBeGreaterThanOrEqual(2);
    const histories = await Promise.all(ids.map(({ workflowId, runId }) => testServer.client.workflow.getHandle(workflowId, runId).fetchHistory()));
    const places: Record<string, string> = {
      'data directory (raw bytes)': filesText(dataDir),
      'lake and warehouse (decoded)': await decodedText(dataDir),
      'workflow histories': historiesText(histories),
      'worker log': logs,
      'command output and errors': outputs.join('\n'),
      'Temporal database': filesText(inject('temporalDir')),
    };
    // Each search can find plain text: what is not secret (the file's name in the lake's records, the batch id elsewhere) is there to see.
    const controls: Record<string, string> = {
      'data directory (raw bytes)': PLAIN,
      'lake and warehouse (decoded)': PLAIN,
      'workflow histories': PLAIN, // the file's name, inside a payload: found only once payloads are decoded
      'worker log': batchId,
      'command output and errors': batchId,
      'Temporal database': batchId,
    };
    for (const [where, text] of Object.entries(places)) {
      expect(text.includes(controls[where]!), `the control ${controls[where]} in the ${where}`).toBe(true);
      const found = secrets.filter((s) => text.includes(s));
      expect(found, `secrets in the ${where}`).toEqual([]);
    }
    // The decoded lake really holds the events the secrets were planted in (what was not secret is kept).
    expect(places['lake and warehouse (decoded)']).toContain('reset_password');
    expect(places['lake and warehouse (decoded)']).toContain('deeper');
  });
});
