import { existsSync } from 'node:fs';
import { lakeSnapshot, openDb, steamFiles } from '../lake/index.ts';
import { loadModels } from './models.ts';
import { WarehouseMissingError } from './queries.ts';

export interface MartStatus {
  model: string;
  refresh: string;
  rows: number;
  /** When a build last refreshed it, and how long that took. */
  refreshedAt: string | null;
  ms: number | null;
}

export interface WarehouseStatus {
  batches: { inWarehouse: number; pending: string[] };
  steamFiles: { inWarehouse: number; pending: number };
  lastBuild: { buildId: string; kind: string; fullBecause: string; finishedAt: string; ms: number; newBatches: number; checks: number } | null;
  builds: number;
  marts: MartStatus[];
  /** How old the newest committed batch in the warehouse is (the warehouse's freshness), in seconds. */
  newestBatchAgeSeconds: number | null;
}

const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string | number | Date).toISOString());

/** What the warehouse holds, what the lake has that it does not, the last build, and each mart's rows and freshness. */
export async function warehouseStatus(warehousePath: string, lakeDir: string): Promise<WarehouseStatus> {
  if (!existsSync(warehousePath)) throw new WarehouseMissingError(`no warehouse at ${warehousePath}: run \`gamelake marts build --wait\` first`);
  const snapshot = lakeSnapshot(lakeDir);
  const steam = steamFiles(lakeDir);
  const db = await openDb({ path: warehousePath, readOnly: true });
  try {
    const have = new Set((await db.rows<{ batch_id: string }>('SELECT batch_id FROM batches')).map((r) => r.batch_id));
    const haveSteam = new Set((await db.rows<{ path: string }>('SELECT path FROM _steam_files')).map((r) => r.path));
    const [last] = await db.rows<Record<string, unknown>>('SELECT * FROM _builds ORDER BY finished_at DESC LIMIT 1');
    const [{ n: builds } = { n: 0n }] = await db.rows<{ n: bigint }>('SELECT count(*) AS n FROM _builds');
    const refreshed = new Map((await db.rows<{ model: string; refreshed_at: unknown; ms: bigint }>('SELECT model, refreshed_at, ms FROM _models')).map((r) => [r.model, r]));
    const tables = new Set((await db.rows<{ t: string }>("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'main'")).map((r) => r.t));
    const marts: MartStatus[] = [];
    for (const m of loadModels('marts')) {
      const rows = tables.has(m.name) ? Number((await db.rows<{ n: bigint }>(`SELECT count(*) AS n FROM ${m.name}`))[0]!.n) : 0;
      const r = refreshed.get(m.name);
      marts.push({ model: m.name, refresh: m.refresh, rows, refreshedAt: iso(r?.refreshed_at), ms: r ? Number(r.ms) : null });
    }
    const [{ newest } = { newest: null }] = await db.rows<{ newest: unknown }>('SELECT max(committed_at) AS newest FROM batches');
    return {
      batches: { inWarehouse: have.size, pending: [...snapshot.batches.keys()].filter((b) => !have.has(b)).sort() },
      steamFiles: { inWarehouse: haveSteam.size, pending: steam.filter((f) => !haveSteam.has(f)).length },
      lastBuild: last
        ? {
            buildId: String(last.build_id),
            kind: String(last.kind),
            fullBecause: String(last.full_because ?? ''),
            finishedAt: iso(last.finished_at)!,
            ms: Number(last.ms),
            newBatches: Number(last.new_batches),
            checks: Number(last.checks),
          }
        : null,
      builds: Number(builds),
      marts,
      newestBatchAgeSeconds: newest === null ? null : Math.round((Date.now() - new Date(newest as string).getTime()) / 1000),
    };
  } finally {
    db.close();
  }
}
