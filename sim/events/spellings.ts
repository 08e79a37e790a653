import type { Random } from '../random.ts';
import type { SimEvent } from './clock.ts';

/**
 * How producers spell scalars (shared/reference/game-events.md, "How producers spell scalars"):
 * `canonical` writes ids and numbers as the simulator holds them (trade-engine player ids are integers, as
 * the original engine sends them); `producers` mixes in what real backends send: player ids as strings
 * ("33"), numbers as strings ("cost": "111", as the original Placebo API does) and join levels as words
 * ("apprentice"), and timestamps as Go's time.RFC3339Nano (nine fraction digits) and Python's
 * str(datetime) (a space for the T, six digits, "+00:00") write them: the same instants.
 */
export type Spellings = 'canonical' | 'producers';

/** Coercions the ingestion must count: product -> field path -> kind -> values. */
export type CoercionTruth = Record<string, Record<string, Record<string, number>>>;

const LEVEL_WORDS = ['novice', 'apprentice', 'journeyman', 'expert', 'master'];

function count(truth: CoercionTruth, product: string, path: string, kind: string, n = 1): void {
  const byPath = ((truth[product] ??= {})[path] ??= {});
  byPath[kind] = (byPath[kind] ?? 0) + n;
}

/** Respells an event as its producer would (in place) and counts the coercions ingestion will report. */
/** An ISO instant ("2026-03-01T12:00:00.123Z") as Go or Python would write it. */
export function producerTimestamp(iso: string, style: 'go' | 'python'): string {
  const [date, rest] = iso.replace(/Z$/, '').split('T') as [string, string];
  const [clock, fraction = ''] = rest.split('.');
  if (style === 'go') return `${date}T${clock}.${fraction.padEnd(3, '0')}000000Z`;
  return `${date} ${clock}.${fraction.padEnd(3, '0')}000+00:00`;
}

export function respell(event: SimEvent, rng: Random, spellings: Spellings, truth: CoercionTruth): void {
  const product = event.product_id;
  const p = spellings === 'producers';
  if (p && rng.chance(0.06) && event.occurred_at.endsWith('Z')) {
    event.occurred_at = producerTimestamp(event.occurred_at, rng.chance(0.5) ? 'go' : 'python');
    count(truth, product, 'occurred_at', 'timestamp_spelling');
  }
  if (product === 'trade-engine') {
    const idAt = (holder: Record<string, unknown>, path: string) => {
      if (p && rng.chance(0.5)) holder.player_id = String(holder.player_id);
      else count(truth, product, path, 'integer_to_text');
    };
    const items = (list: Array<Record<string, unknown>>, path: string) => {
      for (const item of list) {
        if (p && rng.chance(0.02)) {
          item.value = String(item.value);
          count(truth, product, `${path}[].value`, 'string_to_number');
        }
      }
    };
    if (event.event_type === 'trade') {
      for (const side of event.sides as Array<Record<string, unknown>>) {
        idAt(side, 'sides[].player_id');
        items(side.items as Array<Record<string, unknown>>, 'sides[].items');
      }
    } else {
      idAt(event, 'player_id');
      items((event.inventory as { items: Array<Record<string, unknown>> }).items, 'inventory.items');
    }
  } else if (product === 'placebo') {
    const player = event.player as { affiliations: Array<Record<string, unknown>> } | undefined;
    if (event.event_type === 'join_guild' || event.event_type === 'join_team') {
      if (p && rng.chance(0.5)) event.level = LEVEL_WORDS[(event.level as number) - 1] ?? String(event.level);
      else count(truth, product, 'level', 'integer_to_text');
    }
    for (const a of player?.affiliations ?? []) {
      if (p && rng.chance(0.1) && (a.joined_at as string).endsWith('Z')) {
        a.joined_at = producerTimestamp(a.joined_at as string, 'go');
        count(truth, product, 'player.affiliations[].joined_at', 'timestamp_spelling');
      }
      if (p && rng.chance(0.5)) a.level = LEVEL_WORDS[(a.level as number) - 1] ?? String(a.level);
      else count(truth, product, 'player.affiliations[].level', 'integer_to_text');
    }
    if (p && typeof event.cost === 'number' && rng.chance(0.5)) {
      event.cost = String(event.cost);
      count(truth, product, 'cost', 'string_to_number');
    }
  }
}
