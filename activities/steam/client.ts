/**
 * The Steam Web API over undici: one connection pool (keep-alive, connections reused), a timeout per call,
 * and errors classified by what to do about them. The API key is added to the request URL here and only
 * here; every URL in an error or log has it removed.
 */
import { Agent, request } from 'undici';
import { MalformedSteamResponseError } from '../../transforms/steam/index.ts';
import { parseSteamJson, type SteamJson } from '../../transforms/steam/json.ts';
import { SteamAuthError, SteamRateLimitedError, SteamRequestError, SteamTimeoutError, SteamUnavailableError } from './errors.ts';
import { createSlotLedger } from './slots.ts';

export const STEAM_ENDPOINTS = {
  GetMatchHistory: 'IDOTA2Match_570/GetMatchHistory/v1',
  GetMatchHistoryBySequenceNum: 'IDOTA2Match_570/GetMatchHistoryBySequenceNum/v1',
  GetMatchDetails: 'IDOTA2Match_570/GetMatchDetails/v1',
  GetTeamInfoByTeamID: 'IDOTA2Match_570/GetTeamInfoByTeamID/v1',
  GetPlayerSummaries: 'ISteamUser/GetPlayerSummaries/v2',
  GetHeroes: 'IEconDOTA2_570/GetHeroes/v1',
  GetGameItems: 'IEconDOTA2_570/GetGameItems/v1',
  GetLeagueInfoList: 'IDOTA2League/GetLeagueInfoList/v001',
} as const;

export type SteamEndpoint = keyof typeof STEAM_ENDPOINTS;

export interface SteamClientOptions {
  /** api.steampowered.com or a simulator. */
  baseUrl: string;
  /** Where GetLeagueInfoList lives (dota2.com's web API for the real thing). */
  leagueBaseUrl: string;
  apiKey: string | undefined;
  /** Per call: connect, headers and body each (default 15 s). */
  timeoutMs?: number;
  /**
   * Calls per second this process starts at most, evenly spaced (no bursts); 0 or absent: no pacing.
   * The global limit across workers is the Temporal task queue's; this smooths each worker's share.
   */
  pacePerSec?: number;
  /**
   * With pacePerSec: the key's call slots shared by every process (activities/steam/slots.ts), so the
   * spacing holds across workers; absent: this process spaces its own calls.
   */
  slotsDir?: string;
  /** Called after pacing, just before the request goes out; throws to stop it (a key taken out of rotation). */
  beforeSend?: (endpoint: SteamEndpoint) => void;
}

export interface SteamResponse {
  json: SteamJson;
  /** The body as received, for the raw archive. */
  text: string;
  /** The URL without the key. */
  url: string;
}

export interface SteamClient {
  get(endpoint: SteamEndpoint, params: Record<string, string | number>): Promise<SteamResponse>;
  /** When a call made now would leave (epoch ms): the key's first free slot; now without a rate. */
  nextSendAt(): number;
  close(): Promise<void>;
}

function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export function createSteamClient(options: SteamClientOptions): SteamClient {
  const timeout = options.timeoutMs ?? 15_000;
  const agent = new Agent({ connections: 16, keepAliveTimeout: 30_000, connectTimeout: timeout, headersTimeout: timeout, bodyTimeout: timeout });
  // 1% slower than the limit (and 2 ms): calls leave evenly spaced, but arrive with a little network
  // jitter; a limiter that counts arrivals (Valve's, the simulator's with a burst of 1 at 1/s) must never
  // see two closer than its interval.
  const interval = options.pacePerSec ? (1000 / options.pacePerSec) * 1.01 + 2 : 0;
  let nextSlot = 0;
  const shared = interval > 0 && options.slotsDir ? createSlotLedger(options.slotsDir, interval) : undefined;
  const pace = async () => {
    if (interval === 0) return;
    if (shared) {
      await shared();
      return;
    }
    const now = Date.now();
    const slot = Math.max(now, nextSlot);
    nextSlot = slot + interval;
    if (slot > now) await new Promise((r) => setTimeout(r, slot - now));
  };
  return {
    nextSendAt: () => (interval === 0 ? Date.now() : shared ? shared.peek() : Math.max(Date.now(), nextSlot)),
    async get(endpoint, params) {
      await pace();
      options.beforeSend?.(endpoint);
      const base = endpoint === 'GetLeagueInfoList' ? options.leagueBaseUrl : options.baseUrl;
      const url = new URL(`${base.replace(/\/$/, '')}/${STEAM_ENDPOINTS[endpoint]}`);
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, String(v));
      const shown = url.toString();
      if (options.apiKey) url.searchParams.set('key', options.apiKey);
      let status: number;
      let text: string;
      let headers: Record<string, string | string[] | undefined>;
      try {
        const res = await request(url, { dispatcher: agent, signal: AbortSignal.timeout(timeout * 2) });
        status = res.statusCode;
        headers = res.headers;
        text = await res.body.text();
      } catch (err) {
        const e = err as Error & { code?: string };
        // Rethrow without the undici error's message: it may quote the URL, key included.
        if (e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT' || e.code === 'UND_ERR_CONNECT_TIMEOUT') {
          throw new SteamTimeoutError(`${endpoint}: no answer within ${timeout} ms`, shown);
        }
        throw new SteamUnavailableError(`${endpoint}: connection failed (${e.code ?? e.name})`, shown);
      }
      if (status === 429) throw new SteamRateLimitedError(shown, retryAfterMs(headers['retry-after']));
      if (status === 401 || status === 403) {
        throw new SteamAuthError(`${endpoint}: Steam answered ${status}: the STEAM_API_KEY is missing, wrong or blocked; retrying will not help`, shown);
      }
      if (status >= 500) throw new SteamUnavailableError(`${endpoint}: Steam answered ${status}`, shown);
      if (status !== 200) throw new SteamRequestError(`${endpoint}: Steam answered ${status}`, shown);
      let json: SteamJson;
      try {
        json = parseSteamJson(text);
      } catch {
        throw new MalformedSteamResponseError(endpoint, `not JSON (${text.length} bytes starting ${JSON.stringify(text.slice(0, 40))}) from ${shown}`);
      }
      return { json, text, url: shown };
    },
    async close() {
      await agent.close();
    },
  };
}
