import { createHash, randomUUID } from 'node:crypto';
import { constants, copyFileSync, existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { DuckDBValue } from '@duckdb/node-api';
import type { ContractRegistry } from '../transforms/contract/model.ts';
import type { ScoringSettings } from '../transforms/scoring.ts';
import { fileColumns, lakeTables, PARTITION_COLUMN, QUARANTINE_TABLE, RECOVERED_TABLE, type LakeColumn } from '../transforms/tables.ts';
import {
  createSteamState,
  fileList,
  lakeFileList,
  lakeSnapshot,
  loadSteamLake,
  openDb,
  sqlLiteral,
  steamFiles,
  tableFiles,
  textList,
  withLakeLock,
  type Db,
  type LakeSnapshot,
} from '../lake/index.ts';
import { deltaStatement, loadModels, WAREHOUSE_DIR, type Model } from './models.ts';
import { updateLeaderboards } from './leaderboards.ts';

export { ModelCheckError } from './errors.ts';
import { ModelCheckError } from './errors.ts';

/** Bumped when the warehouse's own tables change shape: a warehouse of another version is rebuilt in full. */
const FORMAT = 2;

export interface BuildOptions {
  lakeDir: string;
  warehousePath: string;
  /** The game contracts: every table they write is a view lake_<table> over the lake's files. */
  registry: ContractRegistry;
  scoring?: ScoringSettings;
  /** Trade imbalance above which a trade is flagged (default 10). */
  minRatio?: number;
  /** Lopsided trades between the same pair, in the same direction, that make a pattern (default 3). */
  repeatThreshold?: number;
  /** Rebuild everything from the lake instead of taking in only what the warehouse lacks. */
  full?: boolean;
  /** DuckDB's memory limit for the build (default 1GB). */
  memoryLimit?: string;
  onProgress?: (step: string) => void;
}

export type BuildKind = 'incremental' | 'full';

export interface ModelRun {
  name: string;
  ms: number;
  rows: number;
}

export interface BuildReport {
  buildId: string;
  kind: BuildKind;
  /** Why a build asked to be incremental was full (empty when it was incremental, or asked full). */
  fullBecause: string;
  /** Batches in the warehouse after the build, and those this build took in. */
  batches: number;
  newBatches: number;
  steamFiles: number;
  newSteamFiles: number;
  /** Rows of every table of the warehouse (marts and gamelake's own). */
  tables: Record<string, number>;
  /**
   * Nothing new since the last build (no batch, Steam file, rewrite or compaction; same models, contracts
   * and scoring): the warehouse file was left as it was, not copied, and no check ran again.
   */
  unchanged?: boolean;
  /** Models this build refreshed, with their time and rows. */
  models: ModelRun[];
  checks: number;
  ms: number;
}

export function defaultScoring(): ScoringSettings {
  return JSON.parse(readFileSync(path.join(WAREHOUSE_DIR, 'scoring.json'), 'utf8')) as ScoringSettings;
}

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The warehouse's own tables: what it holds, how it was built, every check's result. */
const STATE_DDL = [
  'CREATE TABLE IF NOT EXISTS batches (batch_id VARCHAR PRIMARY KEY, sha256 VARCHAR, file VARCHAR, lines_in BIGINT, accepted BIGINT, quarantined BIGINT, duplicates BIGINT, committed_at TIMESTAMPTZ, built_in VARCHAR)',
  'CREATE TABLE IF NOT EXISTS _steam_files (path VARCHAR PRIMARY KEY, built_in VARCHAR)',
  'CREATE TABLE IF NOT EXISTS _lake_files (path VARCHAR, table_name VARCHAR)',
  `CREATE TABLE IF NOT EXISTS _builds (build_id VARCHAR, kind VARCHAR, full_because VARCHAR, started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ, ms BIGINT,
     new_batches BIGINT, batches BIGINT, new_steam_files BIGINT, steam_files BIGINT, checks BIGINT)`,
  'CREATE TABLE IF NOT EXISTS _checks (build_id VARCHAR, model VARCHAR, check_name VARCHAR, failing_rows BIGINT, passed BOOLEAN)',
  'CREATE TABLE IF NOT EXISTS _models (model VARCHAR PRIMARY KEY, layer VARCHAR, refresh VARCHAR, refreshed_in VARCHAR, refreshed_at TIMESTAMPTZ, ms BIGINT, rows BIGINT)',
  'CREATE TABLE IF NOT EXISTS _warehouse_state (key VARCHAR PRIMARY KEY, value VARCHAR)',
];

/** A fingerprint of everything a build's result depends on besides the lake: a change means a full build. */
function definitionHash(options: BuildOptions, scoring: ScoringSettings, models: Model[]): string {
  const h = createHash('sha256');
  h.update(`format ${FORMAT}\n`);
  for (const m of models) h.update(`${m.layer}/${m.name}\n${m.sql}\n`);
  h.update(JSON.stringify([...lakeTables(options.registry).values()].map((t) => [t.name, fileColumns(t).map((c) => [c.name, c.type])])));
  h.update(JSON.stringify(scoring));
  h.update(JSON.stringify([options.minRatio ?? 10, options.repeatThreshold ?? 3]));
  return h.digest('hex');
}

/** The columns of each lake table as the warehouse shows them (the partition column included). */
function lakeSources(registry: ContractRegistry): Array<[string, readonly LakeColumn[]]> {
  return [
    ...[...lakeTables(registry).values()].map((t) => [t.name, [...fileColumns(t), PARTITION_COLUMN]] as [string, LakeColumn[]]),
    [QUARANTINE_TABLE.name, QUARANTINE_TABLE.columns],
    [RECOVERED_TABLE.name, RECOVERED_TABLE.columns],
  ];
}

function emptySelect(columns: readonly LakeColumn[]): string {
  return `SELECT ${columns.map((c) => `CAST(NULL AS ${c.type === 'JSON' ? 'VARCHAR' : c.type}) AS ${quoted(c.name)}`).join(', ')} WHERE false`;
}

/** A select over lake files; with `lakeDir`, the files follow the reader's lake (views kept in the warehouse). */
function filesSelect(columns: readonly LakeColumn[], files: readonly string[], where = '', lakeDir?: string): string {
  if (files.length === 0) return emptySelect(columns);
  const list = lakeDir ? lakeFileList(lakeDir, files) : fileList(files);
  return `SELECT ${columns.map((c) => quoted(c.name)).join(', ')} FROM read_parquet(${list}, hive_partitioning = true, union_by_name = true)${where}`;
}

async function count(db: Db, sql: string, params?: Record<string, DuckDBValue>): Promise<number> {
  const [row] = await db.rows<{ n: bigint }>(sql, params);
  return Number(row?.n ?? 0);
}

/** Runs a model's declared checks on a table (a mart, or a staging model's new rows); returns how many ran. */
async function runChecks(db: Db, buildId: string, model: Model, table: string): Promise<number> {
  const results: Array<{ name: string; failing: number }> = [];
  if (model.unique.length > 0) {
    results.push({
      name: `unique(${model.unique.join(', ')})`,
      failing: await count(db, `SELECT count(*) AS n FROM (SELECT ${model.unique.join(', ')} FROM ${table} GROUP BY ALL HAVING count(*) > 1)`),
    });
  }
  for (const column of model.notNull) {
    results.push({ name: `not_null(${column})`, failing: await count(db, `SELECT count(*) AS n FROM ${table} WHERE ${column} IS NULL`) });
  }
  for (const expr of model.checks) {
    results.push({ name: `check(${expr})`, failing: await count(db, `SELECT count(*) AS n FROM ${table} WHERE NOT coalesce((${expr}), false)`) });
  }
  for (const r of results) {
    await db.run('INSERT INTO _checks VALUES ($build, $model, $check, $failing, $passed)', {
      build: buildId,
      model: model.name,
      check: r.name,
      failing: r.failing,
      passed: r.failing === 0,
    });
  }
  const failed = results.find((r) => r.failing > 0);
  if (failed) throw new ModelCheckError(`${model.name}: check ${failed.name} failed for ${failed.failing} rows of ${table}; the previous warehouse is kept`);
  return results.length;
}

async function runStatements(db: Db, model: Model, params: Record<string, DuckDBValue>): Promise<void> {
  for (const statement of model.statements) {
    const used = [...new Set([...statement.replace(/^--.*$/gm, '').matchAll(/\$([a-z_][a-z0-9_]*)/g)].map((m) => m[1]!))];
    for (const p of used) if (!(p in params)) throw new ModelCheckError(`${model.name}: unknown parameter $${p}`);
    await db.run(statement, used.length > 0 ? Object.fromEntries(used.map((p) => [p, params[p]!])) : undefined);
  }
}

/** What a model's header says, as comments any DuckDB client shows (COMMENT ON ...): description, grain, columns. */
async function comment(db: Db, kind: 'TABLE' | 'VIEW', name: string, description: string, grain: string, columns: Record<string, string>): Promise<void> {
  const text = [description, grain ? `Grain: ${grain}.` : ''].filter(Boolean).join(' ');
  if (text) await db.run(`COMMENT ON ${kind} ${quoted(name)} IS ${sqlLiteral(text)}`);
  const have = new Set(
    (
      await db.rows<{ c: string }>("SELECT column_name AS c FROM duckdb_columns() WHERE table_name = $t AND schema_name = 'main' AND database_name = current_database()", {
        t: name,
      })
    ).map((r) => r.c),
  );
  for (const [column, about] of Object.entries(columns)) {
    if (have.has(column)) await db.run(`COMMENT ON COLUMN ${quoted(name)}.${quoted(column)} IS ${sqlLiteral(about)}`);
  }
}

/** The lake files the warehouse at `warehousePath` reads through its views (empty when there is none). */
export async function referencedLakeFiles(warehousePath: string, lakeDir: string): Promise<Set<string>> {
  if (!existsSync(warehousePath)) return new Set();
  const db = await openDb({ path: warehousePath, readOnly: true });
  try {
    const rows = await db.rows<{ path: string }>('SELECT path FROM _lake_files').catch(() => [] as Array<{ path: string }>);
    // Lake-relative since the views follow a moved lake; absolute in warehouses built before.
    return new Set(rows.map((r) => (path.isAbsolute(r.path) ? path.relative(lakeDir, r.path) : r.path)));
  } finally {
    db.close();
  }
}

interface Start {
  db: Db;
  kind: BuildKind;
  fullBecause: string;
}

/** Opens the new warehouse file: a copy of the current one (incremental), or an empty one (full). */
async function start(options: BuildOptions, tmp: string, definition: string, snapshot: LakeSnapshot, memoryLimit: string): Promise<Start> {
  const open = () => openDb({ path: tmp, threads: 2, memoryLimit, tempDirectory: `${tmp}.tmp`, preserveInsertionOrder: false });
  let fullBecause = options.full ? '' : !existsSync(options.warehousePath) ? 'no warehouse yet' : '';
  if (!options.full && !fullBecause) {
    copyFileSync(options.warehousePath, tmp, constants.COPYFILE_FICLONE);
    const db = await open();
    const state = await db.rows<{ key: string; value: string }>('SELECT key, value FROM _warehouse_state').catch(() => [] as Array<{ key: string; value: string }>);
    const known = await db.rows<{ batch_id: string }>('SELECT batch_id FROM batches').catch(() => [] as Array<{ batch_id: string }>);
    const def = state.find((s) => s.key === 'definition')?.value;
    const gone = known.filter((b) => !snapshot.batches.has(b.batch_id));
    const rewritesBuilt = Number(state.find((s) => s.key === 'rewrites')?.value ?? 0);
    if (def === undefined) fullBecause = 'the warehouse was made by an older gamelake';
    else if (def !== definition) fullBecause = 'models, contracts or scoring changed since the last build';
    else if (gone.length > 0) fullBecause = `${gone.length} batches in the warehouse are no longer in the lake`;
    else if (snapshot.rewrites.length > rewritesBuilt) fullBecause = `rows were taken out of the lake since the last build (${snapshot.rewrites.at(-1)!.kind})`;
    if (!fullBecause) return { db, kind: 'incremental', fullBecause: '' };
    db.close();
    rmSync(tmp, { force: true });
    rmSync(`${tmp}.wal`, { force: true });
  }
  return { db: await open(), kind: 'full', fullBecause };
}

/** Rows of every base table of the warehouse (marts and gamelake's own). */
async function tableRows(db: Db): Promise<Record<string, number>> {
  const tables: Record<string, number> = {};
  for (const { table_name } of await db.rows<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema = 'main' ORDER BY 1",
  )) {
    tables[table_name] = await count(db, `SELECT count(*) AS n FROM ${quoted(table_name)}`);
  }
  return tables;
}

