/** The trade engine's item catalogue and classes (shared/reference/game-events.md). Pure data. */
export interface CatalogueItem {
  item_id: number;
  name: string;
  level: number;
  value: number;
}

export const ITEMS: readonly CatalogueItem[] = [
  { item_id: 1, name: 'Suit of Iron Armor', level: 10, value: 50 },
  { item_id: 2, name: 'Iron Sword', level: 10, value: 10 },
  { item_id: 3, name: 'Healing Potion', level: 1, value: 5 },
  { item_id: 4, name: 'Medicinal Herbs', level: 1, value: 1 },
  { item_id: 5, name: 'Food Package', level: 1, value: 6 },
  { item_id: 6, name: 'Milk', level: 1, value: 3 },
  { item_id: 7, name: 'Venison', level: 1, value: 10 },
  { item_id: 8, name: 'Leather', level: 1, value: 5 },
  { item_id: 9, name: 'Cotton Clothing', level: 1, value: 5 },
  { item_id: 10, name: 'Fancy Clothing', level: 1, value: 300 },
  { item_id: 11, name: 'Trade Goods', level: 1, value: 5 },
  { item_id: 12, name: 'Exotic Pet', level: 1, value: 10000 },
  { item_id: 13, name: 'Political Dirt', level: 1, value: 50000 },
  { item_id: 14, name: 'General Fancy Supplies', level: 1, value: 1000 },
  { item_id: 15, name: 'Crafted Leather Goods', level: 1, value: 500 },
  { item_id: 17, name: 'Trade Document', level: 1, value: 50 },
  { item_id: 18, name: 'Absurdly Expensive Status Item', level: 1, value: 100000 },
  { item_id: 19, name: 'Trophy of War', level: 1, value: 50 },
  { item_id: 20, name: 'Proof of Loyalty', level: 1, value: 1000000 },
];

export const ITEM_BY_ID: ReadonlyMap<number, CatalogueItem> = new Map(ITEMS.map((i) => [i.item_id, i]));

export interface PlayerClass {
  name: string;
  /** Share of new players, in twentieths. */
  share: number;
  gold: number;
  /** [item_id, quantity] */
  items: ReadonlyArray<readonly [number, number]>;
}

export const CLASSES: readonly PlayerClass[] = [
  {
    name: 'blacksmith',
    share: 2,
    gold: 1000,
    items: [
      [1, 400],
      [2, 499],
    ],
  },
  {
    name: 'alchemist',
    share: 2,
    gold: 1000,
    items: [
      [3, 100],
      [4, 799],
    ],
  },
  {
    name: 'farmer',
    share: 4,
    gold: 500,
    items: [
      [5, 500],
      [6, 399],
    ],
  },
  {
    name: 'hunter',
    share: 4,
    gold: 500,
    items: [
      [7, 450],
      [8, 449],
    ],
  },
  {
    name: 'tailor',
    share: 2,
    gold: 1000,
    items: [
      [9, 700],
      [10, 199],
    ],
  },
  {
    name: 'trader',
    share: 1,
    gold: 50000,
    items: [
      [11, 880],
      [12, 19],
    ],
  },
  {
    name: 'aristocrat',
    share: 1,
    gold: 5000000,
    items: [
      [13, 3],
      [14, 896],
    ],
  },
  { name: 'leatherworker', share: 2, gold: 1000, items: [[15, 899]] },
  {
    name: 'banker',
    share: 1,
    gold: 10000000,
    items: [
      [17, 100],
      [18, 799],
    ],
  },
  {
    name: 'warrior',
    share: 1,
    gold: 500,
    items: [
      [19, 898],
      [20, 1],
    ],
  },
];

export const MAX_CAPACITY = 999;

export const TRADE_FAIL_REASONS = ['state mismatch', 'not enough gold', 'not enough inventory space', 'does not have the items'] as const;

export const PLACEBO_SWORDS = ['cutlass', 'longsword', 'saber', 'dagger', 'broadsword'] as const;
export const PLACEBO_SPELLS = ['charm', 'potion', 'fireball', 'hex'] as const;
export const PLACEBO_GUILDS = ['knights_of_ni', 'order_of_the_phoenix', 'iron_fist'] as const;
export const PLACEBO_TEAMS = ['red_team', 'blue_team', 'green_team', 'gold_team'] as const;
