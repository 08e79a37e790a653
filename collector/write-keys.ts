import { createHash, timingSafeEqual } from 'node:crypto';
import { CollectorConfigError, UnauthorizedError } from './errors.ts';

/** What a write key may send: some products, or any ('*'). */
export interface Grant {
  /** The key's position in GAMELAKE_WRITE_KEYS (1-based): how logs name it, never by its value. */
  position: number;
  anyProduct: boolean;
  products: ReadonlySet<string>;
  /** Its products sorted, joined by newlines: the spool its events go to ('*' for any product). */
  scope: string;
}

/** The write keys, by the SHA-256 of their value (compared in constant time; the values are not kept). */
export interface WriteKeys {
  /** No keys configured: every product accepted (loopback only). */
  open: boolean;
  /** Products some key is limited to (product=key entries), empty when every key is `*=key`. */
  scopedProducts: string[];
  /** The product lists of the keys limited to some products (each sorted), one per distinct list. */
  scopes: string[][];
  /** The grant of an `Authorization: Bearer <key>` header; UnauthorizedError without one or for an unknown key. */
  authorize(header: string | undefined): Grant;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** The scope of a key that may send any product. */
export const ANY_SCOPE = '*';
const scopeOf = (g: { anyProduct: boolean; products: ReadonlySet<string> }) => (g.anyProduct ? ANY_SCOPE : [...g.products].sort().join('\n'));

/**
 * Parses GAMELAKE_WRITE_KEYS: `product=key,product=key,*=key`. A key may be listed for several products;
 * its grant is their union. Errors name the entry by position, never a key's value.
 */
export function parseWriteKeys(setting: string | undefined): WriteKeys {
  const entries = (setting ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const byKey = new Map<string, { digest: Buffer; position: number; anyProduct: boolean; products: Set<string> }>();
  entries.forEach((entry, k) => {
    const eq = entry.indexOf('=');
    const product = eq > 0 ? entry.slice(0, eq).trim() : '';
    const key = eq > 0 ? entry.slice(eq + 1).trim() : '';
    if (!product || !key) throw new CollectorConfigError(`GAMELAKE_WRITE_KEYS entry ${k + 1} is not product=key (or *=key)`);
    if (/\s/.test(product)) throw new CollectorConfigError(`GAMELAKE_WRITE_KEYS entry ${k + 1}: a product id has no spaces`);
    if (key.length < 16) throw new CollectorConfigError(`GAMELAKE_WRITE_KEYS entry ${k + 1} (${product}): a key needs at least 16 characters`);
    const d = digest(key);
    const id = d.toString('hex');
    const grant = byKey.get(id) ?? { digest: d, position: byKey.size + 1, anyProduct: false, products: new Set<string>() };
    if (product === '*') grant.anyProduct = true;
    else grant.products.add(product);
    byKey.set(id, grant);
  });
  const grants = [...byKey.values()];
  if (grants.length === 0) {
    const all: Grant = { position: 0, anyProduct: true, products: new Set(), scope: ANY_SCOPE };
    return { open: true, scopedProducts: [], scopes: [], authorize: () => all };
  }
  return {
    open: false,
    scopedProducts: [...new Set(grants.filter((g) => !g.anyProduct).flatMap((g) => [...g.products]))].sort(),
    scopes: [...new Set(grants.filter((g) => !g.anyProduct).map(scopeOf))].map((scope) => scope.split('\n')),
    authorize(header) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
      if (!match) throw new UnauthorizedError('no write key: send Authorization: Bearer <key>');
      const d = digest(match[1]!);
      // Every grant is compared (no early exit), in constant time per comparison.
      let found: (typeof grants)[number] | undefined;
      for (const g of grants) if (timingSafeEqual(g.digest, d)) found = g;
      if (!found) throw new UnauthorizedError('the write key is not one of GAMELAKE_WRITE_KEYS');
      return { position: found.position, anyProduct: found.anyProduct, products: found.products, scope: scopeOf(found) };
    },
  };
}
