import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, createWriteStream, cpSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { DevServerError } from '../errors.ts';
import { ensureSearchAttributes } from '../search-attributes.ts';
import { freePort, waitForTemporal } from './dev-server.ts';
import { LOCAL_BIN_DIR, PROJECT_ROOT, resolveTemporalCli } from './temporal-cli.ts';

/**
 * The production topology's Temporal, run here: the real Temporal server (`temporal-server`, built from
 * go.temporal.io/server with Go, the release docker-compose.yml pins) on PostgreSQL from Debian for
 * persistence and visibility, its schema set up by the server's own `temporal-sql-tool`.
 */
export const TEMPORAL_SERVER_MODULE = 'go.temporal.io/server';
/** The release the CLI's embedded dev server is (github.com/temporalio/cli v1.5.1 requires it) and docker-compose.yml's image. */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
export const SERVER_BINARY = path.join(LOCAL_BIN_DIR, 'temporal-server');
export const SQL_TOOL_BINARY = path.join(LOCAL_BIN_DIR, 'temporal-sql-tool');
/** The server's SQL schema (copied from the module at build time: the versioned migrations the SQL tool applies). */
export const SCHEMA_DIR = path.join(PROJECT_ROOT, '.tools', 'temporal-schema', TEMPORAL_SERVER_VERSION);
/** PostgreSQL's major version the tier runs (Debian 12's) and docker-compose.yml's image; startCluster refuses another. */
export const TESTED_POSTGRES_MAJOR = 15;
/** The dynamic config the tested cluster runs with, and docker-compose.yml mounts. */
export const DYNAMIC_CONFIG = path.join(PROJECT_ROOT, 'deploy', 'temporal', 'dynamicconfig.yaml');

function goEnv(key: string): string {
  return spawnSync('go', ['env', key], { encoding: 'utf8' }).stdout.trim();
}

/**
 * Builds temporal-server and temporal-sql-tool with `go install` (several minutes the first time on two
 * cores; the Go build cache makes later builds quick) and copies the PostgreSQL schema beside them.
 */
export function buildTemporalServer(log: (line: string) => void): void {
  if (existsSync(SERVER_BINARY) && existsSync(SQL_TOOL_BINARY) && existsSync(path.join(SCHEMA_DIR, 'postgresql'))) return;
  log(`building ${TEMPORAL_SERVER_MODULE} ${TEMPORAL_SERVER_VERSION} (server and SQL tool) with go install: several minutes the first time`);
  const built = spawnSync(
    'go',
    ['install', `${TEMPORAL_SERVER_MODULE}/cmd/server@${TEMPORAL_SERVER_VERSION}`, `${TEMPORAL_SERVER_MODULE}/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`],
    {
      env: { ...process.env, GOBIN: LOCAL_BIN_DIR },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  if (built.status !== 0) throw new DevServerError(`go install of ${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION} failed (exit ${built.status})`);
  // go install names the binaries after their folders.
  for (const [from, to] of [
    ['server', SERVER_BINARY],
    ['sql', SQL_TOOL_BINARY],
  ] as const) {
    const built = path.join(LOCAL_BIN_DIR, from);
    if (existsSync(built)) cpSync(built, to);
    rmSync(built, { force: true });
  }
  const module = path.join(goEnv('GOMODCACHE'), `${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`, 'schema', 'postgresql');
  mkdirSync(SCHEMA_DIR, { recursive: true });
  cpSync(module, path.join(SCHEMA_DIR, 'postgresql'), { recursive: true });
}

/** Debian's PostgreSQL server binaries (initdb, pg_ctl), newest major first. */
function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(path.join(root, v, 'bin', 'pg_ctl'))) return path.join(root, v, 'bin');
  throw new DevServerError('PostgreSQL is not installed: apt-get install -y postgresql');
}

/** PostgreSQL refuses to run as root: as root, its commands run as the postgres user. */
function asPostgres(bin: string, args: string[], options: { cwd?: string } = {}) {
  const root = process.getuid?.() === 0;
  const r = root ? spawnSync('runuser', ['-u', 'postgres', '--', bin, ...args], { encoding: 'utf8', ...options }) : spawnSync(bin, args, { encoding: 'utf8', ...options });
  if (r.status !== 0) throw new DevServerError(`${path.basename(bin)} ${args[0] ?? ''} failed: ${(r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' ')}`);
  return r.stdout;
}

export interface ClusterState {
  dir: string;
  address: string;
  postgresPort: number;
  metricsPort: number;
  serverPid: number;
}

