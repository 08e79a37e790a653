import { ContractError } from './errors.ts';
import { DUCKDB_TYPE, type ContractRegistry } from './contract/model.ts';
import { isScalarElement, rowPlan, type ChildPlan, type RowPlan } from './contract/plan.ts';

/**
 * The lake's event tables, derived from the registered contracts: every accepted event has a row in
 * `events`; an event type with a table has a row there; every list with a table has a row per element.
 * The stage writer, the commit, the warehouse and the docs read these definitions; none repeats them.
 */

export interface LakeColumn {
  name: string;
  type: string;
  description: string;
}

export interface LakeTable {
  name: string;
  description: string;
  /** What one row is. */
  grain: string;
  kind: 'events' | 'event' | 'child';
  /** Products whose contracts write it. */
  products: string[];
  /** Columns after the common ones, in order. */
  columns: LakeColumn[];
}

/** Columns every lake row starts with. */
export const COMMON_COLUMNS: readonly LakeColumn[] = [
  { name: 'batch_id', type: 'VARCHAR', description: "The batch (first 16 hex digits of its file's sha256) that brought the event." },
  { name: 'line', type: 'BIGINT', description: 'Line of the event in its batch file (1-based).' },
  { name: 'event_id', type: 'VARCHAR', description: "The producer's event id (unique across batches)." },
  { name: 'event_type', type: 'VARCHAR', description: "Event type, as named by the product's contract." },
  { name: 'event_date', type: 'DATE', description: 'UTC calendar date of occurred_at.' },
  { name: 'product_id', type: 'VARCHAR', description: 'The game (its contract file).' },
  { name: 'occurred_at', type: 'TIMESTAMPTZ', description: 'When the game server saw the event (UTC instant).' },
];

/** The Hive partition column of every event table: the UTC month of occurred_at (`event_month=2026-01`). */
export const PARTITION_COLUMN: LakeColumn = { name: 'event_month', type: 'VARCHAR', description: 'UTC month of occurred_at (YYYY-MM); the Hive partition.' };

export const EVENTS_TABLE: LakeTable = {
  name: 'events',
  description: 'Every accepted event: the envelope, and the fields its contract does not name as JSON.',
  grain: 'one row per accepted event',
  kind: 'events',
  products: [],
  columns: [
    { name: 'schema_version', type: 'INTEGER', description: "The producer's schema version (1 when absent)." },
    {
      name: 'extra',
      type: 'JSON',
      description: 'Top-level fields the contract does not name (secrets removed), or the whole payload of an event type the contract does not know (evolve mode); NULL when none.',
    },
    { name: 'typed', type: 'BOOLEAN', description: "True when the event type is in its product's contract (false: accepted by schema evolution, payload in extra)." },
  ],
};

/** Rejected and duplicate lines: one row per line that was not accepted. */
export const QUARANTINE_TABLE = {
  name: 'quarantine',
  description: 'Every line of a committed batch that was not accepted, with its reason.',
  grain: 'one row per rejected or duplicate line of a batch',
  columns: [
    { name: 'batch_id', type: 'VARCHAR', description: 'The batch.' },
    { name: 'line', type: 'BIGINT', description: 'Line in the batch file (1-based).' },
    { name: 'kind', type: 'VARCHAR', description: 'rejected (the contract refused it) or duplicate (its event id was accepted before).' },
    {
      name: 'reason',
      type: 'VARCHAR',
      description: 'Machine-readable reason: invalid_json, missing_field:<path>, wrong_type:<path>, out_of_range:<path>, duplicate_event_id:line N, ...',
    },
    { name: 'event_id', type: 'VARCHAR', description: 'The event id when the line had a readable one.' },
    { name: 'raw', type: 'VARCHAR', description: 'The line as received (secret values masked; at most the first 64 KiB).' },
    { name: 'raw_bytes', type: 'BIGINT', description: 'Length of the whole line in bytes.' },
  ] satisfies LakeColumn[],
} as const;

