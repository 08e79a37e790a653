/**
 * Leaderboard scoring, pluggable per product (as the Varcade stats tracker registered a handler per game).
 * A scorer applies one game result at a time to the two players' scores; results are applied in event-time
 * order (ties broken by event_id). Because a scorer is a step, the warehouse can resume from the scores
 * as they stood just before the earliest new result (a late event re-scores from its own time on, not from
 * the beginning). To add one (say Weng-Lin via the `openskill` package), implement `Scorer` and register
 * it in SCORERS.
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

export interface Scorer {
  /** The score of a player before their first game. */
  initial(config: ScoringConfig): number;
  /** Applies one result: changes the winner's and the loser's scores (games, wins and losses are counted for it). */
  apply(winner: PlayerScore, loser: PlayerScore, config: ScoringConfig): void;
}

/** +1 per win, nothing for a loss (the stats tracker's default). */
export const wins: Scorer = {
  initial: () => 0,
  apply(winner) {
    winner.score += 1;
  },
};

/** ELO: E_A = 1 / (1 + 10^((R_B - R_A)/400)); R' = R + K (S - E). */
export const elo: Scorer = {
  initial: (config) => config.initial ?? 1500,
  apply(winner, loser, config) {
    const expectedW = 1 / (1 + 10 ** ((loser.score - winner.score) / 400));
    const delta = (config.k ?? 32) * (1 - expectedW);
    winner.score += delta;
    loser.score -= delta;
  },
};

export const SCORERS: Readonly<Record<string, Scorer>> = { wins, elo };

export function scorerFor(config: ScoringConfig): Scorer {
  const scorer = Object.hasOwn(SCORERS, config.method) ? SCORERS[config.method] : undefined;
  if (!scorer) throw new Error(`unknown scoring method "${config.method}" (known: ${Object.keys(SCORERS).join(', ')})`);
  return scorer;
}

/** Event-time order, ties broken by event id: the order results are applied in. */
export function inEventOrder(results: readonly GameResult[]): GameResult[] {
  return [...results].sort((a, b) => a.occurredMs - b.occurredMs || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
}

/**
 * Applies results, in the order given, to the scores in `scores` (players' scores so far; new players start
 * at the scorer's initial score). `onStep` sees each result with both players' scores after it.
 */
export function replay(
  ordered: Iterable<GameResult>,
  config: ScoringConfig,
  scores: Map<string, PlayerScore> = new Map(),
  onStep?: (result: GameResult, winner: PlayerScore, loser: PlayerScore) => void,
): Map<string, PlayerScore> {
  const scorer = scorerFor(config);
  const get = (id: string) => {
    let p = scores.get(id);
    if (!p) scores.set(id, (p = { playerId: id, score: scorer.initial(config), games: 0, wins: 0, losses: 0 }));
    return p;
  };
  for (const r of ordered) {
    const w = get(r.winnerId);
    const l = get(r.loserId);
    scorer.apply(w, l, config);
    w.wins += 1;
    w.games += 1;
    l.losses += 1;
    l.games += 1;
    onStep?.(r, w, l);
  }
  return scores;
}

/** Every player's final score after the results, applied in event-time order. */
export function scoreProduct(results: readonly GameResult[], config: ScoringConfig): PlayerScore[] {
  scorerFor(config);
  return [...replay(inEventOrder(results), config).values()];
}

export const winsScorer = (results: readonly GameResult[], config: ScoringConfig): PlayerScore[] => scoreProduct(results, { ...config, method: 'wins' });
export const eloScorer = (results: readonly GameResult[], config: ScoringConfig): PlayerScore[] => scoreProduct(results, { ...config, method: 'elo' });

/** Which scoring each product uses; products not listed use `default`. */
export interface ScoringSettings {
  default: ScoringConfig;
  products: Record<string, ScoringConfig>;
}

export function scoringFor(settings: ScoringSettings, productId: string): ScoringConfig {
  return (Object.hasOwn(settings.products, productId) ? settings.products[productId] : undefined) ?? settings.default;
}
