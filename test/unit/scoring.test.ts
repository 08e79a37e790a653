import { describe, expect, it } from 'vitest';
import { eloScorer, inEventOrder, scoreProduct, scoringFor, winsScorer, type GameResult } from '../../transforms/scoring.ts';

const game = (eventId: string, occurredMs: number, winnerId: string, loserId: string): GameResult => ({ eventId, occurredMs, winnerId, loserId });
const byPlayer = (scores: ReturnType<typeof winsScorer>) => Object.fromEntries(scores.map((s) => [s.playerId, s]));

describe('ELO', () => {
  // By hand, K = 32, everyone starts at 1500:
  // 1. A (1500) beats B (1500): E = 0.5, delta = 16.000 -> A 1516, B 1484
  // 2. B (1484) beats C (1500): E_B = 1/(1+10^(16/400)) = 0.47699, delta = 16.736 -> B 1500.736, C 1483.264
  // 3. A (1516) beats C (1483.264): E_A = 1/(1+10^(-32.736/400)) = 0.54696, delta = 14.497 -> A 1530.497, C 1468.767
  const games = [game('e3', 3000, 'A', 'C'), game('e1', 1000, 'A', 'B'), game('e2', 2000, 'B', 'C')];

  it('applies results in event-time order, as computed by hand', () => {
    const s = byPlayer(eloScorer(games, { method: 'elo' }));
    expect(s.A!.score).toBeCloseTo(1530.497, 2);
    expect(s.B!.score).toBeCloseTo(1500.736, 2);
    expect(s.C!.score).toBeCloseTo(1468.767, 2);
    expect(s.A).toMatchObject({ games: 2, wins: 2, losses: 0 });
    expect(s.C).toMatchObject({ games: 2, wins: 0, losses: 2 });
  });

  it('is zero-sum and honours K and the initial rating', () => {
    const s = eloScorer(games, { method: 'elo', k: 16, initial: 1000 });
    expect(s.reduce((sum, p) => sum + p.score, 0)).toBeCloseTo(3000, 6);
    expect(byPlayer(s).A!.score).toBeCloseTo(1000 + 8 + 16 * (1 - 1 / (1 + 10 ** (-(8 + 8.184) / 400))), 1);
  });

  it('breaks equal times by event id', () => {
    const tied = [game('b', 1000, 'Y', 'X'), game('a', 1000, 'X', 'Y')];
    expect(inEventOrder(tied).map((g) => g.eventId)).toEqual(['a', 'b']);
    // X wins first (a): 1516 against 1484; then loses (b) as the favourite, which moves more points:
    // E_Y = 1 / (1 + 10^(32/400)) = 0.454078, delta = 32 * (1 - 0.454078) = 17.4695 -> X 1498.5305.
    const s = byPlayer(eloScorer(tied, { method: 'elo' }));
    expect(s.X!.score).toBeCloseTo(1498.5305, 3);
    expect(s.Y!.score).toBeCloseTo(1501.4695, 3);
  });
});

describe('wins (+1 per win)', () => {
  it('counts wins and leaves losers unchanged', () => {
    const s = byPlayer(winsScorer([game('1', 1, 'A', 'B'), game('2', 2, 'A', 'C'), game('3', 3, 'C', 'A')], { method: 'wins' }));
    expect(s).toEqual({
      A: { playerId: 'A', score: 2, games: 3, wins: 2, losses: 1 },
      B: { playerId: 'B', score: 0, games: 1, wins: 0, losses: 1 },
      C: { playerId: 'C', score: 1, games: 2, wins: 1, losses: 1 },
    });
  });
});

describe('configuration', () => {
  const settings = { default: { method: 'wins' }, products: { chess: { method: 'elo', k: 20 } } };
  it("picks the product's scoring, else the default", () => {
    expect(scoringFor(settings, 'chess')).toEqual({ method: 'elo', k: 20 });
    expect(scoringFor(settings, 'exrps')).toEqual({ method: 'wins' });
  });
  it('names the known methods when one is unknown', () => {
    expect(() => scoreProduct([], { method: 'glicko' })).toThrow('unknown scoring method "glicko" (known: wins, elo)');
  });
});
