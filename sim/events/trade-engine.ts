import { Random } from '../random.ts';
import { CLASSES, ITEM_BY_ID, MAX_CAPACITY, TRADE_FAIL_REASONS, type CatalogueItem } from './catalogue.ts';
import { EventIds, SimClock, type SimEvent, type ClockOptions } from './clock.ts';

interface Player {
  player_id: number;
  username: string;
  player_class: string;
  gold: number;
  items: Map<number, number>;
}

export interface TradeEngineTruth {
  players: number;
  trades: number;
  validTrades: number;
  failedTrades: Record<string, number>;
  lopsidedTrades: number;
  /** The trades planted lopsided (and carried out), by id. */
  lopsidedTradeIds: string[];
  /**
   * Each carried-out trade's imbalance as the marts define it, computed here from what the sides offered:
   * value = items' value x quantity + gold; ratio = the larger / max(the smaller, 1), to 4 places; the giver
   * is the side that offered more (the proposer on a tie). Only trades with a ratio of 10 or more (the marts'
   * default threshold) are kept, so the truth stays small at scale.
   */
  imbalances: Record<string, { giver: string; receiver: string; ratio: number }>;
  playerStates: number;
}

function inventory(p: Player) {
  const items = [...p.items.entries()]
    .filter(([, q]) => q > 0)
    .sort(([a], [b]) => a - b)
    .map(([id, quantity]) => ({ ...ITEM_BY_ID.get(id)!, quantity }));
  return { max_capacity: MAX_CAPACITY, current_capacity: items.reduce((s, i) => s + i.quantity, 0), items };
}

const capacity = (p: Player) => [...p.items.values()].reduce((s, q) => s + q, 0);
const offerValue = (items: Array<{ value: number; quantity: number }>, gold: number) => items.reduce((s, i) => s + i.value * i.quantity, 0) + gold;

/** Items a player offers: 0..2 kinds they hold, small quantities. */
function offer(rng: Random, p: Player, maxKinds: number): Array<CatalogueItem & { quantity: number }> {
  const held = [...p.items.entries()].filter(([, q]) => q > 0);
  const out: Array<CatalogueItem & { quantity: number }> = [];
  const kinds = Math.min(held.length, rng.int(0, maxKinds));
  for (let k = 0; k < kinds; k++) {
    const [id, q] = rng.pick(held);
    if (out.some((i) => i.item_id === id)) continue;
    out.push({ ...ITEM_BY_ID.get(id)!, quantity: Math.min(q, rng.int(1, 12)) });
  }
  return out;
}

/**
 * The MMO trade engine: players created with their class's starting gold and inventory, then trades that the
 * server validates against its cached state (failing for the original's reasons) and, when valid, executes,
 * emitting both players' new state. `cheatRate` of trades are deliberately lopsided; 40% of those go from a
 * farmer to its mule (two fixed pairs of players, drawn from their own stream), so repeated lopsided pairs exist.
 */
