import path from 'node:path';
import { ConfigError } from './errors.ts';

/**
 * Every environment variable gamelake reads, with its default. This is the only module that
 * reads `process.env` (a test keeps it so), which makes this list complete: the README table
 * and the docker-compose file are checked against it.
 */
/** The worker's Prometheus port unless GAMELAKE_METRICS_PORT says otherwise. */
export const DEFAULT_METRICS_PORT = 9464;

export const ENVIRONMENT = {
  GAMELAKE_DATA_DIR: {
    default: './.gamelake',
    description: 'Holds the Temporal SQLite file, the lake, the inbox and the warehouse.',
  },
  TEMPORAL_ADDRESS: {
    default: '(unset: `gamelake dev`/`demo` start an embedded server on 127.0.0.1:7233)',
    description: 'host:port of a Temporal frontend to use instead of the embedded dev server.',
  },
  TEMPORAL_NAMESPACE: { default: 'default', description: 'Temporal namespace for workflows and schedules.' },
  GAMELAKE_TASK_QUEUE: { default: 'gamelake', description: 'Task queue the worker polls and the CLI starts workflows on.' },
  GAMELAKE_CONTRACTS_DIR: {
    default: '(the contracts/ folder of the installation)',
    description: 'Folder of game contract files (`<product>.yaml` or `.json`); the worker reads them when it starts.',
  },
  TEMPORAL_CLI_PATH: {
    default: '(unset)',
    description: 'Path to a `temporal` binary; checked before PATH, the project-local build and the SDK download.',
  },
  TEMPORAL_UI_URL: {
    default: 'http://localhost:8233',
    description: 'Base URL of the Temporal Web UI, used for links; the embedded dev server serves its UI on this port.',
  },
  STEAM_API_KEY: {
    default: '(unset)',
    description: 'Steam Web API key. Read by the worker only: never passed to workflows or activities, never logged or stored.',
  },
  STEAM_API_KEYS: {
    default: '(unset)',
    description:
      'Several Steam Web API keys, comma-separated (instead of STEAM_API_KEY): each has its own budget of STEAM_RATE_PER_SEC, so N keys give N times the rate. A key Steam refuses (401/403) is taken out of rotation, named by its position, never its value.',
  },
  STEAM_API_BASE_URL: {
    default: 'https://api.steampowered.com',
    description: "Base URL of the Steam Web API (point it at `gamelake steam-sim`). When set, league lists are fetched from it too; otherwise from dota2.com's web API.",
  },
  STEAM_RATE_PER_SEC: {
    default: '1',
    description: 'Steam API calls per second across all workers (Temporal task-queue rate limit); 0 for no limit.',
  },
  GAMELAKE_UI_TOKEN: {
    default: '(unset)',
    description:
      'Access token of `gamelake ui` (at least 16 characters); required to serve it beyond loopback (`--host`). Programs send `Authorization: Bearer <token>`; a browser opens the one-time login link printed at start. Compared in constant time, never logged.',
  },
  GAMELAKE_LOG_FORMAT: {
    default: '(unset: json when stderr is not a terminal, else text)',
    description:
      "Format of the worker's log (the Temporal SDK's logger hook): `json`, one JSON object per line (pino) with the batch id, counts, workflow and activity ids and the attempt as fields; `text`, one short line per event without the SDK's context fields.",
  },
  GAMELAKE_METRICS_PORT: {
    default: String(DEFAULT_METRICS_PORT),
    description:
      "Port of `gamelake worker`'s Prometheus endpoint (`http://127.0.0.1:<port>/metrics`: gamelake's metrics and the Temporal SDK's); `off` serves none. With the default and the port taken (a second worker on the machine) the worker runs without it and says so.",
  },
  GAMELAKE_WRITE_KEYS: {
    default: '(unset: the collector accepts every product, on loopback only)',
    description:
      'Write keys of `gamelake collect`: `product=key` (that product only; list a key once per product it may send) or `*=key` (any product); keys of at least 16 characters, comma-separated. Producers send `Authorization: Bearer <key>`. Required to listen beyond loopback. Compared in constant time (by SHA-256), never logged, stored or passed to a workflow.',
  },
  GAMELAKE_UI_HOSTS: {
    default: '(unset: any, beyond loopback)',
    description:
      'Comma-separated host names the UI answers to when served beyond loopback (a request naming another `Host` is refused: DNS rebinding). On loopback only localhost names and addresses are answered.',
  },
  UV_THREADPOOL_SIZE: {
    default: '16 (set by the `gamelake` command unless given)',
    description: "Node's libuv thread pool, where DuckDB's calls wait: room for the UI's ad-hoc queries and pages at once, next to file system work.",
  },
  GAMELAKE_DEBUG: { default: '(unset)', description: 'When set, failing commands print the full error with its causes and stack.' },
  BENCH_TRACE: { default: '(unset)', description: "`npm run bench:ingest` only: when set, prints the ingest workflow's history events with their times." },
} as const;

export type EnvName = keyof typeof ENVIRONMENT;

export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';
const DOTA2_WEBAPI_BASE_URL = 'https://www.dota2.com/webapi';

/** What the worker needs to call Steam. Lives in worker configuration only. */
export interface SteamConfig {
  apiKey: string | undefined;
  /** Several keys (STEAM_API_KEYS), each with its own rate budget; when given, apiKey is not used. */
  apiKeys?: string[];
  baseUrl: string;
  leagueBaseUrl: string;
  /** Calls per second across all workers; 0: no limit. */
  ratePerSec: number;
  timeoutMs: number;
}

