import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb, writeRaw, writeSteamRows } from '../../lake/index.ts';
import { eraseSteamPlayer } from '../../lake/steam/erase.ts';
import { holdsId } from '../../transforms/erasure.ts';
import { steamId64 } from '../../transforms/steam/ids.ts';
import { decodedText } from '../integration/lake.ts';

const PLAYER = 181_818_181;
const OTHER = 272_727_272;

describe('erasing a Dota 2 player from the Steam mirror', () => {
  it('drops their profile, history and facts, anonymizes their match slots as Valve does, scrubs the raw responses, and is a no-op the second time', async () => {
    const lake = path.join(mkdtempSync(path.join(os.tmpdir(), 'steam-erase-')), 'lake');
    const at = 1_700_000_000;
    const slot = (account: number, player_slot: number) => ({
      match_id: 42,
      player_slot,
      side: player_slot < 128 ? 'radiant' : 'dire',
      account_id: account,
      anonymous: false,
      steamid64: steamId64(account),
      hero_id: 7,
      extra: JSON.stringify({ party: [account, OTHER] }),
      fetched_at: at,
    });
    await writeSteamRows(lake, 'GetMatchDetails_42', { match_players: [slot(PLAYER, 0), slot(OTHER, 128)] });
    await writeSteamRows(lake, `GetMatchHistory_${PLAYER}`, {
      match_refs: [{ account_id: PLAYER, match_id: 42, match_seq_num: 1, start_time: at, lobby_type: 7, hero_id: 7, player_slot: 0, fetched_at: at }],
    });
    await writeSteamRows(lake, `GetPlayerSummaries_${steamId64(PLAYER)}`, {
      players: [
        { account_id: PLAYER, steamid64: steamId64(PLAYER), personaname: 'erase me' },
        { account_id: OTHER, steamid64: steamId64(OTHER), personaname: 'keep me' },
      ],
    });
    await writeSteamRows(lake, 'facts', {
      entity_facts: [
        { entity: 'player', entity_id: PLAYER, fact: 'history_private', detail: 'private', fetched_at: at },
        { entity: 'match', entity_id: 42, fact: 'details_unavailable', detail: '', fetched_at: at },
      ],
    });
    await writeSteamRows(lake, 'GetTeamInfoByTeamID_9', { teams: [{ team_id: 9, name: 'nine', admin_account_id: PLAYER, fetched_at: at }] });
    writeRaw(lake, 'GetMatchHistory', String(PLAYER), JSON.stringify({ result: { matches: [{ match_id: 42, players: [{ account_id: PLAYER }, { account_id: OTHER }] }] } }));
    writeRaw(
      lake,
      'GetMatchDetails',
      '42',
      JSON.stringify({
        result: {
          players: [
            { account_id: PLAYER, player_slot: 0 },
            { account_id: OTHER, player_slot: 128 },
          ],
        },
      }),
    );
    writeRaw(lake, 'GetPlayerSummaries', String(steamId64(PLAYER)), JSON.stringify({ response: { players: [{ steamid: String(steamId64(PLAYER)), personaname: 'erase me' }] } }));
    // A batch of profiles: theirs goes whole (name, avatar URLs with the id in them), the other stays.
    const profile = (account: number, name: string) => ({
      steamid: String(steamId64(account)),
      personaname: name,
      avatarmedium: `https://avatars.example.test/${account}_medium.jpg`,
    });
    writeRaw(lake, 'GetPlayerSummaries', 'batch-1', JSON.stringify({ response: { players: [profile(PLAYER, 'erase me'), profile(OTHER, 'keep me')] } }));
    const ids = [String(PLAYER), String(steamId64(PLAYER))];
    const before = await decodedText(lake);
    expect(ids.every((id) => holdsId(before, id))).toBe(true);

    const report = await eraseSteamPlayer(lake, PLAYER);
    expect(report.rows).toEqual({ match_players: 1, players: 1, teams: 1, match_refs: 1, entity_facts: 1 });
    // Rewritten: the match's details and the batch of profiles; removed: their history and their own profile request.
    expect(report.raw).toBe(4);
    expect(report.renamed).toBe(2);

    // No byte of the mirror holds either form of the id, and no file name does.
    const rawText = () =>
      readdirSync(path.join(lake, 'steam', 'raw'))
        .map((f) => gunzipSync(readFileSync(path.join(lake, 'steam', 'raw', f))).toString('utf8'))
        .join('\n');
    const after = `${await decodedText(lake)}\n${rawText()}`;
    for (const id of ids) expect(new RegExp(`(?<![0-9])${id}(?![0-9])`).test(after), id).toBe(false);
    expect(after).not.toContain('erase me');
    expect(after).toContain(`https://avatars.example.test/${OTHER}_medium.jpg`);
    expect(readdirSync(path.join(lake, 'steam', 'raw')).sort()).toEqual(['GetMatchDetails_42.json.gz', 'GetPlayerSummaries_batch-1.json.gz']);
    for (const f of readdirSync(lake, { recursive: true, encoding: 'utf8' })) for (const id of ids) expect(holdsId(f, id), f).toBe(false);
    // The other player, the match and its fact are as they were.
    const db = await openDb();
    try {
      const q = async (sql: string) => db.rows(sql.replaceAll('$steam', `'${path.join(lake, 'steam')}'`));
      expect(await q("SELECT account_id, personaname FROM read_parquet($steam || '/players/*.parquet')")).toEqual([{ account_id: BigInt(OTHER), personaname: 'keep me' }]);
      expect(await q("SELECT player_slot, account_id, anonymous, steamid64 FROM read_parquet($steam || '/match_players/*.parquet') ORDER BY 1")).toEqual([
        { player_slot: 0, account_id: null, anonymous: true, steamid64: null },
        { player_slot: 128, account_id: BigInt(OTHER), anonymous: false, steamid64: steamId64(OTHER) },
      ]);
      expect(await q("SELECT entity, fact FROM read_parquet($steam || '/entity_facts/*.parquet')")).toEqual([{ entity: 'match', fact: 'details_unavailable' }]);
      expect(await q("SELECT team_id, admin_account_id FROM read_parquet($steam || '/teams/*.parquet')")).toEqual([{ team_id: 9n, admin_account_id: null }]);
      expect(await q("SELECT count(*)::INTEGER AS n FROM read_parquet($steam || '/match_refs/*.parquet')")).toEqual([{ n: 0 }]);
    } finally {
      db.close();
    }
    expect(existsSync(path.join(lake, 'steam', 'raw', 'GetMatchDetails_42.json.gz'))).toBe(true);
    // Again: nothing to do.
    expect(await eraseSteamPlayer(lake, PLAYER)).toEqual({ rows: {}, raw: 0, renamed: 0 });
  });
});
