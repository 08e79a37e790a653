import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSteamClient, SteamAuthError, SteamRateLimitedError, SteamRequestError, SteamTimeoutError, SteamUnavailableError } from '../../activities/steam/index.ts';
import { groundTruth, parseFaults, startSteamSim, World, type SteamSim } from '../../sim/steam/index.ts';
import { MalformedSteamResponseError, parseMatchHistory, parseSequencePage } from '../../transforms/steam/index.ts';

describe('parseFaults', () => {
  it('reads the spec', () =>
    expect(parseFaults('429=0.1,500=0.2,timeout=0.05,malformed=0.02,empty=0.02')).toEqual({ '429': 0.1, '500': 0.2, timeout: 0.05, malformed: 0.02, empty: 0.02 }));
  it.each([
    ['404=0.1', /unknown fault "404"/],
    ['500=2', /500=2 is not a share/],
    ['500=0.6,429=0.6', /add up to 1.20/],
  ])('rejects %s', (spec, message) => expect(() => parseFaults(spec)).toThrow(message));
});

describe('the simulated world', () => {
  it('is the same for the same seed and different for another', () => {
    const a = groundTruth(new World({ seed: 's', players: 30, matches: 50 }));
    expect(groundTruth(new World({ seed: 's', players: 30, matches: 50 }))).toEqual(a);
    expect(groundTruth(new World({ seed: 't', players: 30, matches: 50 })).matches).not.toEqual(a.matches);
  });

  it('has old and new schemas, private players, real heroes, league matches and ids in order', () => {
    const t = groundTruth(new World({ seed: 's', players: 100, matches: 400 }));
    expect(new Set(t.matches.map((m) => m.schema))).toEqual(new Set(['old', 'new']));
    expect(t.players.some((p) => p.private)).toBe(true);
    expect(t.matches.some((m) => m.players.some((p) => p.account_id === null))).toBe(true);
    expect(t.heroes.find((h) => h.hero_id === 1)?.localized_name).toBe('Anti-Mage');
    expect(t.matches.some((m) => m.leagueid > 0 && m.radiant_team_id !== null)).toBe(true);
    const seqs = t.matches.map((m) => m.match_seq_num);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
  });

  it('grows over time', () => {
    let now = 0;
    const w = new World({ seed: 's', players: 20, matches: 10, matchesPerMinute: 6 }, () => now);
    expect(w.matches()).toHaveLength(10);
    now = 60_000;
    expect(w.matches()).toHaveLength(16);
  });
});

describe('the simulator over HTTP', () => {
  let sim: SteamSim;
  beforeAll(async () => {
    sim = await startSteamSim({ world: { seed: 'http', players: 40, matches: 900 } });
  });
  afterAll(async () => sim.close());
  const get = async (p: string) => (await fetch(`${sim.url}${p}`)).json();

  it('pages a history newest first and caps it at 500', async () => {
    const truth = groundTruth(sim.world!);
    const busiest = truth.players.filter((p) => !p.private).map((p) => p.account_id)[0]!;
    const played = truth.matches.filter((m) => m.players.some((p) => p.account_id === busiest));
    expect(played.length).toBeGreaterThan(500);
    const first = parseMatchHistory((await get(`/IDOTA2Match_570/GetMatchHistory/v1?account_id=${busiest}`)) as never, busiest, 1);
    expect(first).toMatchObject({ kind: 'ok', matches: 100, resultsRemaining: 400 });
    const ids = (first as unknown as { rows: { match_refs: Array<{ match_id: number }> } }).rows.match_refs.map((r) => r.match_id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
  });

  it('answers status 15 for a private player and serves the feed in sequence order', async () => {
    const priv = sim.world!.players.find((p) => p.private)!.accountId;
    expect(((await get(`/IDOTA2Match_570/GetMatchHistory/v1?account_id=${priv}`)) as { result: { status: number } }).result.status).toBe(15);
    const page = parseSequencePage((await get('/IDOTA2Match_570/GetMatchHistoryBySequenceNum/v1?start_at_match_seq_num=6000000100&matches_requested=5')) as never, 1);
    expect([page.matches, page.firstSeq, page.lastSeq]).toEqual([5, 6000000100, 6000000104]);
  });

  it('replays recorded files named <Endpoint>_<key>.json(.gz)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'replay-'));
    writeFileSync(path.join(dir, 'GetMatchDetails_42.json.gz'), gzipSync('{"result":{"match_id":42,"match_seq_num":7,"start_time":1,"players":[]}}'));
    writeFileSync(path.join(dir, 'GetHeroes_whatever.json'), '{"result":{"heroes":[],"status":200,"count":0}}');
    const replay = await startSteamSim({ replayDir: dir });
    try {
      expect(await (await fetch(`${replay.url}/IDOTA2Match_570/GetMatchDetails/v1?match_id=42`)).json()).toMatchObject({ result: { match_id: 42 } });
      expect(await (await fetch(`${replay.url}/IDOTA2Match_570/GetMatchDetails/v1?match_id=43`)).json()).toEqual({ result: { error: 'Match ID not found' } });
      expect(await (await fetch(`${replay.url}/IEconDOTA2_570/GetHeroes/v1?language=english`)).json()).toMatchObject({ result: { status: 200 } });
    } finally {
      await replay.close();
    }
  });
});

describe('the Steam client classifies failures', () => {
  let url = '';
  let close: () => Promise<void>;
  beforeAll(async () => {
    const server = createServer((req, res) => {
      const u = new URL(req.url!, 'http://x');
      const code = u.pathname.split('/')[2]!;
      if (code === 'GetHeroes') return res.end('{"result":{"heroes":[],"status":200}}');
      if (code === 'GetGameItems') return res.end('{"result": [truncated');
      if (code === 'GetMatchDetails') return; // never answers
      const status = { GetMatchHistory: 429, GetPlayerSummaries: 403, GetTeamInfoByTeamID: 503, GetLeagueInfoList: 404 }[code] ?? 500;
      res.writeHead(status, status === 429 ? { 'retry-after': '7' } : {});
      res.end('<html></html>');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      });
  });
  afterAll(async () => close());

  it.each([
    ['GetHeroes', undefined],
    ['GetMatchHistory', SteamRateLimitedError],
    ['GetPlayerSummaries', SteamAuthError],
    ['GetTeamInfoByTeamID', SteamUnavailableError],
    ['GetLeagueInfoList', SteamRequestError],
    ['GetGameItems', MalformedSteamResponseError],
    ['GetMatchDetails', SteamTimeoutError],
  ] as const)('%s', async (endpoint, errorClass) => {
    const client = createSteamClient({ baseUrl: url, leagueBaseUrl: url, apiKey: 'SECRET-KEY-99', timeoutMs: 300 });
    try {
      const result = client.get(endpoint, { x: 1 });
      if (!errorClass) return expect((await result).json).toEqual({ result: { heroes: [], status: 200 } });
      const err = await result.then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(err).toBeInstanceOf(errorClass);
      expect(err!.message).toContain(endpoint);
      expect(err!.message).not.toContain('SECRET-KEY-99');
      if (err instanceof SteamRateLimitedError) expect(err.retryAfterMs).toBe(7000);
    } finally {
      await client.close();
    }
  });
});
