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

  it("counts a batch's late duplicates (events another batch committed while it was staged) out of its accepted lines, by product and by type", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'commit-late-'));
    const line = (e: Record<string, unknown> | undefined, n: number) => JSON.stringify({ ...e, event_id: `00000000-0000-4000-8000-0000000000${String(n).padStart(2, '0')}` });
    const batchOf = (name: string, lines: string[]) => {
      const file = path.join(dir, name);
      writeFileSync(file, lines.join('\n'));
      const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
      return { file, sha256, batchId: sha256.slice(0, 16) };
    };
    // a: exrps 1-3, placebo 10; b: exrps 2-4 (2 and 3 are a's), placebo 10 (a's) and 11, one line of no product.
    const a = batchOf('a.ndjson', [line(VALID.set_ready, 1), line(VALID.set_ready, 2), line(VALID.game_over, 3), line(VALID.view_user_data, 10)]);
    const b = batchOf('b.ndjson', [
      line(VALID.set_ready, 2),
      line(VALID.game_over, 3),
      line(VALID.set_ready, 4),
      line(VALID.view_user_data, 10),
      line(VALID.view_user_data, 11),
      '{"event_id": 1',
    ]);
    const now = () => Date.parse('2026-11-21T12:00:00Z');
    const options = { lakeDir: path.join(dir, 'lake'), workDir: path.join(dir, 'work'), registry };
    // Both staged before either commits: b's staging cannot know a's events.
    await stageBatch(a, { ...options, now });
    const staged = await stageBatch(b, { ...options, now });
    expect(staged.output.byProduct).toEqual({
      exrps: { accepted: 3, quarantined: 0, duplicates: 0 },
      placebo: { accepted: 2, quarantined: 0, duplicates: 0 },
      unknown: { accepted: 0, quarantined: 1, duplicates: 0 },
    });
    await commitBatch(a, options);
    const late = await commitBatch(b, options);
    // The same as b staged after a committed.
    const sequential = { lakeDir: path.join(dir, 'lake2'), workDir: path.join(dir, 'work2'), registry };
    await stageBatch(a, { ...sequential, now });
    await commitBatch(a, sequential);
    await stageBatch(b, { ...sequential, now });
    const expected = await commitBatch(b, sequential);
    const counts = (m: typeof late) => ({
      accepted: m.accepted,
      duplicates: m.duplicates,
      byProduct: m.byProduct,
      eventTypes: m.eventTypes,
      products: m.products,
      evolved: m.evolved,
    });
    expect(counts(late)).toEqual({
      accepted: 2,
      duplicates: 3,
      byProduct: {
        exrps: { accepted: 1, quarantined: 0, duplicates: 2 },
        placebo: { accepted: 1, quarantined: 0, duplicates: 1 },
        unknown: { accepted: 0, quarantined: 1, duplicates: 0 },
      },
      eventTypes: { set_ready: 1, view_user_data: 1 },
      products: ['exrps', 'placebo'],
      evolved: 0,
    });
    expect(counts(late)).toEqual(counts(expected));
  });
});
