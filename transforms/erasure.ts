import type { ContractRegistry } from './contract/model.ts';
import { isScalarElement, rowPlan, type ChildPlan } from './contract/plan.ts';

/**
 * Erasure (`gamelake forget`): where a product's player ids are, by the contract's `player: true` fields.
 * Pure: the lake finds and rewrites the rows (lake/erase.ts).
 */

/** Per lake table, the columns that hold one of `product`'s player ids (its event tables and their lists' tables). */
export function playerColumns(registry: ContractRegistry, product: string): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  const add = (table: string, column: string) => {
    let t = out.get(table);
    if (!t) out.set(table, (t = new Set()));
    t.add(column);
  };
  const contract = registry.products.get(product);
  if (!contract) return new Map();
  for (const type of contract.events.values()) {
    if (!type.table) continue;
    const plan = rowPlan(type.fields);
    for (const s of plan.scalars) if (s.player) add(type.table, s.column);
    const visit = (children: readonly ChildPlan[]) => {
      for (const child of children) {
        if (isScalarElement(child.element)) {
          if (child.element.value.player) add(child.table, child.element.value.column);
          continue;
        }
        for (const s of child.element.scalars) if (s.player) add(child.table, s.column);
        visit(child.element.children);
      }
    };
    visit(plan.children);
  }
  return new Map([...out].map(([t, c]) => [t, [...c].sort()]));
}

/**
 * True when a line of text holds `id` as a whole value: the id not run into letters, digits, `_` or `-`
 * on either side (so `u1` is not found in `u10`). How the quarantine, the inbox and the spool are searched:
 * their lines may not parse.
 */
export function holdsId(text: string, id: string): boolean {
  let from = 0;
  for (;;) {
    const at = text.indexOf(id, from);
    if (at < 0) return false;
    const before = at === 0 ? '' : text[at - 1]!;
    const after = text[at + id.length] ?? '';
    if (!/[A-Za-z0-9_-]/.test(before) && !/[A-Za-z0-9_-]/.test(after)) return true;
    from = at + 1;
  }
}
