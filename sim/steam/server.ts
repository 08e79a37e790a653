/**
 * The Steam Web API simulator: a real HTTP server speaking the endpoints gamelake uses, with Valve's
 * response shapes, over a synthetic World or a directory of recorded responses (replay), with fault
 * injection and an optional rate limit of its own that counts every call above it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Random } from '../random.ts';
import { accountIdOf } from '../../transforms/steam/ids.ts';
import { isObject, stringifySteamJson } from '../../transforms/steam/json.ts';
import { drawFault, type FaultKind, type FaultSpec } from './faults.ts';
import { ReplayStore } from './replay.ts';
import { groundTruth, World, type MatchJson, type WorldOptions } from './world.ts';

export interface SteamSimOptions {
  port?: number;
  host?: string;
  world?: WorldOptions;
  faults?: FaultSpec;
  /** Serve recorded responses from this directory instead of the synthetic world. */
  replayDir?: string;
  /** Calls per second the simulator accepts (token bucket, burst of one second); above it: 429 and a violation counted. */
  rateLimit?: number;
  /** When set, calls must carry key=<this> (else 403, as Valve answers a bad key). */
  requireKey?: string;
  /** Several accepted keys, each with its own rate limit (rateLimit per key); others get 403. */
  keys?: string[];
  /**
   * Matches the sequence feed shows late: this share of matches (chosen by the seed) is left out of
   * GetMatchHistoryBySequenceNum pages until `lateMs` after the simulator started, or until revealLate()
   * (Valve's pages are "sometimes 99": hidden matches appear later). 0 by default.
   */
  lateShare?: number;
  lateMs?: number;
  /** How long a "timeout" fault holds the response before dropping the connection (default 60 s). */
  timeoutHoldMs?: number;
}

export interface SteamSimStats {
  calls: number;
  byEndpoint: Record<string, number>;
  faults: Partial<Record<FaultKind, number>>;
  /** Calls refused because they came faster than rateLimit: 429s caused by the client itself. */
  rateLimitViolations: number;
  /** Most calls seen in any one-second window. */
  maxCallsPerSecond: number;
  /** Matches delivered in full in a successful response. */
  matchesServed: number;
  /** Deliveries of a match that had been delivered before (a mirror fetching what it already has). */
  matchRefetches: number;
  /** Per key, by position in `keys` (1-based; "1" for the one key of requireKey): calls, calls above its rate limit, its busiest second. */
  byKey: Record<string, { calls: number; rateLimitViolations: number; maxCallsPerSecond: number }>;
  /** Calls made with a key after it was revoked. */
  revokedKeyCalls: number;
  /** Matches left out of feed pages because the feed showed them late. */
  lateHidden: number;
  /** The five longest pauses between two consecutive calls (ms, longest first): where a mirror left the budget unused. */
  longestGaps: number[];
  /** Calls that carried no key parameter. */
  callsWithoutKey: number;
  /** Epoch ms of the first and the last call (null before any). */
  firstCallAt: number | null;
  lastCallAt: number | null;
}

export interface SteamSim {
  url: string;
  world: World | undefined;
  /** Refuse a key from now on (401), as Valve does with a revoked key. */
  revokeKey(key: string): void;
  /** Match ids the feed shows late (lateShare). */
  lateMatches(): number[];
  /** Shows the late matches in the feed from now on. */
  revealLate(): void;
  stats(): SteamSimStats;
  resetStats(): void;
  close(): Promise<void>;
}

function endpointOf(pathname: string): string | undefined {
  const parts = pathname.split('/').filter(Boolean);
  if (parts[0] === 'webapi') parts.shift();
  return parts.length >= 2 ? parts[1] : undefined;
}

