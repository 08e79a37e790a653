import type { Random } from '../random.ts';
import { EventIds, SimClock, type SimEvent, type ClockOptions } from './clock.ts';

export interface ExrpsTruth {
  games: number;
  finishedGames: number;
  wins: Record<string, number>;
  losses: Record<string, number>;
  /** Every finished game's result, in the order emitted: for scorers computed apart from the warehouse's. */
  results: Array<{ eventId: string; occurredAt: string; winnerId: string; loserId: string }>;
  selections: Record<'rock' | 'paper' | 'scissors' | 'botch', number>;
}

const WEAPONS = ['0', '1', '2', 'null'] as const;
const NAMES = { '0': 'rock', '1': 'paper', '2': 'scissors', null: 'botch' } as const;
/** 1 when a beats b; botch loses to any weapon. */
function beats(a: string, b: string): boolean {
  if (a === 'null') return false;
  if (b === 'null') return true;
  return (a === '0' && b === '2') || (a === '2' && b === '1') || (a === '1' && b === '0');
}

/**
 * Rock Paper Scissors Apocalypse: two players join, pick fighters, ready up, and play rounds (weapon
 * selections, "null" when none was chosen in time) until one has two round wins; game_over names the winner.
 * A player may disconnect, which ends the game in the other's favour. Exactly `events` events are emitted,
 * so the last game may still be running.
 */
export function* exrps(rng: Random, opts: { players: number; events: number; seed: string; clock?: ClockOptions }, truth: ExrpsTruth): Generator<SimEvent> {
  const clock = new SimClock(rng, opts.clock?.start, opts.clock?.scale);
  const ids = new EventIds(`rps-${opts.seed}`);
  const product_id = 'exrps';
  const players = Array.from({ length: Math.max(2, opts.players) }, (_, i) => `u${i + 1}`);
  let emitted = 0;
  let gameNo = 0;
  while (emitted < opts.events) {
    gameNo += 1;
    truth.games += 1;
    const game_id = `g-${opts.seed}-${gameNo}`;
    const p1 = rng.pick(players);
    let p2 = rng.pick(players);
    while (p2 === p1) p2 = rng.pick(players);
    const script: Array<Record<string, unknown>> = [
      { event_type: 'state_change', game_id, new_state: 'creator_joined' },
      { event_type: 'state_change', game_id, new_state: 'all_players_joined' },
      { event_type: 'select_fighter', game_id, user_id: p1, event_data: String(rng.int(1, 12)) },
      { event_type: 'select_fighter', game_id, user_id: p2, event_data: String(rng.int(1, 12)) },
      { event_type: 'set_ready', game_id, user_id: p1 },
      { event_type: 'set_ready', game_id, user_id: p2 },
    ];
    const score = { [p1]: 0, [p2]: 0 };
    let winner: string | undefined;
    let loser: string | undefined;
    while (!winner) {
      if (rng.chance(0.01)) {
        const gone = rng.chance(0.5) ? p1 : p2;
        script.push({ event_type: 'player_disconnect', game_id, player_id: gone });
        winner = gone === p1 ? p2 : p1;
        loser = gone;
        break;
      }
      script.push({ event_type: 'progression', game_id, progress_event: 'round_started', p1_id: p1, p2_id: p2 });
      const w1 = rng.weighted(WEAPONS, [32, 32, 32, 4]);
      const w2 = rng.weighted(WEAPONS, [32, 32, 32, 4]);
      script.push({ event_type: 'select_weapon', game_id, user_id: p1, event_data: w1, _weapon: w1 });
      script.push({ event_type: 'select_weapon', game_id, user_id: p2, event_data: w2, _weapon: w2 });
      const roundWinner = beats(w1, w2) ? p1 : beats(w2, w1) ? p2 : undefined;
      const finished: Record<string, unknown> = { event_type: 'progression', game_id, progress_event: 'round_finished', p1_id: p1, p2_id: p2 };
      if (roundWinner) {
        finished.round_winner_id = roundWinner;
        finished.round_loser_id = roundWinner === p1 ? p2 : p1;
        score[roundWinner] = score[roundWinner]! + 1;
        if (score[roundWinner] === 2) {
          winner = roundWinner;
          loser = roundWinner === p1 ? p2 : p1;
        }
      }
      script.push(finished);
    }
    script.push({ event_type: 'game_over', game_id, winner_id: winner, loser_id: loser, _final: true });
    script.push({ event_type: 'game_removed', game_id });

    for (const step of script) {
      if (emitted >= opts.events) return;
      emitted += 1;
      const { _weapon, _final, ...payload } = step;
      if (typeof _weapon === 'string') truth.selections[NAMES[_weapon as '0']] += 1;
      const t = clock.tick(3);
      const event_id = ids.next();
      if (_final) {
        truth.finishedGames += 1;
        truth.wins[winner!] = (truth.wins[winner!] ?? 0) + 1;
        truth.losses[loser!] = (truth.losses[loser!] ?? 0) + 1;
        truth.results.push({ eventId: event_id, occurredAt: t.iso, winnerId: winner!, loserId: loser! });
      }
      yield { event_id, event_type: payload.event_type as string, product_id, occurred_at: t.iso, ...payload };
    }
  }
}