/** A lake file's path as the catalog and `_lake_files` name it: relative to the lake, with `/` (the data directory may move). */
const lakeRelative = (lakeDir: string, file: string) => path.relative(lakeDir, file).split(path.sep).join('/');

/**
 * Whether the warehouse already holds everything the lake has: the same definition, every batch and no
 * other, the same count of rewrites, every Steam file, and views over exactly the live files (a compaction
 * since changes them). Read from the warehouse opened read-only, beside its readers; the tables' row counts
 * when it does, undefined when a build has work to do (or the warehouse cannot tell: an older one).
 */
async function upToDate(options: BuildOptions, definition: string, snapshot: LakeSnapshot, steam: string[]): Promise<{ tables: Record<string, number> } | undefined> {
  if (!existsSync(options.warehousePath)) return undefined;
  let db: Db | undefined;
  try {
    db = await openDb({ path: options.warehousePath, readOnly: true });
    const state = new Map((await db.rows<{ key: string; value: string }>('SELECT key, value FROM _warehouse_state')).map((r) => [r.key, r.value]));
    if (state.get('definition') !== definition || state.get('rewrites') !== String(snapshot.rewrites.length)) return undefined;
    const batches = await db.rows<{ batch_id: string }>('SELECT batch_id FROM batches');
    if (batches.length !== snapshot.batches.size || batches.some((b) => !snapshot.batches.has(b.batch_id))) return undefined;
    const haveSteam = new Set((await db.rows<{ path: string }>('SELECT path FROM _steam_files')).map((r) => r.path));
    if (steam.some((f) => !haveSteam.has(f))) return undefined;
    const viewed = (await db.rows<{ f: string }>("SELECT table_name || '/' || path AS f FROM _lake_files")).map((r) => r.f).sort();
    const live = lakeSources(options.registry)
      .flatMap(([name]) => tableFiles(snapshot, options.lakeDir, name).map((f) => `${name}/${lakeRelative(options.lakeDir, f)}`))
      .sort();
    if (viewed.length !== live.length || viewed.some((f, i) => f !== live[i])) return undefined;
    return { tables: await tableRows(db) };
  } catch {
    // A warehouse without these tables (made by an older gamelake, or half made): the build decides.
    return undefined;
  } finally {
    db?.close();
  }
}

