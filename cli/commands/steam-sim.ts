import { writeFileSync } from 'node:fs';
import { UsageError } from '../../platform/errors.ts';
import { FaultSpecError, groundTruth, parseFaults, startSteamSim } from '../../sim/steam/index.ts';
import { stringifySteamJson } from '../../transforms/steam/json.ts';
import { defineCommand, intFlag, progress } from '../command.ts';

/** --faults, a bad spec reported as a usage error (exit 2). */
function faultsFlag(spec: string | undefined) {
  try {
    return parseFaults(spec);
  } catch (err) {
    if (err instanceof FaultSpecError) throw new UsageError(err.message);
    throw err;
  }
}

export const steamSimCommand = defineCommand({
  path: ['steam-sim'],
  usage:
    'steam-sim [--port N] [--seed S] [--faults SPEC] [--replay DIR] [--rate-limit R] [--truth FILE] [--players N] [--matches N] [--matches-per-minute N] [--key K] [--keys K1,K2,...] [--late SHARE] [--late-seconds S]',
  summary: 'Serve a local Steam Web API (Dota 2 endpoints) over a synthetic world or recorded responses.',
  help: `
Endpoints, with Valve's response shapes: IDOTA2Match_570/GetMatchHistory, GetMatchHistoryBySequenceNum,
GetMatchDetails (failing most of the time, as Valve's does since 7.36), GetTeamInfoByTeamID,
ISteamUser/GetPlayerSummaries/v2, IEconDOTA2_570/GetHeroes and GetGameItems (real heroes and items
from the dotaconstants package), and IDOTA2League/GetLeagueInfoList (also under /webapi/). Point
gamelake at it with STEAM_API_BASE_URL=http://127.0.0.1:PORT.

The world (same seed, same world): players (some private: anonymous in matches, history status 15;
some missing from GetPlayerSummaries), old-schema matches (no scores, no picks_bans) and new ones,
league matches with teams whose logos are 64-bit, leavers, Lone Druid's bear as additional_units.

Options:
  --port N                  listen here (default 8099; 0 picks a free port)
  --seed S                  world seed (default 1)
  --players N               players in the world (default 200)
  --matches N               matches at start (default 600)
  --matches-per-minute N    new matches appearing per minute (default 0)
  --faults SPEC             share of calls that fail, e.g. "429=0.1,500=0.2,timeout=0.05,malformed=0.02,empty=0.02"
                            (kinds: 429 with Retry-After, 500, 503, timeout, malformed, empty)
  --rate-limit R            accept at most R calls per second (burst R); above it 429 and a counted violation
  --key K                   require key=K (else 403, as Valve answers a bad key)
  --keys K1,K2,...          accept these keys, each with its own --rate-limit budget (others: 403);
                            POST /_sim/revoke?position=N makes key N answer 401 from then on
  --late SHARE              share of matches the sequence feed shows late (left out of its pages, as
                            Valve's "sometimes 99"), e.g. 0.01
  --late-seconds S          when the late matches appear (default: 60 s after start)
  --truth FILE              write the world's ground truth (JSON) to FILE at start
  --replay DIR              serve recorded responses instead; files named <Endpoint>_<key>.json or .json.gz:
                              GetMatchDetails_<match_id>, GetMatchHistoryBySequenceNum_<start_at_match_seq_num>,
                              GetMatchHistory_<start_at_match_id, else account_id>, GetPlayerSummaries_<steamid>
                              (one player per file), GetTeamInfoByTeamID_<start_at_team_id>, and
                              GetHeroes_<anything>, GetGameItems_<anything>, GetLeagueInfoList_<anything>.
                            A sequence request with no file of its exact start is answered from the matches of
                            all recorded pages. gamelake's own raw archive ($GAMELAKE_DATA_DIR/lake/steam/raw)
                            uses these names, so a mirror can be replayed.

Also: GET /_sim/stats (calls, faults, rate-limit violations, re-fetched matches), /_sim/truth, /_sim/reset.`,
  options: {
    port: { type: 'string' },
    seed: { type: 'string' },
    faults: { type: 'string' },
    replay: { type: 'string' },
    'rate-limit': { type: 'string' },
    truth: { type: 'string' },
    players: { type: 'string' },
    matches: { type: 'string' },
    'matches-per-minute': { type: 'string' },
    key: { type: 'string' },
    keys: { type: 'string' },
    late: { type: 'string' },
    'late-seconds': { type: 'string' },
  },
  async run({ values }) {
    const rateLimit = values['rate-limit'] === undefined ? undefined : Number(values['rate-limit']);
    if (rateLimit !== undefined && !(rateLimit > 0)) throw new UsageError(`--rate-limit=${String(values['rate-limit'])} is not a number > 0`);
    const late = values.late === undefined ? undefined : Number(values.late);
    if (late !== undefined && !(late >= 0 && late < 1)) throw new UsageError(`--late=${String(values.late)} is not a share between 0 and 1`);
    const keys = (values.keys as string | undefined)
      ?.split(',')
      .map((k) => k.trim())
      .filter(Boolean);
    const sim = await startSteamSim({
      keys,
      lateShare: late,
      lateMs: late === undefined ? undefined : intFlag(values, 'late-seconds', 60) * 1000,
      port: intFlag(values, 'port', 8099),
      faults: faultsFlag(values.faults as string | undefined),
      replayDir: values.replay as string | undefined,
      rateLimit,
      requireKey: values.key as string | undefined,
      world: {
        seed: (values.seed as string | undefined) ?? '1',
        players: intFlag(values, 'players', 200, 10),
        matches: intFlag(values, 'matches', 600),
        matchesPerMinute: intFlag(values, 'matches-per-minute', 0),
      },
    });
    if (values.truth && sim.world) {
      writeFileSync(values.truth as string, stringifySteamJson(groundTruth(sim.world)));
      progress(`ground truth written to ${values.truth as string}`);
    }
    progress(
      `Steam API simulator on ${sim.url} (${values.replay ? `replaying ${values.replay as string}` : `seed ${(values.seed as string | undefined) ?? '1'}`}); Ctrl-C to stop`,
    );
    progress(`  STEAM_API_BASE_URL=${sim.url}`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    const s = sim.stats();
    progress(`served ${s.calls} calls (${Object.values(s.faults).reduce((a, b) => a + b, 0)} faults injected, ${s.rateLimitViolations} over the rate limit)`);
    await sim.close();
    return 0;
  },
});
