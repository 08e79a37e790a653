import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ANONYMOUS_ACCOUNT_ID, steamId64 } from '../../transforms/steam/ids.ts';
import { STEAM_TABLE_NAMES, STEAM_TABLES, type SteamTableName } from '../../transforms/steam/tables.ts';
import { openDb, sqlLiteral } from '../duckdb.ts';
import { STEAM_DIR } from '../layout.ts';
import { rawDir } from './writer.ts';

/**
 * Erasure of a Dota 2 player (a Steam account) from the Steam mirror: their profile, match history and
 * facts go; in the matches they played their slot stays (a match has ten) but as Valve shows a player who
 * hides their data (anonymous, no account_id or steamid64: what parsing a response with Valve's
 * 4294967295 gives, and the raw responses get that id); a team they administer loses its
 * admin. Every Parquet file and every raw response holding the account id or its steamid64 is written
 * again (a new file renamed over the old; a file named after the player is renamed), so a kill leaves
 * each file before or after, and running it again finishes the job.
 */

/** What happens to a table's rows that name the player. */
const POLICY: Partial<Record<SteamTableName, { drop?: string; anonymize?: Record<string, string> }>> = {
  players: { drop: 'account_id = $id' },
  match_refs: { drop: 'account_id = $id' },
  entity_facts: { drop: "entity = 'player' AND entity_id = $id" },
  match_players: {
    anonymize: {
      account_id: 'CASE WHEN account_id = $id THEN NULL ELSE account_id END',
      anonymous: 'CASE WHEN account_id = $id THEN true ELSE anonymous END',
      steamid64: 'CASE WHEN account_id = $id THEN NULL ELSE steamid64 END',
    },
  },
  teams: { anonymize: { admin_account_id: 'CASE WHEN admin_account_id = $id THEN NULL ELSE admin_account_id END' } },
};

export interface SteamEraseReport {
  /** Rows removed (players, match history, facts) or anonymized (match slots, team admins), per table. */
  rows: Record<string, number>;
  /** Raw responses rewritten or (a response to a request for the player: their history, their profile) removed. */
  raw: number;
  /** Parquet files renamed because their name held the id. */
  renamed: number;
}

/**
 * The id as a number in text: not part of a longer number, whatever else is next to it (an avatar URL's
 * `<id>_medium.jpg` holds it too). Lookarounds, so adjacent ones are all found.
 */
const token = (id: string) => new RegExp(`(?<![0-9])${id}(?![0-9])`, 'g');
/** The same for DuckDB's RE2 (no lookarounds: the neighbours are captured and put back). */
const numberPattern = (id: string) => `(^|[^0-9])${id}([^0-9]|$)`;
/** A file name with the id (`GetMatchHistory_<id>.parquet`) replaced. */
const renamedFor = (name: string, ids: string[]) => ids.reduce((n, id) => n.replace(token(id), 'erased'), name);

/**
 * A raw response without the player: a profile of theirs (an object whose steamid is their steamid64,
 * as GetPlayerSummaries lists them) is removed whole, and every other mention becomes Valve's anonymous
 * id. A body that is not JSON (a malformed response kept as it came) has its mentions replaced only.
 */
function scrubResponse(text: string, steamid: string, anonymous: Map<string, string>): string {
  let body = text;
  try {
    const without = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.filter((x) => !(x && typeof x === 'object' && String((x as Record<string, unknown>).steamid) === steamid)).map(without);
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, without(x)]));
      return v;
    };
    body = JSON.stringify(without(JSON.parse(text)));
  } catch {
    // Not JSON: the mentions below are all there is to do.
  }
  for (const [id, anon] of anonymous) body = body.replace(token(id), anon);
  return body;
}