/** Quarantined lines a replay took out of quarantine: one row per line of a replay batch. */
export const RECOVERED_TABLE = {
  name: 'quarantine_recovered',
  description: 'Quarantined lines a replay (gamelake quarantine replay) ingested again, each with what became of it.',
  grain: 'one row per line of a replay batch',
  columns: [
    { name: 'batch_id', type: 'VARCHAR', description: 'The replay batch.' },
    { name: 'line', type: 'BIGINT', description: 'Line in the replay batch file (1-based).' },
    { name: 'source_batch_id', type: 'VARCHAR', description: 'The batch the line was quarantined in.' },
    { name: 'source_line', type: 'BIGINT', description: 'Its line in that batch.' },
    {
      name: 'outcome',
      type: 'VARCHAR',
      description: "recovered (its event is in the lake: accepted, or a duplicate of one accepted since) or rejected (refused again: the replay batch's quarantine holds it now).",
    },
  ] satisfies LakeColumn[],
} as const;

/** Longest raw text kept in quarantine (a too_large line keeps its head). */
export const QUARANTINE_RAW_LIMIT = 64 * 1024;

function merge(
  tables: Map<string, LakeTable>,
  name: string,
  kind: LakeTable['kind'],
  product: string,
  columns: LakeColumn[],
  where: string,
  description: string,
  grain: string,
): void {
  const t = tables.get(name);
  if (!t) {
    tables.set(name, { name, description, grain, kind, products: [product], columns: [...columns] });
    return;
  }
  if (t.kind !== kind) throw new ContractError(`${where}: table "${name}" is written both as an event table and as a list's child table`);
  if (!t.products.includes(product)) t.products.push(product);
  if (!t.description && description) t.description = description;
  for (const c of columns) {
    const existing = t.columns.find((x) => x.name === c.name);
    if (!existing) t.columns.push(c);
    else if (existing.type !== c.type) throw new ContractError(`${where}: column ${name}.${c.name} is ${c.type} here but ${existing.type} where the table was first defined`);
    else if (!existing.description) existing.description = c.description;
  }
}

/** Columns of a row plan (its own scalars), typed. */
export function planColumns(plan: RowPlan): LakeColumn[] {
  return plan.scalars.map((s) => ({ name: s.column, type: DUCKDB_TYPE[s.spec.type], description: s.description }));
}

/** Columns of a child table: carried parent columns, the index, then the element's own. */
export function childColumns(child: ChildPlan, parentColumns: readonly LakeColumn[]): LakeColumn[] {
  const carried = child.carry.map((c) => parentColumns.find((p) => p.name === c)!);
  const own = isScalarElement(child.element)
    ? [{ name: child.element.value.column, type: DUCKDB_TYPE[child.element.value.spec.type], description: child.element.value.description }]
    : planColumns(child.element);
  return [...carried, { name: child.index, type: 'INTEGER', description: `Position of the element in ${child.keys.join('.')} (0-based).` }, ...own];
}

/** All lake event tables the registry's contracts write, `events` first. */
export function lakeTables(registry: ContractRegistry): Map<string, LakeTable> {
  const tables = new Map<string, LakeTable>([['events', { ...EVENTS_TABLE, products: [...registry.products.keys()] }]]);
  for (const contract of registry.products.values()) {
    for (const type of contract.events.values()) {
      if (!type.table) continue;
      const where = `${contract.file}: events.${type.name}`;
      const plan = rowPlan(type.fields);
      const columns = planColumns(plan);
      const info = contract.tables.get(type.table);
      merge(tables, type.table, 'event', contract.product, columns, where, info?.description ?? '', `one row per ${type.table === 'events' ? 'event' : 'event of its types'}`);
      const visit = (children: readonly ChildPlan[], parent: readonly LakeColumn[], path: string) => {
        for (const child of children) {
          const own = childColumns(child, parent);
          const childInfo = contract.tables.get(child.table);
          merge(
            tables,
            child.table,
            'child',
            contract.product,
            own,
            `${where}: ${path}${child.keys.join('.')}`,
            childInfo?.description ?? child.list.description,
            `one row per element of ${path}${child.keys.join('.')}`,
          );
          if (!isScalarElement(child.element)) visit(child.element.children, own, `${path}${child.keys.join('.')}[].`);
        }
      };
      visit(plan.children, columns, '');
    }
  }
  return tables;
}

/** Column list of a lake table as written: common columns, then its own. */
export function fileColumns(table: LakeTable): LakeColumn[] {
  return [...COMMON_COLUMNS, ...table.columns];
}