export interface GamelakeConfig {
  /** Absolute path of the data directory. */
  dataDir: string;
  /** Set when the user points gamelake at an existing server; undefined means "embedded". */
  temporalAddress: string | undefined;
  namespace: string;
  taskQueue: string;
  /** Folder of the game contracts; undefined: the installation's contracts/. */
  contractsDir: string | undefined;
  temporalCliPath: string | undefined;
  uiUrl: string;
  /** Port the embedded dev server serves the UI on (from TEMPORAL_UI_URL). */
  uiPort: number;
  /** The UI's access token (GAMELAKE_UI_TOKEN); never logged. */
  uiToken: string | undefined;
  /** The worker's metrics port (GAMELAKE_METRICS_PORT), undefined when `off`; `metricsPortSet`: given, not the default. */
  metricsPort: number | undefined;
  metricsPortSet: boolean;
  /** GAMELAKE_WRITE_KEYS as set (parsed by the collector, which keeps only their digests). */
  writeKeys: string | undefined;
  /** Host names the UI answers to beyond loopback (GAMELAKE_UI_HOSTS). */
  uiHosts: string[];
  steam: SteamConfig;
}

type Env = Readonly<Record<string, string | undefined>>;

function nonEmpty(env: Env, name: EnvName): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function url(env: Env, name: EnvName, fallback: string): URL {
  const raw = nonEmpty(env, name) ?? fallback;
  let parsed: URL | undefined;
  try {
    parsed = new URL(raw);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new ConfigError(`${name}=${raw} is not an http(s) URL`);
  }
  return parsed;
}

/** Reads gamelake's configuration from the environment (default: `process.env`). */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): GamelakeConfig {
  const address = nonEmpty(env, 'TEMPORAL_ADDRESS');
  if (address !== undefined && !/^[^\s:]+:\d{1,5}$/.test(address)) {
    throw new ConfigError(`TEMPORAL_ADDRESS=${address} is not host:port`);
  }
  const uiUrl = url(env, 'TEMPORAL_UI_URL', ENVIRONMENT.TEMPORAL_UI_URL.default);
  const steamBase = nonEmpty(env, 'STEAM_API_BASE_URL');
  const steamUrl = url(env, 'STEAM_API_BASE_URL', ENVIRONMENT.STEAM_API_BASE_URL.default).href.replace(/\/$/, '');
  const rateRaw = nonEmpty(env, 'STEAM_RATE_PER_SEC') ?? ENVIRONMENT.STEAM_RATE_PER_SEC.default;
  const rate = Number(rateRaw);
  if (!Number.isFinite(rate) || rate < 0) throw new ConfigError(`STEAM_RATE_PER_SEC=${rateRaw} is not a number >= 0`);
  return {
    dataDir: path.resolve(cwd, nonEmpty(env, 'GAMELAKE_DATA_DIR') ?? ENVIRONMENT.GAMELAKE_DATA_DIR.default),
    temporalAddress: address,
    namespace: nonEmpty(env, 'TEMPORAL_NAMESPACE') ?? ENVIRONMENT.TEMPORAL_NAMESPACE.default,
    taskQueue: nonEmpty(env, 'GAMELAKE_TASK_QUEUE') ?? ENVIRONMENT.GAMELAKE_TASK_QUEUE.default,
    contractsDir: nonEmpty(env, 'GAMELAKE_CONTRACTS_DIR') ? path.resolve(cwd, nonEmpty(env, 'GAMELAKE_CONTRACTS_DIR')!) : undefined,
    temporalCliPath: nonEmpty(env, 'TEMPORAL_CLI_PATH'),
    uiUrl: uiUrl.href.replace(/\/$/, ''),
    uiPort: Number(uiUrl.port || (uiUrl.protocol === 'https:' ? 443 : 80)),
    uiToken: nonEmpty(env, 'GAMELAKE_UI_TOKEN'),
    writeKeys: nonEmpty(env, 'GAMELAKE_WRITE_KEYS'),
    ...metricsPort(nonEmpty(env, 'GAMELAKE_METRICS_PORT')),
    uiHosts: (nonEmpty(env, 'GAMELAKE_UI_HOSTS') ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean),
    steam: {
      apiKey: nonEmpty(env, 'STEAM_API_KEY'),
      apiKeys: nonEmpty(env, 'STEAM_API_KEYS')
        ?.split(',')
        .map((k) => k.trim())
        .filter(Boolean),
      baseUrl: steamUrl,
      leagueBaseUrl: steamBase ? steamUrl : DOTA2_WEBAPI_BASE_URL,
      ratePerSec: rate,
      timeoutMs: 15_000,
    },
  };
}

/** The keys to call Steam with, in order (position 1, 2, ...); one keyless entry when there is none (a simulator). */
export function steamKeys(steam: SteamConfig): Array<string | undefined> {
  if (steam.apiKeys && steam.apiKeys.length > 0) return steam.apiKeys;
  return [steam.apiKey];
}

export { dataLayout, type DataLayout } from '../lake/layout.ts';

function metricsPort(value: string | undefined): { metricsPort: number | undefined; metricsPortSet: boolean } {
  if (value === undefined) return { metricsPort: DEFAULT_METRICS_PORT, metricsPortSet: false };
  if (value.toLowerCase() === 'off') return { metricsPort: undefined, metricsPortSet: true };
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`GAMELAKE_METRICS_PORT must be a port number or off, not ${JSON.stringify(value)}`);
  return { metricsPort: port, metricsPortSet: true };
}