export async function eraseSteamPlayer(lakeDir: string, accountId: number): Promise<SteamEraseReport> {
  const ids = [String(steamId64(accountId)), String(accountId)];
  // What each form of the id becomes: Valve's anonymous account, in the same form.
  const anonymous = new Map([
    [ids[0]!, String(steamId64(ANONYMOUS_ACCOUNT_ID))],
    [ids[1]!, String(ANONYMOUS_ACCOUNT_ID)],
  ]);
  const report: SteamEraseReport = { rows: {}, raw: 0, renamed: 0 };
  const params = { id: BigInt(accountId), pattern: ids.map((i) => `(?:${numberPattern(i)})`).join('|') };
  const used = (sql: string) => Object.fromEntries(Object.entries(params).filter(([k]) => sql.includes(`$${k}`)));
  const db = await openDb({ threads: 2 });
  try {
    for (const table of STEAM_TABLE_NAMES) {
      const dir = path.join(lakeDir, STEAM_DIR, table);
      if (!existsSync(dir)) continue;
      const columns = STEAM_TABLES[table].columns.map(([c, t]) => ({ c, t }));
      const policy = POLICY[table] ?? {};
      const json = columns.filter((x) => x.t === 'JSON' || x.t === 'VARCHAR').map((x) => x.c);
      const names = new Set(columns.map((x) => x.c));
      const hits = [
        ...(policy.drop ? [policy.drop] : []),
        ...Object.keys(policy.anonymize ?? {})
          .filter((c) => names.has(c) && c !== 'anonymous' && c !== 'steamid64')
          .map((c) => `"${c}" = $id`),
        ...json.map((c) => `coalesce(regexp_matches("${c}", $pattern), false)`),
      ];
      for (const f of readdirSync(dir).filter((x) => x.endsWith('.parquet'))) {
        const file = path.join(dir, f);
        const where = hits.length ? hits.map((h) => `(${h})`).join(' OR ') : 'false';
        const [hit] = await db.rows<{ n: bigint }>(`SELECT count(*) AS n FROM read_parquet(${sqlLiteral(file)}) WHERE ${where}`, used(where));
        const renamed = renamedFor(f, ids);
        if (Number(hit!.n) === 0 && renamed === f) continue;
        const select = columns
          .map(({ c }) => {
            const anon = policy.anonymize?.[c];
            const base = anon ?? `"${c}"`;
            if (!json.includes(c)) return `${base} AS "${c}"`;
            // RE2 has no lookarounds: each pass may skip an id right after one it replaced, so two passes.
            let expr = base;
            for (const [id, anon] of anonymous) for (let pass = 0; pass < 2; pass++) expr = `regexp_replace(${expr}, ${sqlLiteral(numberPattern(id))}, '\\1${anon}\\2', 'g')`;
            return `${expr} AS "${c}"`;
          })
          .join(', ');
        const keep = policy.drop ? `WHERE NOT (${policy.drop})` : '';
        const tmp = path.join(dir, `.${renamed}.erase-tmp`);
        const sql = `COPY (SELECT ${select} FROM read_parquet(${sqlLiteral(file)}) ${keep}) TO ${sqlLiteral(tmp)} (FORMAT parquet, COMPRESSION zstd)`;
        await db.run(sql, used(sql));
        report.rows[table] = (report.rows[table] ?? 0) + Number(hit!.n);
        renameSync(tmp, path.join(dir, renamed));
        if (renamed !== f) {
          rmSync(file, { force: true });
          report.renamed += 1;
        }
      }
    }
  } finally {
    db.close();
  }
  const raw = rawDir(lakeDir);
  if (existsSync(raw)) {
    for (const f of readdirSync(raw).filter((x) => x.endsWith('.json.gz'))) {
      const file = path.join(raw, f);
      if (renamedFor(f, ids) !== f) {
        // A request for the player (their history, their profile): the whole response is theirs.
        rmSync(file, { force: true });
        report.raw += 1;
        continue;
      }
      const text = gunzipSync(readFileSync(file)).toString('utf8');
      if (!ids.some((id) => token(id).test(text))) continue;
      const tmp = path.join(raw, `.${f}.erase-tmp`);
      writeFileSync(tmp, gzipSync(scrubResponse(text, ids[0]!, anonymous)));
      renameSync(tmp, file);
      report.raw += 1;
    }
  }
  return report;
}
