import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitBatch, loadContracts, stageBatch } from '../../lake/index.ts';
import { VALID } from '../fixtures/events.ts';

const registry = loadContracts();

describe('a commit knows its own', () => {
  it("reports a manifest written by an earlier attempt of the same run as this run's commit, and anyone else's as already ingested", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'commit-'));
    const file = path.join(dir, 'batch.ndjson');
    writeFileSync(file, [1, 2, 3].map((n) => JSON.stringify({ ...VALID.set_ready, event_id: `00000000-0000-4000-8000-00000000000${n}` })).join('\n'));
    const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
    const input = { file, sha256, batchId: sha256.slice(0, 16) };
    const options = { lakeDir: path.join(dir, 'lake'), workDir: path.join(dir, 'work'), registry };
    await stageBatch(input, { ...options, now: () => Date.parse('2026-11-21T12:00:00Z') });

    const first = await commitBatch({ ...input, committedBy: 'run-a' }, options);
    expect(first).toMatchObject({ alreadyCommitted: false, committedBy: 'run-a', accepted: 3 });
    // The worker died after the manifest was written, before Temporal heard: the retried attempt of run-a.
    const retried = await commitBatch({ ...input, committedBy: 'run-a' }, options);
    expect(retried).toMatchObject({ alreadyCommitted: false, committedAt: first.committedAt, accepted: 3 });
    // Another run (or a commit outside any workflow) finds it committed.
    expect((await commitBatch({ ...input, committedBy: 'run-b' }, options)).alreadyCommitted).toBe(true);
    expect((await commitBatch(input, options)).alreadyCommitted).toBe(true);
  });
});
