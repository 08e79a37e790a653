import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Real heroes and items, from the dotaconstants package (OpenDota's constants). */
export interface HeroData {
  id: number;
  name: string;
  localized_name: string;
}
export interface ItemData {
  id: number;
  name: string;
  cost: number;
  secret_shop: number;
  side_shop: number;
  recipe: number;
  localized_name: string;
}

const buildDir = () => path.join(path.dirname(fileURLToPath(import.meta.resolve('dotaconstants'))), 'build');

let cache: { heroes: HeroData[]; items: ItemData[] } | undefined;

export function dotaData(): { heroes: HeroData[]; items: ItemData[] } {
  if (cache) return cache;
  const heroes = Object.values(JSON.parse(readFileSync(path.join(buildDir(), 'heroes.json'), 'utf8')) as Record<string, { id: number; name: string; localized_name: string }>)
    .map((h) => ({ id: h.id, name: h.name, localized_name: h.localized_name }))
    .sort((a, b) => a.id - b.id);
  const items = Object.entries(
    JSON.parse(readFileSync(path.join(buildDir(), 'items.json'), 'utf8')) as Record<string, { id?: number; dname?: string; cost?: number | null; qual?: string }>,
  )
    .filter(([, v]) => typeof v.id === 'number')
    .map(([key, v]) => ({
      id: v.id!,
      name: `item_${key}`,
      cost: v.cost ?? 0,
      secret_shop: v.qual === 'secret_shop' ? 1 : 0,
      side_shop: 0,
      recipe: key.startsWith('recipe_') ? 1 : 0,
      localized_name: v.dname ?? key,
    }))
    .sort((a, b) => a.id - b.id);
  cache = { heroes, items };
  return cache;
}
