import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { DuckDBValue } from '@duckdb/node-api';
import type { ContractRegistry } from '../transforms/contract/model.ts';
import { GamelakeError } from '../transforms/errors.ts';
import { scoreProduct, scoringFor, type GameResult, type ScoringSettings } from '../transforms/scoring.ts';
import { fileColumns, lakeTables, PARTITION_COLUMN, QUARANTINE_TABLE, type LakeColumn } from '../transforms/tables.ts';
import { committedBatches, createSteamState, loadSteamLake, openDb, readManifest, sqlLiteral, type Db } from '../lake/index.ts';
import { loadModels, WAREHOUSE_DIR, type Model } from './models.ts';

/** A model's checks failed; the previous warehouse is kept. */
export class ModelCheckError extends GamelakeError {}

export interface BuildOptions {
  lakeDir: string;
  warehousePath: string;
  /** The game contracts: every table they write is loaded as lake_<table>. */
  registry: ContractRegistry;
  scoring?: ScoringSettings;
  /** Trade imbalance above which a trade is flagged (default 10). */
  minRatio?: number;
  /** Lopsided trades between the same pair, in the same direction, that make a pattern (default 3). */
  repeatThreshold?: number;
  onProgress?: (step: string) => void;
}

export interface BuildReport {
  batches: number;
  tables: Record<string, number>;
  checks: number;
  ms: number;
}

export function defaultScoring(): ScoringSettings {
  return JSON.parse(readFileSync(path.join(WAREHOUSE_DIR, 'scoring.json'), 'utf8')) as ScoringSettings;
}


async function runChecks(db: Db, model: Model, table: string): Promise<number> {
  let checks = 0;
  if (model.unique.length > 0) {
    const [row] = await db.rows<{ n: bigint }>(`SELECT count(*) AS n FROM (SELECT ${model.unique.join(', ')} FROM ${table} GROUP BY ALL HAVING count(*) > 1)`);
    if (Number(row!.n) > 0) throw new ModelCheckError(`${model.name}: ${row!.n} duplicate keys (${model.unique.join(', ')}) in ${table}`);
    checks += 1;
  }
  for (const column of model.notNull) {
    const [row] = await db.rows<{ n: bigint }>(`SELECT count(*) AS n FROM ${table} WHERE ${column} IS NULL`);
    if (Number(row!.n) > 0) throw new ModelCheckError(`${model.name}: ${row!.n} rows with ${column} NULL in ${table}`);
    checks += 1;
  }
  return checks;
}

/**
 * (Re)builds the warehouse from the lake's committed batches into a new file, runs every model's checks,
 * then renames it over the old one: readers see the old warehouse or the new one, never half of either.
 */