export async function startSteamSim(options: SteamSimOptions = {}): Promise<SteamSim> {
  const replay = options.replayDir ? new ReplayStore(options.replayDir) : undefined;
  const world = replay ? undefined : new World(options.world ?? { seed: '1' });
  const random = new Random(`${options.world?.seed ?? 'replay'}/faults`);
  const faults = options.faults ?? {};
  const served = new Map<number, number>();
  const recent: number[] = [];
  const recentByKey = new Map<string, number[]>();
  let stats: SteamSimStats;
  const reset = () => {
    stats = {
      calls: 0,
      byEndpoint: {},
      faults: {},
      rateLimitViolations: 0,
      maxCallsPerSecond: 0,
      matchesServed: 0,
      matchRefetches: 0,
      callsWithoutKey: 0,
      firstCallAt: null,
      lastCallAt: null,
      byKey: {},
      revokedKeyCalls: 0,
      lateHidden: 0,
      longestGaps: [],
    };
    served.clear();
    recent.length = 0;
    recentByKey.clear();
  };
  reset();
  // One token bucket per key (one for all calls when there are no keys).
  const buckets = new Map<string, { tokens: number; at: number }>();
  const revoked = new Set<string>();
  const startedAt = Date.now();
  const lateRandom = new Random(`${options.world?.seed ?? 'replay'}/late`);
  const late = new Set<number>(
    world && options.lateShare
      ? world
          .matches()
          .filter(() => lateRandom.chance(options.lateShare!))
          .map((m) => m.match_id)
      : [],
  );
  let revealed = false;
  const hidden = (matchId: number) => late.has(matchId) && !revealed && (options.lateMs === undefined || Date.now() - startedAt < options.lateMs);
  const held = new Set<ServerResponse>();

  const send = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': status === 200 ? 'application/json; charset=UTF-8' : 'text/html', ...headers });
    res.end(body);
  };
  const json = (res: ServerResponse, value: unknown) => send(res, 200, stringifySteamJson(value));
  const deliver = (matches: readonly unknown[]) => {
    for (const m of matches) {
      if (!isObject(m) || typeof m.match_id !== 'number') continue;
      const n = served.get(m.match_id) ?? 0;
      if (n > 0) stats.matchRefetches += 1;
      served.set(m.match_id, n + 1);
      stats.matchesServed += 1;
    }
  };

  const handleWorld = (w: World, endpoint: string, q: URLSearchParams, res: ServerResponse) => {
    const int = (name: string, fallback: number) => (q.has(name) ? Number(q.get(name)) : fallback);
    switch (endpoint) {
      case 'GetMatchHistory': {
        const accountId = int('account_id', -1);
        const player = w.player(accountId);
        if (!player || player.private) {
          return json(res, { result: { status: 15, statusDetail: "Cannot get match history for a user that hasn't allowed it" } });
        }
        const requested = Math.min(Math.max(int('matches_requested', 100), 1), 100);
        const start = int('start_at_match_id', Number.MAX_SAFE_INTEGER);
        const reachable = w.historyOf(accountId).slice(0, 500);
        const after = reachable.filter((m) => m.match_id <= start);
        const page = after.slice(0, requested);
        return json(res, {
          result: {
            status: 1,
            num_results: page.length,
            total_results: reachable.length,
            results_remaining: after.length - page.length,
            matches: page.map((m) => ({
              match_id: m.match_id,
              match_seq_num: m.match_seq_num,
              start_time: m.start_time,
              lobby_type: m.lobby_type,
              radiant_team_id: m.radiant_team_id ?? 0,
              dire_team_id: m.dire_team_id ?? 0,
              players: m.players.map((p) => ({ account_id: p.account_id, player_slot: p.player_slot, team_number: p.team_number, team_slot: p.team_slot, hero_id: p.hero_id })),
            })),
          },
        });
      }
      case 'GetMatchHistoryBySequenceNum': {
        const start = int('start_at_match_seq_num', 0);
        const requested = Math.min(Math.max(int('matches_requested', 100), 1), 100);
        // A page covers `requested` consecutive matches; one the feed shows late is left out of it ("sometimes 99").
        const window = w
          .matches()
          .filter((m) => m.match_seq_num >= start)
          .slice(0, requested);
        const page = window.filter((m) => !hidden(m.match_id));
        stats.lateHidden += window.length - page.length;
        deliver(page);
        return json(res, { result: { status: 1, matches: page } });
      }
      case 'GetMatchDetails': {
        const m = w.match(int('match_id', -1));
        if (!m) return json(res, { result: { error: 'Match ID not found' } });
        if (m.lobby_type === 1) return json(res, { result: { error: 'Practice matches are not available via GetMatchDetails' } });
        if (random.chance(w.detailsFailureRate)) return random.chance(0.5) ? send(res, 500, '<html><body>Internal Server Error</body></html>') : json(res, {});
        deliver([m]);
        return json(res, { result: m });
      }
      case 'GetPlayerSummaries': {
        const ids = (q.get('steamids') ?? '')
          .split(',')
          .filter((s) => /^\d+$/.test(s))
          .slice(0, 100);
        return json(res, { response: { players: ids.map((s) => w.summary(accountIdOf(s))).filter(Boolean) } });
      }
      case 'GetHeroes':
        return json(res, { result: { heroes: w.heroes, status: 200, count: w.heroes.length } });
      case 'GetGameItems':
        return json(res, { result: { items: w.items, status: 200 } });
      case 'GetLeagueInfoList':
        return json(res, { infos: w.leagues.map((l) => ({ ...l, most_recent_activity: l.start_timestamp + 86_400 })) });
      case 'GetTeamInfoByTeamID': {
        const start = int('start_at_team_id', 0);
        const requested = Math.min(Math.max(int('teams_requested', 1), 1), 100);
        const teams = [...w.teams]
          .filter((t) => t.team_id >= start)
          .sort((a, b) => a.team_id - b.team_id)
          .slice(0, requested);
        return json(res, {
          result: {
            status: 1,
            teams: teams.map((t) => ({
              team_id: t.team_id,
              name: t.name,
              tag: t.tag,
              time_created: t.time_created,
              calibration_games_remaining: 0,
              logo: t.logo,
              logo_sponsor: t.logo_sponsor,
              country_code: t.country_code,
              url: t.url,
              games_played_with_current_roster: 12,
              ...Object.fromEntries(t.players.map((p, i) => [`player_${i}_account_id`, p])),
              admin_account_id: t.players[0],
            })),
          },
        });
      }
      default:
        return send(res, 404, '<html><body>Not Found</body></html>');
    }
  };

  const handleReplay = (store: ReplayStore, endpoint: string, q: URLSearchParams, res: ServerResponse) => {
    switch (endpoint) {
      case 'GetMatchDetails':
        return json(res, store.get(endpoint, q.get('match_id') ?? '') ?? { result: { error: 'Match ID not found' } });
      case 'GetMatchHistoryBySequenceNum': {
        const start = q.get('start_at_match_seq_num') ?? '0';
        const exact = store.get(endpoint, start);
        const body = exact ?? { result: { status: 1, matches: store.sequenceFrom(Number(start), Math.min(Number(q.get('matches_requested') ?? 100), 100)) } };
        if (isObject(body) && isObject(body.result) && Array.isArray(body.result.matches)) deliver(body.result.matches);
        return json(res, body);
      }
      case 'GetMatchHistory':
        return json(
          res,
          store.get(endpoint, q.get('start_at_match_id') ?? q.get('account_id') ?? '') ?? {
            result: { status: 15, statusDetail: "Cannot get match history for a user that hasn't allowed it" },
          },
        );
      case 'GetPlayerSummaries': {
        const players = (q.get('steamids') ?? '').split(',').flatMap((id) => {
          const r = store.get(endpoint, id);
          return isObject(r) && isObject(r.response) && Array.isArray(r.response.players) ? r.response.players : [];
        });
        return json(res, { response: { players } });
      }
      case 'GetTeamInfoByTeamID':
        return json(res, store.get(endpoint, q.get('start_at_team_id') ?? '') ?? { result: { status: 1, teams: [] } });
      case 'GetHeroes':
      case 'GetGameItems':
      case 'GetLeagueInfoList': {
        const r = store.any(endpoint);
        return r === undefined ? send(res, 404, `<html><body>no recorded ${endpoint} response</body></html>`) : json(res, r);
      }
      default:
        return send(res, 404, '<html><body>Not Found</body></html>');
    }
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://sim');
    if (url.pathname === '/_sim/stats') return json(res, stats);
    if (url.pathname === '/_sim/truth') return world ? send(res, 200, stringifySteamJson(groundTruth(world))) : send(res, 404, 'replay mode has no ground truth');
    if (url.pathname === '/_sim/revoke') {
      const key = options.keys?.[Number(url.searchParams.get('position')) - 1];
      if (!key) return send(res, 404, 'no key at that position (see --keys)');
      revoked.add(key);
      return json(res, { ok: true });
    }
    if (url.pathname === '/_sim/reset') {
      reset();
      return json(res, { ok: true });
    }
    const endpoint = endpointOf(url.pathname) ?? '';
    stats.calls += 1;
    stats.byEndpoint[endpoint] = (stats.byEndpoint[endpoint] ?? 0) + 1;
    const now = Date.now();
    stats.firstCallAt ??= now;
    if (stats.lastCallAt !== null) {
      stats.longestGaps.push(now - stats.lastCallAt);
      stats.longestGaps.sort((a, b) => b - a);
      stats.longestGaps.length = Math.min(stats.longestGaps.length, 5);
    }
    stats.lastCallAt = now;
    recent.push(now);
    while (recent.length > 0 && recent[0]! <= now - 1000) recent.shift();
    stats.maxCallsPerSecond = Math.max(stats.maxCallsPerSecond, recent.length);
    const key = url.searchParams.get('key') ?? '';
    if (!key) stats.callsWithoutKey += 1;
    const forbidden =
      '<html><head><title>Forbidden</title></head><body><h1>Forbidden</h1>Access is denied. Retrying will not help. Please verify your <pre>key=</pre> parameter.</body></html>';
    if (revoked.has(key)) {
      stats.revokedKeyCalls += 1;
      return send(res, 401, forbidden);
    }
    if (options.requireKey !== undefined && key !== options.requireKey) return send(res, 403, forbidden);
    if (options.keys && !options.keys.includes(key)) return send(res, 403, forbidden);
    // Keys are named by position (1-based) in the stats, never by value.
    const keyName = options.keys ? String(options.keys.indexOf(key) + 1) : key ? '1' : '(none)';
    const byKey = (stats.byKey[keyName] ??= { calls: 0, rateLimitViolations: 0, maxCallsPerSecond: 0 });
    byKey.calls += 1;
    const keyRecent = recentByKey.get(key) ?? [];
    recentByKey.set(key, keyRecent);
    keyRecent.push(now);
    while (keyRecent.length > 0 && keyRecent[0]! <= now - 1000) keyRecent.shift();
    byKey.maxCallsPerSecond = Math.max(byKey.maxCallsPerSecond, keyRecent.length);
    if (options.rateLimit) {
      const bucket = buckets.get(key) ?? { tokens: options.rateLimit, at: now };
      buckets.set(key, bucket);
      bucket.tokens = Math.min(options.rateLimit, bucket.tokens + ((now - bucket.at) / 1000) * options.rateLimit);
      bucket.at = now;
      if (bucket.tokens < 1) {
        stats.rateLimitViolations += 1;
        byKey.rateLimitViolations += 1;
        return send(res, 429, '<html><body>Too Many Requests</body></html>', { 'retry-after': '1' });
      }
      bucket.tokens -= 1;
    }
    const fault = drawFault(faults, random);
    if (fault) {
      stats.faults[fault] = (stats.faults[fault] ?? 0) + 1;
      switch (fault) {
        case '429':
          return send(res, 429, '<html><body>Too Many Requests</body></html>', { 'retry-after': '1' });
        case '500':
        case '503':
          return send(res, Number(fault), `<html><body>${fault === '500' ? 'Internal Server Error' : 'Service Unavailable'}</body></html>`);
        case 'malformed':
          return send(res, 200, '{"result":{"status":1,"matches":[{"match_id":');
        case 'empty':
          return json(res, {});
        case 'timeout': {
          held.add(res);
          const timer = setTimeout(() => res.destroy(), options.timeoutHoldMs ?? 60_000);
          res.on('close', () => {
            clearTimeout(timer);
            held.delete(res);
          });
          return;
        }
      }
    }
    if (replay) return handleReplay(replay, endpoint, url.searchParams, res);
    return handleWorld(world!, endpoint, url.searchParams, res);
  };

  const server: Server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      send(res, 500, `<html><body>simulator error: ${(err as Error).message}</body></html>`);
    }
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    world,
    revokeKey: (key) => {
      revoked.add(key);
    },
    lateMatches: () => [...late].sort((a, b) => a - b),
    revealLate: () => {
      revealed = true;
    },
    stats: () => structuredClone(stats),
    resetStats: reset,
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type { MatchJson };
