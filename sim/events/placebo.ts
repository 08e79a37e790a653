import type { Random } from '../random.ts';
import { PLACEBO_GUILDS, PLACEBO_SPELLS, PLACEBO_SWORDS, PLACEBO_TEAMS } from './catalogue.ts';
import { EventIds, SimClock, type SimEvent, type ClockOptions } from './clock.ts';

interface User {
  user_id: string;
  username: string;
  password: string;
  created_at: string;
  wealth: number;
  inventory: string[];
  affiliations: Array<{ org: string; level: number; joined_at: string }>;
  loggedIn: boolean;
}

export interface PlaceboTruth {
  users: number;
  purchases: Record<string, number>;
  joins: number;
}

const BASE_COST: Record<string, number> = {
  cutlass: 1500,
  longsword: 3000,
  saber: 2000,
  dagger: 500,
  broadsword: 4000,
  charm: 800,
  potion: 300,
  fireball: 5000,
  hex: 2500,
};

/**
 * The Placebo game API: users are created with wealth 100000 and log in; a purchase succeeds only when
 * wealth is strictly greater than its cost; a guild/team join always succeeds and deducts its cost, even
 * below zero. Each purchase and join carries the player's state before it.
 */
export function* placebo(rng: Random, opts: { players: number; events: number; seed: string; clock?: ClockOptions }, truth: PlaceboTruth): Generator<SimEvent> {
  const clock = new SimClock(rng, opts.clock?.start, opts.clock?.scale);
  const ids = new EventIds(`pb-${opts.seed}`);
  const users: User[] = [];
  const product_id = 'placebo';
  const snapshot = (u: User) => ({ created_at: u.created_at, wealth: u.wealth, inventory: [...u.inventory], affiliations: u.affiliations.map((a) => ({ ...a })) });

  for (let n = 0; n < opts.events; n++) {
    const t = clock.tick(30);
    const base = { event_id: ids.next(), product_id, occurred_at: t.iso };
    const mustCreate = users.length === 0 || (users.length < opts.players && rng.chance((opts.players - users.length) / (opts.events - n)));
    if (mustCreate) {
      const i = users.length + 1;
      const u: User = {
        user_id: `user_${i}`,
        username: `placebo_${i}`,
        password: `pw-${rng.hex()}`,
        created_at: new Date(t.ms).toISOString(),
        wealth: 100000,
        inventory: [],
        affiliations: [],
        loggedIn: false,
      };
      users.push(u);
      truth.users += 1;
      yield { ...base, event_type: 'create_user', user_id: u.user_id, username: u.username, password: u.password, wealth: u.wealth };
      continue;
    }
    const u = rng.pick(users);
    if (!u.loggedIn) {
      u.loggedIn = true;
      yield { ...base, event_type: 'login', user_id: u.user_id, password: u.password };
      continue;
    }
    const action = rng.weighted(['buy_sword', 'buy_spell', 'join_guild', 'join_team', 'login', 'view_user_data'] as const, [25, 20, 8, 8, 10, 10]);
    if (action === 'buy_sword' || action === 'buy_spell') {
      const item_type = rng.pick(action === 'buy_sword' ? PLACEBO_SWORDS : PLACEBO_SPELLS);
      const cost = Math.round(BASE_COST[item_type]! * (0.8 + rng.float() * 0.4));
      const player = snapshot(u);
      const approved = u.wealth > cost;
      if (approved) {
        u.wealth -= cost;
        u.inventory.push(item_type);
      }
      const status = approved ? 'approved_purchase' : 'insufficient_funds';
      truth.purchases[status] = (truth.purchases[status] ?? 0) + 1;
      yield { ...base, event_type: action, user_id: u.user_id, item_type, cost, status, player };
    } else if (action === 'join_guild' || action === 'join_team') {
      const org = rng.pick(action === 'join_guild' ? PLACEBO_GUILDS : PLACEBO_TEAMS);
      const level = rng.int(1, 5);
      const cost = level * rng.int(2000, 6000);
      const player = snapshot(u);
      u.wealth -= cost;
      u.affiliations.push({ org, level, joined_at: new Date(t.ms).toISOString() });
      truth.joins += 1;
      yield { ...base, event_type: action, user_id: u.user_id, org, level, cost, status: 'approved_join', player };
    } else if (action === 'login') {
      yield { ...base, event_type: 'login', user_id: u.user_id, password: u.password };
    } else {
      yield { ...base, event_type: 'view_user_data', user_id: u.user_id };
    }
  }
}
