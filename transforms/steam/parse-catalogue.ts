/**
 * Catalogue parsers: player summaries, heroes, items, leagues and teams, each answer into its table's rows
 * (unknown fields in `extra`); a malformed answer throws MalformedSteamResponseError naming the endpoint.
 */
import { accountIdOf } from './ids.ts';
import { isObject, type SteamJson } from './json.ts';
import { STEAM_TABLES, type SteamRow, type SteamRows } from './tables.ts';
import { copyColumns, extraOf, listOf, MalformedSteamResponseError, num, requireInt, resultOf, str } from './values.ts';

/** GetPlayerSummaries: {response:{players:[...]}}; requested ids missing from the list become facts. */
export function parsePlayerSummaries(json: SteamJson, accountIds: readonly number[], fetchedAt: number): { rows: SteamRows; found: number; missing: number[] } {
  const endpoint = 'GetPlayerSummaries';
  const response = resultOf(json, endpoint, 'response');
  const list = response.players ?? [];
  if (!Array.isArray(list)) throw new MalformedSteamResponseError(endpoint, 'response.players is not a list');
  const players: SteamRow[] = [];
  const known = new Set<string>(STEAM_TABLES.players.columns.map(([c]) => c));
  known.add('steamid');
  for (const [i, p] of list.entries()) {
    if (!isObject(p)) throw new MalformedSteamResponseError(endpoint, `players[${i}] is not an object`);
    const sid = str(p.steamid);
    if (sid === null || !/^\d+$/.test(sid)) throw new MalformedSteamResponseError(endpoint, `players[${i}].steamid is ${JSON.stringify(p.steamid ?? null)}`);
    const row: SteamRow = { account_id: accountIdOf(sid), steamid64: BigInt(sid), extra: extraOf(p, known), fetched_at: fetchedAt };
    copyColumns(p, STEAM_TABLES.players.columns, row);
    players.push(row);
  }
  const found = new Set(players.map((p) => p.account_id as number));
  const missing = accountIds.filter((id) => !found.has(id));
  const facts = missing.map(
    (id): SteamRow => ({ entity: 'player', entity_id: id, fact: 'not_in_summaries', detail: 'GetPlayerSummaries did not list this steamid', fetched_at: fetchedAt }),
  );
  return { rows: { players, ...(facts.length ? { entity_facts: facts } : {}) }, found: players.length, missing };
}

function simpleRows(list: SteamJson[], endpoint: string, table: 'heroes' | 'items' | 'leagues', idField: string, idColumn: string, fetchedAt: number): SteamRow[] {
  const known = new Set<string>([idField, ...STEAM_TABLES[table].columns.map(([c]) => c)]);
  return list.map((h, i) => {
    if (!isObject(h)) throw new MalformedSteamResponseError(endpoint, `${table}[${i}] is not an object`);
    const row: SteamRow = { [idColumn]: requireInt(h, idField, endpoint, `${table}[${i}]`), extra: extraOf(h, known), fetched_at: fetchedAt };
    copyColumns(h, STEAM_TABLES[table].columns, row);
    return row;
  });
}

/** GetHeroes: {result:{heroes:[{name, id, localized_name}], status:200, count}}. */
export function parseHeroes(json: SteamJson, fetchedAt: number): SteamRows {
  const result = resultOf(json, 'GetHeroes');
  if (num(result.status) !== 200) throw new MalformedSteamResponseError('GetHeroes', `status ${JSON.stringify(result.status ?? null)}`);
  return { heroes: simpleRows(listOf(result, 'heroes', 'GetHeroes'), 'GetHeroes', 'heroes', 'id', 'hero_id', fetchedAt) };
}

/** GetGameItems: {result:{items:[{id, name, cost, secret_shop, side_shop, recipe, localized_name}], status:200}}. */
export function parseItems(json: SteamJson, fetchedAt: number): SteamRows {
  const result = resultOf(json, 'GetGameItems');
  if (num(result.status) !== 200) throw new MalformedSteamResponseError('GetGameItems', `status ${JSON.stringify(result.status ?? null)}`);
  return { items: simpleRows(listOf(result, 'items', 'GetGameItems'), 'GetGameItems', 'items', 'id', 'item_id', fetchedAt) };
}

/** GetLeagueInfoList (dota2.com web API): {infos:[{league_id, name, tier, ...}]}. */
export function parseLeagues(json: SteamJson, fetchedAt: number): SteamRows {
  if (!isObject(json)) throw new MalformedSteamResponseError('GetLeagueInfoList', 'the body is not a JSON object');
  return { leagues: simpleRows(listOf(json, 'infos', 'GetLeagueInfoList'), 'GetLeagueInfoList', 'leagues', 'league_id', 'league_id', fetchedAt) };
}

/**
 * GetTeamInfoByTeamID: {result:{status:1, teams:[...]}}. team_id may be absent from a team; when exactly one
 * team was asked for, the first team is the one requested. Logos are 64-bit and kept exact.
 */
export function parseTeams(json: SteamJson, startAtTeamId: number, teamsRequested: number, fetchedAt: number): SteamRows {
  const endpoint = 'GetTeamInfoByTeamID';
  const result = resultOf(json, endpoint);
  if (num(result.status) !== 1) throw new MalformedSteamResponseError(endpoint, `status ${JSON.stringify(result.status ?? null)}: ${str(result.statusDetail) ?? 'no detail'}`);
  const known = new Set<string>(STEAM_TABLES.teams.columns.map(([c]) => c));
  const teams: SteamRow[] = [];
  for (const [i, t] of listOf(result, 'teams', endpoint).entries()) {
    if (!isObject(t)) throw new MalformedSteamResponseError(endpoint, `teams[${i}] is not an object`);
    const id = num(t.team_id) ?? (i === 0 && teamsRequested === 1 ? startAtTeamId : null);
    if (id === null) continue;
    const row: SteamRow = { team_id: id, extra: extraOf(t, known), fetched_at: fetchedAt };
    copyColumns(t, STEAM_TABLES.teams.columns, row);
    teams.push(row);
  }
  return { teams };
}
