import type { ContractRegistry, Retention } from './contract/model.ts';
import { isScalarElement, rowPlan, type ChildPlan } from './contract/plan.ts';

/**
 * Retention: how long a contract keeps its rows (`retention: 400d` for the product, or per table), and
 * which month partitions are past it. Pure: the lake applies it (lake/retention.ts).
 */

const RETENTION = /^([1-9][0-9]{0,4})(d|w|mo|y)$/;

/** Parses `400d`, `52w`, `18mo`, `2y`; undefined when it is not one (the caller names where). */
export function parseRetention(text: string): Retention | undefined {
  const m = RETENTION.exec(text.trim());
  return m ? { text: text.trim(), amount: Number(m[1]), unit: m[2] as Retention['unit'] } : undefined;
}

/** The instant (ms) before which rows are past `retention`, as of `asOfMs`. */
export function retentionCut(retention: Retention, asOfMs: number): number {
  if (retention.unit === 'd' || retention.unit === 'w') return asOfMs - retention.amount * (retention.unit === 'w' ? 7 : 1) * 86_400_000;
  // Calendar months back, the day kept where the month has it (31 March less one month: 28 or 29 February).
  const d = new Date(asOfMs);
  const months = d.getUTCFullYear() * 12 + d.getUTCMonth() - retention.amount * (retention.unit === 'y' ? 12 : 1);
  const [year, month] = [Math.floor(months / 12), months % 12];
  const day = Math.min(d.getUTCDate(), new Date(Date.UTC(year, month + 1, 0)).getUTCDate());
  return Date.UTC(year, month, day) + (asOfMs - Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

/** True when every instant of the month partition `YYYY-MM` is before `cutMs`: the whole partition is past retention. */
export function monthExpired(month: string, cutMs: number): boolean {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m) return false;
  return Date.UTC(Number(m[1]), Number(m[2]), 1) <= cutMs;
}

/**
 * Which retention applies to each product's rows of each lake table: a table's own (`tables: <name>:
 * retention:`), else the table its rows come from (a list's table inherits its event table's), else the
 * product's. `events` (every product's envelope) keeps each product's rows for the product's retention.
 * Tables and products without any are absent: kept forever.
 */
export function retentionByTable(registry: ContractRegistry): Map<string, Map<string, Retention>> {
  const out = new Map<string, Map<string, Retention>>();
  const set = (table: string, product: string, r: Retention | undefined) => {
    if (!r) return;
    let t = out.get(table);
    if (!t) out.set(table, (t = new Map()));
    t.set(product, r);
  };
  for (const contract of registry.products.values()) {
    set('events', contract.product, contract.retention);
    for (const type of contract.events.values()) {
      if (!type.table) continue;
      const own = contract.tables.get(type.table)?.retention ?? contract.retention;
      set(type.table, contract.product, own);
      const visit = (children: readonly ChildPlan[], inherited: Retention | undefined) => {
        for (const child of children) {
          const r = contract.tables.get(child.table)?.retention ?? inherited;
          set(child.table, contract.product, r);
          if (!isScalarElement(child.element)) visit(child.element.children, r);
        }
      };
      visit(rowPlan(type.fields).children, own);
    }
  }
  return out;
}

/** Products whose rows of `table` in partition month `month` are past their retention as of `asOfMs`. */
export function expiredProducts(policy: Map<string, Map<string, Retention>>, table: string, month: string, asOfMs: number): string[] {
  const byProduct = policy.get(table);
  if (!byProduct) return [];
  return [...byProduct.entries()]
    .filter(([, r]) => monthExpired(month, retentionCut(r, asOfMs)))
    .map(([p]) => p)
    .sort();
}