export interface Cluster extends ClusterState {
  /** Stops the Temporal server process (SIGTERM, SIGKILL after 20 s) and starts it again on the same ports and database. */
  restartServer(): Promise<void>;
  stop(): Promise<void>;
}

const STATE = 'cluster.json';

function serverConfig(p: { postgresPort: number; ports: number[]; metricsPort: number; dynamicConfig: string }): string {
  const [frontend, frontendHttp, frontendMember, history, historyMember, matching, matchingMember, worker, workerMember] = p.ports;
  const store = (db: string, conns: number) => `      sql:
        pluginName: "postgres12"
        databaseName: "${db}"
        connectAddr: "127.0.0.1:${p.postgresPort}"
        connectProtocol: "tcp"
        user: "temporal"
        password: "temporal"
        maxConns: ${conns}
        maxIdleConns: ${conns}
        maxConnLifetime: "1h"`;
  const service = (grpc: number, member: number, http?: number) => `    rpc:
      grpcPort: ${grpc}
      membershipPort: ${member}
      bindOnLocalHost: true${http ? `\n      httpPort: ${http}` : ''}`;
  return `# Written by platform/server/temporal-cluster.ts for one run (free ports); docker-compose.yml runs the same release and dynamic config.
log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: 4
  datastores:
    default:
${store('temporal', 20)}
    visibility:
${store('temporal_visibility', 4)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"
  metrics:
    prometheus:
      framework: "tally"
      timerType: "histogram"
      listenAddress: "127.0.0.1:${p.metricsPort}"
services:
  frontend:
${service(frontend!, frontendMember!, frontendHttp)}
  history:
${service(history!, historyMember!)}
  matching:
${service(matching!, matchingMember!)}
  worker:
${service(worker!, workerMember!)}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${frontend}"
dcRedirectionPolicy:
  policy: "noop"
dynamicConfigClient:
  filepath: "${p.dynamicConfig}"
  pollInterval: "10s"
`;
}

/** A free port on 127.0.0.1 from 20000 up to `limit` (a random one, tried by binding it). */
async function freePortBelow(limit: number): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * (limit - 20000));
    const free = await new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new DevServerError(`no free port below ${limit}`);
}