/**
 * Brings the warehouse up to date with the lake, into a new file that replaces the old one in one rename:
 * readers see the old warehouse or the new one, never half of either. The new file starts as a copy of the
 * current warehouse, which holds only marts and state (the lake's tables are views over its Parquet files),
 * and takes in only the batches and Steam files it lacks: each mart merges the new rows, or is recomputed
 * from the marts it depends on. A full build (asked for, the first, or after models or contracts changed)
 * is the same work over every batch from an empty file. Every check runs; a failed one keeps the old file.
 * With nothing new, the warehouse is left as it is (read, not copied).
 */
export async function buildWarehouse(options: BuildOptions): Promise<BuildReport> {
  // One build at a time per lake, whoever runs it (the marts-build workflow, an erasure, a test): a build
  // that took its snapshot before rows left the lake then finishes before the next one starts from the new
  // snapshot, and never replaces the warehouse that one wrote.
  return withLakeLock(options.lakeDir, () => buildHoldingLock(options), { name: BUILD_LOCK });
}

/** The lock builds take (a folder in the lake, as the commit lock). */
export const BUILD_LOCK = '_build_lock';

async function buildHoldingLock(options: BuildOptions): Promise<BuildReport> {
  const started = Date.now();
  const log = options.onProgress ?? (() => {});
  const buildId = `${new Date(started).toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomUUID().slice(0, 8)}`;
  const tmp = `${options.warehousePath}.building-${process.pid}-${randomUUID().slice(0, 8)}`;
  const scoring = options.scoring ?? defaultScoring();
  const staging = loadModels('staging');
  const marts = loadModels('marts');
  const definition = definitionHash(options, scoring, [...staging, ...marts]);
  const snapshot = lakeSnapshot(options.lakeDir);
  const steam = steamFiles(options.lakeDir);
  const cleanup = () => {
    for (const f of [tmp, `${tmp}.wal`]) rmSync(f, { force: true });
    rmSync(`${tmp}.tmp`, { recursive: true, force: true });
  };
  if (!options.full) {
    const same = await upToDate(options, definition, snapshot, steam);
    if (same) {
      log('nothing new since the last build: the warehouse is left as it is');
      return {
        buildId,
        kind: 'incremental',
        fullBecause: '',
        unchanged: true,
        batches: snapshot.batches.size,
        newBatches: 0,
        steamFiles: steam.length,
        newSteamFiles: 0,
        tables: same.tables,
        models: [],
        checks: 0,
        ms: Date.now() - started,
      };
    }
  }
  cleanup();
  const { db, kind, fullBecause } = await start(options, tmp, definition, snapshot, options.memoryLimit ?? '1GB');
  log(`${kind} build${fullBecause ? ` (${fullBecause})` : ''}`);
  const report: BuildReport = { buildId, kind, fullBecause, batches: 0, newBatches: 0, steamFiles: steam.length, newSteamFiles: 0, tables: {}, models: [], checks: 0, ms: 0 };
  try {
    for (const ddl of STATE_DDL) await db.run(ddl);

    // What the warehouse lacks: batches and Steam files.
    const have = new Set((await db.rows<{ batch_id: string }>('SELECT batch_id FROM batches')).map((r) => r.batch_id));
    const pending = [...snapshot.batches.keys()].filter((b) => !have.has(b)).sort();
    const haveSteam = new Set((await db.rows<{ path: string }>('SELECT path FROM _steam_files')).map((r) => r.path));
    const newSteam = steam.filter((f) => !haveSteam.has(f));
    report.newBatches = pending.length;
    report.newSteamFiles = newSteam.length;
    const events = pending.length > 0 || kind === 'full';
    const steamChanged = newSteam.length > 0 || kind === 'full';

    // The lake's tables: views over the live files of the current snapshot; the new batches' rows apart.
    log(`lake views over ${snapshot.files.length} files; ${pending.length} new batches, ${newSteam.length} new Steam files`);
    const ids = textList(pending);
    await db.run('CREATE OR REPLACE TEMP TABLE pending_batches AS SELECT unnest($ids) AS batch_id', { ids: ids.value }, { ids: ids.type });
    const pendingSet = new Set(pending);
    await db.run('DELETE FROM _lake_files');
    for (const [name, columns] of lakeSources(options.registry)) {
      const files = tableFiles(snapshot, options.lakeDir, name);
      await db.run(`CREATE OR REPLACE VIEW lake_${name} AS ${filesSelect(columns, files, '', options.lakeDir)}`);
      // Lake-relative, as the catalog names them (the data directory may move).
      const list = textList(files.map((f) => lakeRelative(options.lakeDir, f)));
      await db.run('INSERT INTO _lake_files SELECT unnest($files), $table', { files: list.value, table: name }, { files: list.type });
      const table = name === QUARANTINE_TABLE.name ? QUARANTINE_TABLE : name === RECOVERED_TABLE.name ? RECOVERED_TABLE : lakeTables(options.registry).get(name)!;
      await comment(
        db,
        'VIEW',
        `lake_${name}`,
        `${table.description} (a view over the lake's Parquet files)`,
        table.grain,
        Object.fromEntries(columns.map((c) => [c.name, c.description])),
      );
      const fresh = tableFiles(snapshot, options.lakeDir, name, pendingSet);
      await db.run(`CREATE OR REPLACE TEMP VIEW delta_lake_${name} AS ${filesSelect(columns, fresh, ' WHERE batch_id IN (SELECT batch_id FROM pending_batches)')}`);
    }
    await loadSteamLake(db, options.lakeDir);
    await createSteamState(db);

    // Staging: views for readers; the new batches' rows as temporary tables, checked, for the marts.
    for (const model of staging) {
      await runStatements(db, model, {});
      await comment(db, 'VIEW', model.name, model.description, model.grain, model.columns);
      if (model.source === 'events' && events) {
        const t0 = Date.now();
        await db.run(deltaStatement(model));
        report.checks += await runChecks(db, buildId, model, `delta_${model.name}`);
        report.models.push({ name: model.name, ms: Date.now() - t0, rows: await count(db, `SELECT count(*) AS n FROM delta_${model.name}`) });
      } else if (model.source === 'steam' && steamChanged) {
        report.checks += await runChecks(db, buildId, model, model.name);
      }
    }

    if (events) {
      log('scoring leaderboards');
      await updateLeaderboards(db, scoring);
    }

    const params: Record<string, DuckDBValue> = { min_ratio: options.minRatio ?? 10, repeat_threshold: options.repeatThreshold ?? 3 };
    const refreshed = new Set<string>();
    for (const model of marts) {
      const due = model.source === 'steam' ? steamChanged : model.refresh === 'merge' ? events : events || model.dependsOn.some((d) => refreshed.has(d));
      if (!due) continue;
      log(`building ${model.name}`);
      const t0 = Date.now();
      await runStatements(db, model, params);
      await comment(db, 'TABLE', model.name, model.description, model.grain, model.columns);
      report.checks += await runChecks(db, buildId, model, model.name);
      const rows = await count(db, `SELECT count(*) AS n FROM ${model.name}`);
      const ms = Date.now() - t0;
      refreshed.add(model.name);
      report.models.push({ name: model.name, ms, rows });
      await db.run(`INSERT OR REPLACE INTO _models VALUES ($model, 'marts', $refresh, $build, now(), $ms, $rows)`, {
        model: model.name,
        refresh: model.refresh,
        build: buildId,
        ms,
        rows,
      });
    }

    for (const b of pending) {
      const m = snapshot.batches.get(b)!;
      await db.run('INSERT INTO batches VALUES ($id, $sha, $file, $lines, $accepted, $quarantined, $duplicates, $at::TIMESTAMPTZ, $build)', {
        id: m.batchId,
        sha: m.sha256,
        file: m.file,
        lines: m.linesIn,
        accepted: m.accepted,
        quarantined: m.quarantined,
        duplicates: m.duplicates,
        at: m.committedAt,
        build: buildId,
      });
    }
    const added = textList(newSteam);
    await db.run('INSERT INTO _steam_files SELECT unnest($files), $build', { files: added.value, build: buildId }, { files: added.type });
    await db.run("INSERT OR REPLACE INTO _warehouse_state VALUES ('definition', $def)", { def: definition });
    // Retention runs and erasures the marts reflect: a later one means a full build (its rows are gone).
    await db.run("INSERT OR REPLACE INTO _warehouse_state VALUES ('rewrites', $n)", { n: String(snapshot.rewrites.length) });
    report.batches = await count(db, 'SELECT count(*) AS n FROM batches');
    report.ms = Date.now() - started;
    await db.run('INSERT INTO _builds VALUES ($id, $kind, $why, $started::TIMESTAMPTZ, now(), $ms, $new, $batches, $newSteam, $steam, $checks)', {
      id: buildId,
      kind,
      why: fullBecause,
      started: new Date(started).toISOString(),
      ms: report.ms,
      new: pending.length,
      batches: report.batches,
      newSteam: newSteam.length,
      steam: steam.length,
      checks: report.checks,
    });
    report.tables = await tableRows(db);
    await db.run('CHECKPOINT');
  } catch (err) {
    db.close();
    cleanup();
    throw err;
  }
  db.close();
  renameSync(tmp, options.warehousePath);
  cleanup();
  report.ms = Date.now() - started;
  return report;
}
