import type { Db } from '../lake/index.ts';
import { replay, scoringFor, type GameResult, type PlayerScore, type ScoringSettings } from '../transforms/scoring.ts';

/**
 * Leaderboard scores, kept up to date incrementally. `leaderboard_trail` holds, for every game result, both
 * players' scores right after it. When new results arrive for a product, its scores are taken as they stood
 * just before the earliest new result (in event-time order, ties by event id) and every result from there on
 * is applied again through the product's scorer: a late event re-scores from its own time, not from the
 * beginning, and ELO (where order matters) comes out as if all results had arrived in order.
 * `leaderboard_scores` is each player's latest trail row.
 */

const DDL = [
  'CREATE TABLE IF NOT EXISTS leaderboard_trail (product_id VARCHAR, occurred_at TIMESTAMPTZ, event_id VARCHAR, player_id VARCHAR, score DOUBLE, games BIGINT, wins BIGINT, losses BIGINT)',
  'CREATE TABLE IF NOT EXISTS leaderboard_scores (product_id VARCHAR, player_id VARCHAR, score DOUBLE, games BIGINT, wins BIGINT, losses BIGINT)',
];

/** From (us, event id) on, inclusive. */
const FROM_START = '(epoch_us(occurred_at) > $us OR (epoch_us(occurred_at) = $us AND event_id >= $eid))';
const BEFORE_START = '(epoch_us(occurred_at) < $us OR (epoch_us(occurred_at) = $us AND event_id < $eid))';

/** Re-scores every product with results in `delta_stg_game_results`, from its earliest new result on. */
export async function updateLeaderboards(db: Db, scoring: ScoringSettings): Promise<void> {
  for (const ddl of DDL) await db.run(ddl);
  const starts = await db.rows<{ product_id: string; us: bigint; event_id: string }>(
    `SELECT product_id, epoch_us(occurred_at) AS us, event_id FROM delta_stg_game_results
     QUALIFY row_number() OVER (PARTITION BY product_id ORDER BY occurred_at, event_id) = 1 ORDER BY product_id`,
  );
  for (const start of starts) {
    const config = scoringFor(scoring, start.product_id);
    const at = { product: start.product_id, us: start.us, eid: start.event_id };
    const scores = new Map<string, PlayerScore>();
    for (const s of await db.rows<{ player_id: string; score: number; games: bigint; wins: bigint; losses: bigint }>(
      `SELECT player_id, score, games, wins, losses FROM leaderboard_trail WHERE product_id = $product AND ${BEFORE_START}
       QUALIFY row_number() OVER (PARTITION BY player_id ORDER BY occurred_at DESC, event_id DESC) = 1`,
      at,
    )) {
      scores.set(s.player_id, { playerId: s.player_id, score: s.score, games: Number(s.games), wins: Number(s.wins), losses: Number(s.losses) });
    }
    const results = await db.rows<{ event_id: string; us: bigint; winner_id: string; loser_id: string }>(
      `SELECT event_id, epoch_us(occurred_at) AS us, winner_id, loser_id FROM stg_game_results WHERE product_id = $product AND ${FROM_START} ORDER BY occurred_at, event_id`,
      at,
    );
    const micros = new Map<string, bigint>();
    const ordered: GameResult[] = results.map((r) => {
      micros.set(r.event_id, r.us);
      return { eventId: r.event_id, occurredMs: Number(r.us / 1000n), winnerId: r.winner_id, loserId: r.loser_id };
    });
    await db.run(`DELETE FROM leaderboard_trail WHERE product_id = $product AND ${FROM_START}`, at);
    await db.run('CREATE OR REPLACE TEMP TABLE trail_new (us BIGINT, event_id VARCHAR, player_id VARCHAR, score DOUBLE, games BIGINT, wins BIGINT, losses BIGINT)');
    const app = await db.conn.createAppender('trail_new');
    const row = (r: GameResult, p: PlayerScore) => {
      app.appendBigInt(micros.get(r.eventId)!);
      app.appendVarchar(r.eventId);
      app.appendVarchar(p.playerId);
      app.appendDouble(p.score);
      app.appendBigInt(BigInt(p.games));
      app.appendBigInt(BigInt(p.wins));
      app.appendBigInt(BigInt(p.losses));
      app.endRow();
    };
    replay(ordered, config, scores, (r, winner, loser) => {
      row(r, winner);
      row(r, loser);
    });
    app.closeSync();
    await db.run(`INSERT INTO leaderboard_trail SELECT $product, make_timestamp(us)::TIMESTAMPTZ, event_id, player_id, score, games, wins, losses FROM trail_new`, {
      product: start.product_id,
    });
    await db.run('DELETE FROM leaderboard_scores WHERE product_id = $product', { product: start.product_id });
    await db.run(
      `INSERT INTO leaderboard_scores
       SELECT product_id, player_id, score, games, wins, losses FROM leaderboard_trail WHERE product_id = $product
       QUALIFY row_number() OVER (PARTITION BY player_id ORDER BY occurred_at DESC, event_id DESC) = 1`,
      { product: start.product_id },
    );
  }
}
