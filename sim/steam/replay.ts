/**
 * Replay mode: answers from recorded responses, one JSON file per response, named `<Endpoint>_<key>.json`
 * (or `.json.gz`). The key per endpoint:
 *   GetMatchDetails_<match_id>                      GetMatchHistoryBySequenceNum_<start_at_match_seq_num>
 *   GetMatchHistory_<start_at_match_id, else account_id>   GetPlayerSummaries_<steamid> (one player per file)
 *   GetTeamInfoByTeamID_<start_at_team_id>          GetHeroes_<anything>, GetGameItems_<anything>, GetLeagueInfoList_<anything>
 * A sequence-feed request with no file of its exact start is answered from the matches of all recorded
 * sequence pages (those with match_seq_num >= the start, in order), so a mirror can resume anywhere.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { isObject, parseSteamJson, type SteamJson } from '../../transforms/steam/json.ts';

export const REPLAY_ENDPOINTS = [
  'GetMatchDetails',
  'GetMatchHistoryBySequenceNum',
  'GetMatchHistory',
  'GetPlayerSummaries',
  'GetTeamInfoByTeamID',
  'GetHeroes',
  'GetGameItems',
  'GetLeagueInfoList',
] as const;

export class ReplayStore {
  private readonly files = new Map<string, string>();
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
    for (const f of readdirSync(dir)) {
      const m = /^([A-Za-z]+)_(.+?)\.json(\.gz)?$/.exec(f);
      if (m) this.files.set(`${m[1]}_${m[2]}`, path.join(dir, f));
    }
  }

  get size(): number {
    return this.files.size;
  }

  private read(file: string): SteamJson {
    const bytes = readFileSync(file);
    return parseSteamJson((file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8'));
  }

  /** The recorded response for endpoint and key, or undefined. */
  get(endpoint: string, key: string): SteamJson | undefined {
    const file = this.files.get(`${endpoint}_${key}`);
    return file ? this.read(file) : undefined;
  }

  /** Any recorded response of an endpoint whose key does not matter (GetHeroes, GetGameItems, leagues). */
  any(endpoint: string): SteamJson | undefined {
    for (const [k, file] of this.files) if (k.startsWith(`${endpoint}_`)) return this.read(file);
    return undefined;
  }

  /** Matches of every recorded sequence page with match_seq_num >= start, in sequence order. */
  sequenceFrom(start: number, count: number): SteamJson[] {
    const all = new Map<number, SteamJson>();
    for (const [k, file] of this.files) {
      if (!k.startsWith('GetMatchHistoryBySequenceNum_')) continue;
      const json = this.read(file);
      const matches = isObject(json) && isObject(json.result) && Array.isArray(json.result.matches) ? json.result.matches : [];
      for (const m of matches) if (isObject(m) && typeof m.match_seq_num === 'number') all.set(m.match_seq_num, m);
    }
    return [...all.entries()]
      .filter(([seq]) => seq >= start)
      .sort((a, b) => a[0] - b[0])
      .slice(0, count)
      .map(([, m]) => m);
  }
}
