/**
 * The Steam Web API simulator: a real HTTP server speaking the endpoints gamelake uses, with Valve's
 * response shapes, over a synthetic World or a directory of recorded responses (replay), with fault
 * injection and an optional rate limit of its own that counts every call above it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Random } from '../random.ts';
import { isObject, stringifySteamJson } from '../../transforms/steam/json.ts';
import { drawFault, FAULT_KINDS, type FaultKind, type FaultSpec } from './faults.ts';
import { ReplayStore } from './replay.ts';
import { REPLAY_HANDLERS } from './replay-endpoints.ts';
import { NOT_FOUND } from './reply.ts';
import { WORLD_HANDLERS } from './world-endpoints.ts';
import { groundTruth, World, type MatchJson, type WorldOptions } from './world.ts';

export interface SteamSimOptions {
  port?: number;
  host?: string;
  world?: WorldOptions;
  faults?: FaultSpec;
  /** Serve each fault kind with a share above 0 once among the first calls (so a test sees every kind), then draw. */
  everyFaultFirst?: boolean;
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
  /** Every call since the start or the last reset: when, and to which endpoint (where a mirror left the budget unused). */
  callLog(): { at: number; endpoint: string }[];
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
  const owed: FaultKind[] = options.everyFaultFirst ? FAULT_KINDS.filter((k) => (faults[k] ?? 0) > 0) : [];
  const served = new Map<number, number>();
  const recent: number[] = [];
  const recentByKey = new Map<string, number[]>();
  const log: { at: number; endpoint: string }[] = [];
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
    log.length = 0;
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
    log.push({ at: now, endpoint });
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
    const fault = owed.shift() ?? drawFault(faults, random);
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
    const q = url.searchParams;
    const reply = replay
      ? (REPLAY_HANDLERS[endpoint] ?? (() => NOT_FOUND))({ store: replay, endpoint, q, deliver })
      : (WORLD_HANDLERS[endpoint] ?? (() => NOT_FOUND))({ world: world!, q, random, hidden, countHidden: (n) => (stats.lateHidden += n), deliver });
    return send(res, reply.status, reply.body, reply.headers);
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
    callLog: () => log.slice(),
    resetStats: reset,
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type { MatchJson };
