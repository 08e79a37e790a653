import type { ContractRegistry } from './contract/model.ts';
import { isScalarElement, rowPlan, type ChildPlan, type RowPlan } from './contract/plan.ts';
import { stringifyJson } from './json/parse.ts';
import { utcDate, type Instant, type Typed, type TypedObject, type TypedScalar, type ValidEvent } from './validate.ts';

/**
 * The specification of flattening: one validated event into rows of the lake's tables (see tables.ts),
 * each row keyed by column name. The ingestion engine produces the same rows in DuckDB; a differential
 * test compares the two. batch_id and line are the caller's.
 */

export type Cell = TypedScalar | null;
export type Row = Record<string, Cell>;
export type Emit = (table: string, row: Row) => void;

const plans = new WeakMap<object, RowPlan>();

function planOf(registry: ContractRegistry, product: string, type: string): RowPlan | undefined {
  const t = registry.products.get(product)?.events.get(type);
  if (!t) return undefined;
  let plan = plans.get(t);
  if (!plan) {
    plan = rowPlan(t.fields);
    plans.set(t, plan);
  }
  return plan;
}

function at(values: TypedObject, keys: readonly string[]): Typed | undefined {
  let v: Typed | undefined = values;
  for (const k of keys) {
    if (!(v instanceof Map)) return undefined;
    v = v.get(k);
  }
  return v;
}

function rowOf(plan: RowPlan, values: TypedObject): Row {
  const row: Row = {};
  for (const s of plan.scalars) {
    const v = at(values, s.keys);
    row[s.column] = v === undefined || v === null || v instanceof Map || Array.isArray(v) ? null : v;
  }
  return row;
}

function children(common: Row, plan: RowPlan, values: TypedObject, own: Row, emit: Emit): void {
  for (const child of plan.children) emitChild(common, child, values, own, emit);
}

function emitChild(common: Row, child: ChildPlan, values: TypedObject, parent: Row, emit: Emit): void {
  const list = at(values, child.keys);
  if (!Array.isArray(list)) return;
  list.forEach((element, k) => {
    const row: Row = { ...common };
    for (const c of child.carry) row[c] = parent[c] ?? null;
    row[child.index] = k;
    if (isScalarElement(child.element)) {
      row[child.element.value.column] = element as TypedScalar;
      emit(child.table, row);
    } else {
      const own = rowOf(child.element, element as TypedObject);
      Object.assign(row, own);
      emit(child.table, row);
      children(common, child.element, element as TypedObject, { ...row }, emit);
    }
  });
}

/** Emits the `events` row, then the type's table row, then its child rows (depth first). Pure. */
export function flattenEvent(v: ValidEvent, registry: ContractRegistry, emit: Emit): void {
  const common: Row = { event_id: v.eventId, event_type: v.eventType, event_date: utcDate(v.occurred), product_id: v.productId, occurred_at: v.occurred as Instant };
  emit('events', { ...common, schema_version: v.schemaVersion, extra: v.extra === null ? null : stringifyJson(v.extra), typed: v.typed });
  if (!v.typed) return;
  const type = registry.products.get(v.productId)!.events.get(v.eventType)!;
  const plan = planOf(registry, v.productId, v.eventType)!;
  if (!type.table) return;
  const own = rowOf(plan, v.values);
  emit(type.table, { ...common, ...own });
  children(common, plan, v.values, own, emit);
}
