/**
 * Leaderboard scoring, pluggable per product (as the Varcade stats tracker registered a handler per game).
 * A scorer folds game results, in event-time order (ties broken by event_id), into a score per player.
 * To add one (say Weng-Lin via the `openskill` package), implement `Scorer` and register it in SCORERS.
 */
export interface GameResult {
  eventId: string;
  /** Epoch milliseconds. */
  occurredMs: number;
  winnerId: string;
  loserId: string;
}

export interface PlayerScore {
  playerId: string;
  score: number;
  games: number;
  wins: number;
  losses: number;
}

export interface ScoringConfig {
  method: string;
  /** ELO: K-factor (default 32). */
  k?: number;
  /** ELO: rating of a new player (default 1500). */
  initial?: number;
}

export type Scorer = (results: readonly GameResult[], config: ScoringConfig) => PlayerScore[];

/** Event-time order, ties broken by event id: the order results are applied in. */
export function inEventOrder(results: readonly GameResult[]): GameResult[] {
  return [...results].sort((a, b) => a.occurredMs - b.occurredMs || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
}

function tally(results: readonly GameResult[], init: number): Map<string, PlayerScore> {
  const players = new Map<string, PlayerScore>();
  const get = (id: string) => {
    let p = players.get(id);
    if (!p) players.set(id, (p = { playerId: id, score: init, games: 0, wins: 0, losses: 0 }));
    return p;
  };
  for (const r of results) {
    get(r.winnerId);
    get(r.loserId);
  }
  return players;
}

/** +1 per win, nothing for a loss (the stats tracker's default). */
export const winsScorer: Scorer = (results) => {
  const players = tally(results, 0);
  for (const r of results) {
    const w = players.get(r.winnerId)!;
    const l = players.get(r.loserId)!;
    w.score += 1;
    w.wins += 1;
    w.games += 1;
    l.losses += 1;
    l.games += 1;
  }
  return [...players.values()];
};

/** ELO: E_A = 1 / (1 + 10^((R_B - R_A)/400)); R' = R + K (S - E). */
export const eloScorer: Scorer = (results, config) => {
  const k = config.k ?? 32;
  const players = tally(results, config.initial ?? 1500);
  for (const r of inEventOrder(results)) {
    const w = players.get(r.winnerId)!;
    const l = players.get(r.loserId)!;
    const expectedW = 1 / (1 + 10 ** ((l.score - w.score) / 400));
    const delta = k * (1 - expectedW);
    w.score += delta;
    l.score -= delta;
    w.wins += 1;
    w.games += 1;
    l.losses += 1;
    l.games += 1;
  }
  return [...players.values()];
};

export const SCORERS: Readonly<Record<string, Scorer>> = { wins: winsScorer, elo: eloScorer };

/** Which scoring each product uses; products not listed use `default`. */
export interface ScoringSettings {
  default: ScoringConfig;
  products: Record<string, ScoringConfig>;
}

export function scoringFor(settings: ScoringSettings, productId: string): ScoringConfig {
  return settings.products[productId] ?? settings.default;
}

export function scoreProduct(results: readonly GameResult[], config: ScoringConfig): PlayerScore[] {
  const scorer = SCORERS[config.method];
  if (!scorer) throw new Error(`unknown scoring method "${config.method}" (known: ${Object.keys(SCORERS).join(', ')})`);
  return scorer(results, config);
}