function startServer(dir: string, log: (line: string) => void): ChildProcess {
  const out = createWriteStream(path.join(dir, 'temporal-server.log'), { flags: 'a' });
  const child = spawn(SERVER_BINARY, ['--root', dir, '--config', 'config', '--env', 'cluster', '--allow-no-auth', 'start'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout!.pipe(out, { end: false });
  child.stderr!.pipe(out, { end: false });
  child.once('exit', (code, signal) => log(`temporal-server exited (${signal ?? code})`));
  child.unref();
  return child;
}

/**
 * Starts PostgreSQL (a new cluster in `dir/pg` on a free port) and the Temporal server on it (free ports),
 * sets up both schemas, the default namespace and gamelake's search attributes; resolves once the frontend
 * answers. State goes to `dir/cluster.json` for `stopCluster`.
 */
export async function startCluster(dir: string, options: { log?: (line: string) => void } = {}): Promise<Cluster> {
  const log = options.log ?? (() => {});
  for (const f of [SERVER_BINARY, SQL_TOOL_BINARY]) if (!existsSync(f)) throw new DevServerError(`${f} is missing: run npm run temporal:cluster:build`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'config'), { recursive: true });
  const bin = postgresBin();
  const major = Number(path.basename(path.dirname(bin)));
  if (major !== TESTED_POSTGRES_MAJOR) {
    throw new DevServerError(
      `PostgreSQL ${major} is installed; the cluster tier and docker-compose.yml run ${TESTED_POSTGRES_MAJOR}: change TESTED_POSTGRES_MAJOR and the compose image together`,
    );
  }
  const pg = path.join(dir, 'pg');
  mkdirSync(pg, { recursive: true });
  if (process.getuid?.() === 0) {
    const { uid, gid } = statSync('/var/lib/postgresql');
    chownSync(pg, uid, gid);
    chownSync(dir, uid, gid);
    // The postgres user must reach its folder: a private parent (a mkdtemp folder) is opened for traversal.
    const parent = path.dirname(dir);
    const mode = statSync(parent).mode;
    if ((mode & 0o001) === 0) chmodSync(parent, mode | 0o711);
  }
  const postgresPort = await freePort();
  log(`PostgreSQL (${bin}): a new cluster in ${pg}, port ${postgresPort}`);
  asPostgres(path.join(bin, 'initdb'), ['-D', pg, '-U', 'temporal', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  asPostgres(path.join(bin, 'pg_ctl'), [
    '-D',
    pg,
    '-l',
    path.join(pg, 'postgres.log'),
    '-w',
    '-t',
    '60',
    '-o',
    `-p ${postgresPort} -k ${pg} -c listen_addresses=127.0.0.1 -c max_connections=200`,
    'start',
  ]);

  const sql = (db: string, ...args: string[]) => {
    const r = spawnSync(SQL_TOOL_BINARY, ['--plugin', 'postgres12', '--ep', '127.0.0.1', '-p', String(postgresPort), '-u', 'temporal', '--pw', 'temporal', '--db', db, ...args], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new DevServerError(`temporal-sql-tool ${args[0]} on ${db} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`);
  };
  for (const [db, schema] of [
    ['temporal', 'temporal'],
    ['temporal_visibility', 'visibility'],
  ] as const) {
    sql(db, 'create-database');
    sql(db, 'setup-schema', '-v', '0.0');
    sql(db, 'update-schema', '-d', path.join(SCHEMA_DIR, 'postgresql', 'v12', schema, 'versioned'));
  }
  log('schemas set up (temporal, temporal_visibility)');

  // The server keeps membership ports in a smallint column: every port below 32768 (the kernel hands out
  // free ports from 32768 up), tried one by one.
  const ports: number[] = [];
  while (ports.length < 9) {
    const p = await freePortBelow(32768);
    if (!ports.includes(p)) ports.push(p);
  }
  const metricsPort = await freePort();
  writeFileSync(path.join(dir, 'config', 'cluster.yaml'), serverConfig({ postgresPort, ports, metricsPort, dynamicConfig: DYNAMIC_CONFIG }));
  const address = `127.0.0.1:${ports[0]}`;
  let server = startServer(dir, log);
  await waitForTemporal(address, 120_000, () => server.exitCode === null);
  const cli = await resolveTemporalCli({ explicitPath: process.env.TEMPORAL_CLI_PATH, searchPath: process.env.PATH, log });
  const tool = (args: string[]) => spawnSync(cli.path, [...args, '--address', address], { encoding: 'utf8' });
  // The default namespace (the dev server makes it; a real cluster does not).
  for (let i = 0; ; i++) {
    const r = tool(['operator', 'namespace', 'create', '--namespace', 'default', '--retention', '72h']);
    if (r.status === 0 || /already exists|AlreadyExists/i.test(r.stderr)) break;
    if (i > 60) throw new DevServerError(`cannot create the default namespace: ${r.stderr.trim()}`);
    await new Promise((res) => setTimeout(res, 1000));
  }
  const connection = await Connection.connect({ address });
  try {
    await ensureSearchAttributes(connection, 'default');
  } finally {
    await connection.close();
  }
  const state: ClusterState = { dir, address, postgresPort, metricsPort, serverPid: server.pid! };
  writeFileSync(path.join(dir, STATE), `${JSON.stringify(state)}\n`);
  log(`Temporal server ${TEMPORAL_SERVER_VERSION} on PostgreSQL: ${address}`);
  const cluster: Cluster = {
    ...state,
    async restartServer() {
      const exited = new Promise((r) => (server.exitCode !== null ? r(null) : server.once('exit', r)));
      server.kill('SIGTERM');
      const timer = setTimeout(() => server.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
      server = startServer(dir, log);
      cluster.serverPid = server.pid!;
      writeFileSync(path.join(dir, STATE), `${JSON.stringify({ ...state, serverPid: server.pid })}\n`);
      await waitForTemporal(address, 120_000, () => server.exitCode === null);
    },
    async stop() {
      await stopCluster(dir);
    },
  };
  return cluster;
}

/** Stops what startCluster started in `dir` (from its cluster.json): the Temporal server, then PostgreSQL. */
export async function stopCluster(dir: string): Promise<void> {
  const file = path.join(dir, STATE);
  if (existsSync(file)) {
    const state = JSON.parse(readFileSync(file, 'utf8')) as ClusterState;
    try {
      process.kill(state.serverPid, 'SIGTERM');
      for (let i = 0; i < 200; i++) {
        process.kill(state.serverPid, 0);
        await new Promise((r) => setTimeout(r, 100));
      }
      process.kill(state.serverPid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  const pg = path.join(dir, 'pg');
  if (existsSync(path.join(pg, 'postmaster.pid'))) asPostgres(path.join(postgresBin(), 'pg_ctl'), ['-D', pg, '-m', 'fast', '-w', 'stop']);
}