export async function buildWarehouse(options: BuildOptions): Promise<BuildReport> {
  const started = Date.now();
  const log = options.onProgress ?? (() => {});
  const tmp = `${options.warehousePath}.building-${process.pid}-${randomUUID().slice(0, 8)}`;
  rmSync(tmp, { force: true });
  rmSync(`${tmp}.wal`, { force: true });
  const manifests = committedBatches(options.lakeDir).map((b) => readManifest(options.lakeDir, b)!);
  const db = await openDb({ path: tmp, threads: 2, memoryLimit: '1GB' });
  const report: BuildReport = { batches: manifests.length, tables: {}, checks: 0, ms: 0 };
  try {
    await db.run('CREATE TABLE batches (batch_id VARCHAR PRIMARY KEY, sha256 VARCHAR, file VARCHAR, lines_in BIGINT, accepted BIGINT, quarantined BIGINT, duplicates BIGINT, committed_at TIMESTAMPTZ)');
    for (const m of manifests) {
      await db.run('INSERT INTO batches VALUES ($id, $sha, $file, $lines, $accepted, $quarantined, $duplicates, $at::TIMESTAMPTZ)', {
        id: m.batchId, sha: m.sha256, file: m.file, lines: m.linesIn, accepted: m.accepted, quarantined: m.quarantined, duplicates: m.duplicates, at: m.committedAt,
      });
    }
    // Source tables: exactly the files committed batches list in their manifests, for every table the
    // registered contracts write (a new game's tables included) and the quarantine.
    const sources: Array<[string, readonly LakeColumn[]]> = [
      ...[...lakeTables(options.registry).values()].map((t) => [t.name, [...fileColumns(t), PARTITION_COLUMN]] as [string, LakeColumn[]]),
      ['quarantine', QUARANTINE_TABLE.columns],
    ];
    for (const [name, columns] of sources) {
      const files = manifests.flatMap((m) => m.files.filter((f) => f.startsWith(`${name}/`)).map((f) => path.join(options.lakeDir, f)));
      const select = columns.map((c) => `"${c.name}"`).join(', ');
      if (files.length === 0) {
        await db.run(`CREATE TABLE lake_${name} (${columns.map((c) => `"${c.name}" ${c.type}`).join(', ')})`);
      } else {
        log(`loading lake_${name} (${files.length} files)`);
        await db.run(`CREATE TABLE lake_${name} AS SELECT ${select} FROM read_parquet([${files.map(sqlLiteral).join(', ')}], hive_partitioning = true, union_by_name = true)`);
      }
    }
    log('loading the Steam mirror');
    await loadSteamLake(db, options.lakeDir, 'table');
    await createSteamState(db);
    for (const model of loadModels('staging')) {
      log(`building ${model.name}`);
      await db.run(model.sql);
      report.checks += await runChecks(db, model, model.name);
    }

    // Leaderboard scores: each product's results through its scorer, in event-time order.
    log('scoring leaderboards');
    await db.run('CREATE TABLE leaderboard_scores (product_id VARCHAR, player_id VARCHAR, score DOUBLE, games BIGINT, wins BIGINT, losses BIGINT)');
    const results = await db.rows<{ product_id: string; event_id: string; ms: bigint | number; winner_id: string; loser_id: string }>(
      'SELECT product_id, event_id, epoch_ms(occurred_at) AS ms, winner_id, loser_id FROM stg_game_results ORDER BY product_id, occurred_at, event_id',
    );
    const byProduct = new Map<string, GameResult[]>();
    for (const r of results) {
      const list = byProduct.get(r.product_id) ?? [];
      list.push({ eventId: r.event_id, occurredMs: Number(r.ms), winnerId: r.winner_id, loserId: r.loser_id });
      byProduct.set(r.product_id, list);
    }
    const scoring = options.scoring ?? defaultScoring();
    const appender = await db.conn.createAppender('leaderboard_scores');
    for (const [product, list] of byProduct) {
      for (const s of scoreProduct(list, scoringFor(scoring, product))) {
        appender.appendVarchar(product);
        appender.appendVarchar(s.playerId);
        appender.appendDouble(s.score);
        appender.appendBigInt(BigInt(s.games));
        appender.appendBigInt(BigInt(s.wins));
        appender.appendBigInt(BigInt(s.losses));
        appender.endRow();
      }
    }
    appender.closeSync();

    const params: Record<string, DuckDBValue> = { min_ratio: options.minRatio ?? 10, repeat_threshold: options.repeatThreshold ?? 3 };
    for (const model of loadModels('marts')) {
      log(`building ${model.name}`);
      const bound = Object.fromEntries(model.params.map((p) => {
        if (!(p in params)) throw new ModelCheckError(`${model.name}: unknown parameter $${p}`);
        return [p, params[p]!];
      }));
      await db.run(model.sql, model.params.length > 0 ? bound : undefined);
      report.checks += await runChecks(db, model, model.name);
    }
    for (const { table_name } of await db.rows<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' ORDER BY 1")) {
      const [row] = await db.rows<{ n: bigint }>(`SELECT count(*) AS n FROM ${table_name}`);
      report.tables[table_name] = Number(row!.n);
    }
    await db.run('CHECKPOINT');
  } catch (err) {
    db.close();
    rmSync(tmp, { force: true });
    rmSync(`${tmp}.wal`, { force: true });
    throw err;
  }
  db.close();
  renameSync(tmp, options.warehousePath);
  if (existsSync(`${tmp}.wal`)) rmSync(`${tmp}.wal`, { force: true });
  report.ms = Date.now() - started;
  return report;
}
