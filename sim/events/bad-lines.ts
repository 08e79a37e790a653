import type { ContractRegistry, Field } from '../../transforms/contract/model.ts';
import type { Random } from '../random.ts';
import type { SimEvent } from './clock.ts';

/** A malformed line and the reason ingestion must give for it (or 'duplicate'). */
export interface BadLine {
  text: string;
  reason: string;
}

const KINDS = [
  'invalid_json',
  'not_an_object',
  'missing_envelope',
  'missing_payload',
  'wrong_type',
  'unknown_event_type',
  'future',
  'long_event_id',
  'bad_timestamp',
  'empty_line',
  'duplicate',
  'too_large',
] as const;
/** Relative frequency of each kind; oversized lines are rare because each is over a megabyte. */
const WEIGHTS = [10, 3, 8, 8, 10, 6, 4, 2, 4, 3, 12, 0.4];

/**
 * Makes one bad line from a good event (already serialized as `goodLine`): broken JSON, a missing or
 * mistyped field, an unknown type, a timestamp in the future, an oversized line, or an exact repeat of an
 * earlier event (a duplicate event id). The reason is the one ingestion reports.
 */
/** A value no spelling rule of the field's type accepts (an integer is a valid id, so ids get a boolean). */
function wrongValue(f: Field): unknown {
  if (f.kind === 'object') return 'not-an-object';
  if (f.kind === 'list') return 'not-a-list';
  switch (f.type) {
    case 'string':
      return 12345;
    case 'id':
      return true;
    case 'bool':
      return 'yes';
    case 'timestamp':
      return 'noon';
    default:
      return 'not-a-number';
  }
}

export function makeBadLine(rng: Random, event: SimEvent, goodLine: string, earlier: readonly string[], maxLineBytes: number, registry: ContractRegistry): BadLine {
  const fieldsOf = (e: SimEvent) => registry.products.get(e.product_id)?.events.get(e.event_type)?.fields ?? [];
  const kind = rng.weighted(KINDS, WEIGHTS);
  const clone = () => JSON.parse(goodLine) as Record<string, unknown>;
  switch (kind) {
    case 'invalid_json':
      return { text: goodLine.slice(0, rng.int(1, Math.max(1, goodLine.length - 2))), reason: 'invalid_json' };
    case 'not_an_object':
      return { text: JSON.stringify([event.event_id, event.event_type]), reason: 'not_an_object' };
    case 'missing_envelope': {
      const e = clone();
      const field = rng.pick(['event_id', 'event_type', 'product_id', 'occurred_at'] as const);
      delete e[field];
      return { text: JSON.stringify(e), reason: `missing_field:${field}` };
    }
    case 'missing_payload': {
      const required = fieldsOf(event).filter((f) => f.required);
      if (required.length === 0) return makeBadLine(rng, event, goodLine, earlier, maxLineBytes, registry);
      const e = clone();
      const field = rng.pick(required).name;
      delete e[field];
      return { text: JSON.stringify(e), reason: `missing_field:${field}` };
    }
    case 'wrong_type': {
      const e = clone();
      const fields = fieldsOf(event).filter((f) => e[f.name] !== undefined && e[f.name] !== null);
      if (fields.length === 0) return makeBadLine(rng, event, goodLine, earlier, maxLineBytes, registry);
      const field = rng.pick(fields);
      e[field.name] = wrongValue(field);
      return { text: JSON.stringify(e), reason: `wrong_type:${field.name}` };
    }
    case 'unknown_event_type': {
      const e = clone();
      e.event_type = rng.pick(['teleport', 'level_up', 'GAME_OVER']);
      return { text: JSON.stringify(e), reason: 'unknown_event_type' };
    }
    case 'future': {
      const e = clone();
      e.occurred_at = '2099-01-01T00:00:00Z';
      return { text: JSON.stringify(e), reason: 'out_of_range:occurred_at' };
    }
    case 'long_event_id': {
      const e = clone();
      e.event_id = 'x'.repeat(129);
      return { text: JSON.stringify(e), reason: 'out_of_range:event_id' };
    }
    case 'bad_timestamp': {
      const e = clone();
      e.occurred_at = rng.pick(['yesterday', '2026-13-01T00:00:00Z', '2026-01-01 10:00', '1735689600']);
      return { text: JSON.stringify(e), reason: 'wrong_type:occurred_at' };
    }
    case 'empty_line':
      return { text: '', reason: 'empty_line' };
    case 'duplicate':
      if (earlier.length === 0) return makeBadLine(rng, event, goodLine, earlier, maxLineBytes, registry);
      return { text: rng.pick(earlier), reason: 'duplicate' };
    case 'too_large': {
      const e = clone();
      e.padding = 'x'.repeat(maxLineBytes);
      return { text: JSON.stringify(e), reason: 'too_large' };
    }
  }
}
