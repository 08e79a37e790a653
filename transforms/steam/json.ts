/**
 * Steam's JSON carries 64-bit integers (team logos, steamids as numbers in some places). JSON.parse would
 * round them to the nearest double; these helpers keep every integer beyond 2^53 exactly, as a bigint.
 */

export type SteamJson = null | boolean | number | bigint | string | SteamJson[] | { [key: string]: SteamJson };
export type SteamObject = { [key: string]: SteamJson };

/** JSON.parse that turns integers too large for a double into bigints (exact), everything else as usual. */
export function parseSteamJson(text: string): SteamJson {
  return JSON.parse(text, (_key, value, context?: { source?: string }) => {
    if (typeof value === 'number' && !Number.isSafeInteger(value) && context?.source && /^-?\d+$/.test(context.source)) {
      return BigInt(context.source);
    }
    return value;
  }) as SteamJson;
}

/** JSON.stringify that writes bigints as plain JSON numbers (exact). */
export function stringifySteamJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? (JSON as unknown as { rawJSON(s: string): unknown }).rawJSON(v.toString()) : v));
}

export function isObject(value: unknown): value is SteamObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
