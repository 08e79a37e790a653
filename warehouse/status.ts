import { existsSync } from 'node:fs';
import { lakeSnapshot, openDb, steamFiles, textList } from '../lake/index.ts';
import { segmentTimes } from '../transforms/segment-name.ts';
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
  /** The last segments of live events (collector, Redis consumer) committed, newest first. */
  freshness: SegmentFreshness[];
}

/** One spool segment's way from its events' 202s to the marts. */
export interface SegmentFreshness {
  batchId: string;
  /** The segment's file name. */
  segment: string;
  /** Its first and last events' acknowledgements (202 or XACK). */
  firstAckAt: string;
  lastAckAt: string | null;
  committedAt: string;
  /** When the build that brought it into the marts finished; null while it waits for one. */
  builtAt: string | null;
  /** Seconds from its last event's acknowledgement to visible in the marts (the freshest event's wait); null until built. */
  newestSeconds: number | null;
  /** ... and from its first (the longest any of its events waited). */
  oldestSeconds: number | null;
}

/** How many segments the freshness report shows. */
export const FRESHNESS_SEGMENTS = 8;

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
    // The newest segments committed, and the build each went into.
    const segments = [...snapshot.batches.values()]
      .map((m) => ({ m, times: segmentTimes(m.file) }))
      .filter((x) => x.times !== undefined)
      .sort((a, b) => b.m.committedAt.localeCompare(a.m.committedAt))
      .slice(0, FRESHNESS_SEGMENTS);
    const ids = textList(segments.map((x) => x.m.batchId));
    const builtAt = new Map(
      (
        await db.rows<{ batch_id: string; finished_at: unknown }>(
          'SELECT b.batch_id, k.finished_at FROM batches b JOIN _builds k ON k.build_id = b.built_in WHERE list_contains($ids, b.batch_id)',
          { ids: ids.value },
          { ids: ids.type },
        )
      ).map((r) => [r.batch_id, iso(r.finished_at)]),
    );
    const freshness: SegmentFreshness[] = segments.map(({ m, times }) => {
      const built = builtAt.get(m.batchId) ?? null;
      const since = (ms: number | undefined) => (built === null || ms === undefined ? null : Math.round((Date.parse(built) - ms) / 100) / 10);
      return {
        batchId: m.batchId,
        segment: m.file.slice(m.file.lastIndexOf('/') + 1),
        firstAckAt: new Date(times!.firstAckMs).toISOString(),
        lastAckAt: times!.lastAckMs === undefined ? null : new Date(times!.lastAckMs).toISOString(),
        committedAt: m.committedAt,
        builtAt: built,
        newestSeconds: since(times!.lastAckMs),
        oldestSeconds: since(times!.firstAckMs),
      };
    });
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
      freshness,
    };
  } finally {
    db.close();
  }
}