export function* tradeEngine(
  rng: Random,
  opts: { players: number; trades: number; cheatRate: number; seed: string; clock?: ClockOptions },
  truth: TradeEngineTruth,
): Generator<SimEvent> {
  const clock = new SimClock(rng, opts.clock?.start, opts.clock?.scale);
  const ids = new EventIds(`te-${opts.seed}`);
  const players: Player[] = [];
  const product_id = 'trade-engine';
  truth.players = opts.players;

  for (let i = 1; i <= opts.players; i++) {
    const cls = rng.weighted(
      CLASSES,
      CLASSES.map((c) => c.share),
    );
    const p: Player = { player_id: i, username: `player_${i}`, player_class: cls.name, gold: cls.gold, items: new Map(cls.items) };
    players.push(p);
    const t = clock.tick(2);
    yield {
      event_id: ids.next(),
      event_type: 'player_created',
      product_id,
      occurred_at: t.iso,
      player_id: p.player_id,
      username: p.username,
      player_class: p.player_class,
      gold: p.gold,
      inventory: inventory(p),
    };
  }
  if (players.length < 2) return;
  const ringRng = new Random(`${opts.seed}:ring`);
  const ring: Array<[Player, Player]> = [];
  if (players.length >= 4) {
    const order = [...players];
    for (let i = order.length - 1; i > 0; i--) {
      const j = ringRng.int(0, i);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    ring.push([order[0]!, order[1]!], [order[2]!, order[3]!]);
  }

  for (let n = 0; n < opts.trades; n++) {
    let a = rng.pick(players);
    let b = rng.pick(players);
    while (b === a) b = rng.pick(players);
    const t = clock.tick();
    const trade_id = `trade-${opts.seed}-${n + 1}`;
    const lopsided = rng.chance(opts.cheatRate);
    if (lopsided && ring.length > 0 && ringRng.chance(0.4)) [a, b] = ringRng.pick(ring);
    let itemsA = offer(rng, a, 2);
    let goldA = rng.chance(0.4) ? Math.min(a.gold, rng.int(1, 200)) : 0;
    let itemsB = offer(rng, b, 2);
    let goldB = 0;
    if (lopsided) {
      // Value flows one way: a gives its most valuable holding, b gives a trifle.
      const best = [...a.items.entries()].filter(([, q]) => q > 0).sort(([x], [y]) => ITEM_BY_ID.get(y)!.value - ITEM_BY_ID.get(x)!.value)[0];
      itemsA = best ? [{ ...ITEM_BY_ID.get(best[0])!, quantity: Math.min(best[1], rng.int(1, 3)) }] : itemsA;
      goldA = Math.min(a.gold, rng.int(1000, 5000));
      itemsB = [];
      goldB = Math.min(b.gold, 1);
    } else {
      // Honest trades roughly balance: the side that offers less value adds gold (as far as it has any).
      const diff = offerValue(itemsA, goldA) - offerValue(itemsB, 0);
      if (diff > 0) goldB = Math.min(b.gold, diff);
      else if (diff < 0) goldA += Math.min(a.gold - goldA, -diff);
    }

    let fail_reason: string | null = null;
    const roll = rng.float();
    if (roll < 0.03) {
      fail_reason = TRADE_FAIL_REASONS[0]; // offered state differs from the server's cache
      goldA += 1;
    } else if (roll < 0.05 && a.gold < 1_000_000) {
      fail_reason = TRADE_FAIL_REASONS[1];
      goldA = a.gold + rng.int(1, 500);
    } else if (roll < 0.07) {
      fail_reason = TRADE_FAIL_REASONS[3];
      const missing = [...ITEM_BY_ID.values()].find((i) => (a.items.get(i.item_id) ?? 0) === 0);
      if (missing) itemsA = [...itemsA, { ...missing, quantity: 1 }];
      else fail_reason = null;
    }
    const qtyA = itemsA.reduce((s, i) => s + i.quantity, 0);
    const qtyB = itemsB.reduce((s, i) => s + i.quantity, 0);
    if (!fail_reason && (capacity(b) + qtyA - qtyB > MAX_CAPACITY || capacity(a) + qtyB - qtyA > MAX_CAPACITY)) {
      fail_reason = TRADE_FAIL_REASONS[2];
    }
    const valid = fail_reason === null;
    if (valid) {
      for (const i of itemsA) {
        a.items.set(i.item_id, (a.items.get(i.item_id) ?? 0) - i.quantity);
        b.items.set(i.item_id, (b.items.get(i.item_id) ?? 0) + i.quantity);
      }
      for (const i of itemsB) {
        b.items.set(i.item_id, (b.items.get(i.item_id) ?? 0) - i.quantity);
        a.items.set(i.item_id, (a.items.get(i.item_id) ?? 0) + i.quantity);
      }
      a.gold += goldB - goldA;
      b.gold += goldA - goldB;
      truth.validTrades += 1;
      if (lopsided) {
        truth.lopsidedTrades += 1;
        truth.lopsidedTradeIds.push(trade_id);
      }
      const [va, vb] = [offerValue(itemsA, goldA), offerValue(itemsB, goldB)];
      const ratio = Math.round((Math.max(va, vb) / Math.max(Math.min(va, vb), 1)) * 1e4) / 1e4;
      if (ratio >= 10) truth.imbalances[trade_id] = { giver: String(va >= vb ? a.player_id : b.player_id), receiver: String(va >= vb ? b.player_id : a.player_id), ratio };
    } else {
      truth.failedTrades[fail_reason!] = (truth.failedTrades[fail_reason!] ?? 0) + 1;
    }
    truth.trades += 1;
    yield {
      event_id: ids.next(),
      event_type: 'trade',
      product_id,
      occurred_at: t.iso,
      trade_id,
      valid,
      fail_reason,
      sides: [
        { player_id: a.player_id, items: itemsA, gold: goldA },
        { player_id: b.player_id, items: itemsB, gold: goldB },
      ],
    };
    if (valid) {
      for (const p of [a, b]) {
        truth.playerStates += 1;
        yield {
          event_id: ids.next(),
          event_type: 'player_state',
          product_id,
          occurred_at: t.iso,
          state_id: `state-${trade_id}-${p.player_id}`,
          player_id: p.player_id,
          username: p.username,
          player_class: p.player_class,
          gold: p.gold,
          inventory: inventory(p),
        };
      }
    }
  }
}
