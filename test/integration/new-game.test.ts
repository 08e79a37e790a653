import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { DEFAULT_CONTRACTS_DIR } from '../../lake/contracts.ts';
import { martsBuildWorkflow } from '../../workflows/index.ts';
import { runCli, tempDataDir, uniqueTaskQueue, useTestClient, withWorker, ndjson } from './helpers.ts';

const testServer = useTestClient();
const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/contracts/varcade-lobby.yaml');

const event = (id: string, type: string, payload: Record<string, unknown>) =>
  JSON.stringify({ event_id: id, event_type: type, product_id: 'varcade-lobby', occurred_at: '2026-04-01T18:00:00Z', ...payload });
const seat = (user_id: unknown, ready: unknown, joined_at = '2026-04-01T17:59:00Z') => ({ user_id, ready, joined_at });

describe('a fourth game, registered by adding one contract file', () => {
  it('is validated, flattened into its own tables and child table, and queried from the warehouse', async () => {
    const dataDir = tempDataDir();
    const contractsDir = path.join(dataDir, 'contracts');
    mkdirSync(contractsDir);
    for (const f of readdirSync(DEFAULT_CONTRACTS_DIR)) copyFileSync(path.join(DEFAULT_CONTRACTS_DIR, f), path.join(contractsDir, f));
    copyFileSync(FIXTURE, path.join(contractsDir, 'varcade-lobby.yaml'));
    const queue = uniqueTaskQueue('lobby');
    const batch = path.join(dataDir, 'lobby.ndjson');
    writeFileSync(
      batch,
      `${[
        event('l1', 'create_game', { game_id: 'G1', creator_id: 7, game: 'exrps', max_players: '2', settings: { private: false, region: 'eu' }, seats: [seat(7, true)] }),
        event('l2', 'join_game', { game_id: 'G1', user_id: '9', seats: [seat(7, true), seat('9', false, '2026-04-01T18:00:00+02:00')] }),
        event('l3', 'create_game', { game_id: 'G2', creator_id: 'u3', game: 'tetris', max_players: 2, settings: { private: true, region: 'eu' }, seats: [] }),
        event('l4', 'join_game', { game_id: 'G1', user_id: 'u5', seats: [seat('u5', 'yes')] }),
        event('l5', 'chat', { game_id: 'G1', text: 'gl hf', password: 'hunter2' }),
      ].join('\n')}\n`,
    );
    const env = { TEMPORAL_ADDRESS: inject('temporalAddress'), GAMELAKE_DATA_DIR: dataDir, GAMELAKE_TASK_QUEUE: queue, GAMELAKE_CONTRACTS_DIR: contractsDir };

    await withWorker(
      dataDir,
      queue,
      async () => {
        const ingest = await runCli(['ingest', '--json', batch], env);
        expect(ingest.status, ingest.stderr).toBe(0);
        const result = JSON.parse(ingest.stdout) as { linesIn: number; accepted: number; quarantined: number; batchId: string };
        expect(result).toMatchObject({ linesIn: 5, accepted: 3, quarantined: 2 });
        const manifest = JSON.parse(readFileSync(path.join(dataDir, 'lake', '_manifests', `${result.batchId}.json`), 'utf8'));
        expect(manifest.rejectedByReason).toEqual({ 'out_of_range:game': 1, 'wrong_type:seats[0].ready': 1 });
        // The lobby's contract is in evolve mode: an event type it does not name is kept, payload and all (secrets removed).
        expect(manifest.evolved).toBe(1);
        // Ids given as integers and numbers given as strings are read, and counted per field.
        expect(manifest.coercions['varcade-lobby']).toEqual({
          creator_id: { integer_to_text: 1 },
          max_players: { string_to_number: 1 },
          'seats[].user_id': { integer_to_text: 2 },
        });
        await testServer.client.workflow.execute(martsBuildWorkflow, { taskQueue: queue, workflowId: `marts-${queue}` });
      },
      undefined,
      contractsDir,
    );

    const sql = async (query: string) => {
      const r = await runCli(['sql', query, '--format', 'json'], env);
      expect(r.status, r.stderr).toBe(0);
      return ndjson(r.stdout);
    };
    expect(await sql('SELECT event_id, seat, game_id, user_id, ready, joined_at FROM lake_lobby_seats ORDER BY line, seat')).toEqual([
      { event_id: 'l1', seat: 0, game_id: 'G1', user_id: '7', ready: true, joined_at: '2026-04-01T17:59:00.000Z' },
      { event_id: 'l2', seat: 0, game_id: 'G1', user_id: '7', ready: true, joined_at: '2026-04-01T17:59:00.000Z' },
      { event_id: 'l2', seat: 1, game_id: 'G1', user_id: '9', ready: false, joined_at: '2026-04-01T16:00:00.000Z' },
    ]);
    expect(await sql('SELECT event_type, game_id, player_id, game, max_players, private, region FROM lake_lobby_games ORDER BY line')).toEqual([
      { event_type: 'create_game', game_id: 'G1', player_id: '7', game: 'exrps', max_players: 2, private: false, region: 'eu' },
      { event_type: 'join_game', game_id: 'G1', player_id: '9', game: null, max_players: null, private: null, region: null },
    ]);
    expect(await sql("SELECT event_type, typed, extra FROM lake_events WHERE product_id = 'varcade-lobby' AND NOT typed")).toEqual([
      { event_type: 'chat', typed: false, extra: '{"game_id":"G1","text":"gl hf"}' },
    ]);
  });
});
