import type { Field, ListField, ScalarField, ScalarSpec } from './model.ts';

/**
 * How an event's fields become rows: which scalar goes to which column of its row, and which lists become
 * child tables (with the parent's key, the element's index and carried columns). Both flattening
 * implementations (the TypeScript specification and the DuckDB SQL) walk these plans.
 */

/** A scalar stored in a column of a row. `keys` is its path from the row's root (the event or the element). */
export interface ScalarSlot {
  column: string;
  keys: readonly string[];
  spec: ScalarSpec;
  default?: string | number | boolean;
  description: string;
  /** Holds one of the product's player ids (the contract's `player: true`). */
  player?: true;
}

/** A list whose elements become rows of a child table. */
export interface ChildPlan {
  table: string;
  /** Path of the list from the parent row's root. */
  keys: readonly string[];
  list: ListField;
  index: string;
  /** Parent columns copied into every child row. */
  carry: readonly string[];
  /** Element rows: their own scalars and lists, or one scalar column for a list of scalars. */
  element: RowPlan | { value: ScalarSlot };
}

export interface RowPlan {
  scalars: ScalarSlot[];
  children: ChildPlan[];
}

export function rowPlan(fields: readonly Field[], prefix: readonly string[] = []): RowPlan {
  const plan: RowPlan = { scalars: [], children: [] };
  for (const f of fields) {
    const keys = [...prefix, f.name];
    if (f.kind === 'scalar') {
      if (!f.secret) plan.scalars.push(slot(f, keys));
    } else if (f.kind === 'object') {
      const inner = rowPlan(f.fields, keys);
      plan.scalars.push(...inner.scalars);
      plan.children.push(...inner.children);
    } else {
      plan.children.push(childPlan(f, keys));
    }
  }
  return plan;
}

function slot(f: ScalarField, keys: readonly string[]): ScalarSlot {
  const { type, min, max, minLength, maxLength, oneOf, numericStrings } = f;
  const spec: ScalarSpec = { type, numericStrings };
  if (min !== undefined) spec.min = min;
  if (max !== undefined) spec.max = max;
  if (minLength !== undefined) spec.minLength = minLength;
  if (maxLength !== undefined) spec.maxLength = maxLength;
  if (oneOf !== undefined) spec.oneOf = oneOf;
  const out: ScalarSlot = { column: f.column, keys, spec, description: f.description };
  if (f.default !== undefined) out.default = f.default;
  if (f.player) out.player = true;
  return out;
}

function childPlan(list: ListField, keys: readonly string[]): ChildPlan {
  const e = list.element;
  const element: ChildPlan['element'] = e.kind === 'object' ? rowPlan(e.fields) : { value: { column: e.column, keys: [], spec: scalarSpecOf(e), description: list.description } };
  return { table: list.table, keys, list, index: list.index, carry: list.carry, element };
}

function scalarSpecOf(e: ScalarSpec): ScalarSpec {
  const { type, min, max, minLength, maxLength, oneOf, numericStrings } = e;
  const spec: ScalarSpec = { type, numericStrings };
  if (min !== undefined) spec.min = min;
  if (max !== undefined) spec.max = max;
  if (minLength !== undefined) spec.minLength = minLength;
  if (maxLength !== undefined) spec.maxLength = maxLength;
  if (oneOf !== undefined) spec.oneOf = oneOf;
  return spec;
}

export const isScalarElement = (e: ChildPlan['element']): e is { value: ScalarSlot } => 'value' in e;
