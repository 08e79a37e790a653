/** Valve's id conventions (see the Steam Web API reference). */

/** The product name of the Steam mirror's players (`gamelake forget --product dota2 --player <account_id>`). */
export const STEAM_PRODUCT = 'dota2';

/** steamid64 = account_id + this. */
export const STEAMID64_BASE = 76561197960265728n;

/** account_id of a player who hides their match data. */
export const ANONYMOUS_ACCOUNT_ID = 4294967295;

export function steamId64(accountId: number): bigint {
  return BigInt(accountId) + STEAMID64_BASE;
}

/**
 * A Dota 2 player's account id from what a user gives: the 32-bit account id or the steamid64.
 * Throws a RangeError naming the value when it is neither.
 */
export function steamAccountId(id: string): number {
  const text = id.trim();
  if (!/^[0-9]{1,20}$/.test(text)) throw new RangeError(`"${id}" is not a Steam account id (digits: the 32-bit account id or the steamid64)`);
  const n = BigInt(text);
  const account = n >= STEAMID64_BASE ? n - STEAMID64_BASE : n;
  if (account <= 0n || account >= BigInt(ANONYMOUS_ACCOUNT_ID)) throw new RangeError(`"${id}" is not a Steam account id (the account id is 1..${ANONYMOUS_ACCOUNT_ID - 1})`);
  return Number(account);
}

export function accountIdOf(steamid64: string | bigint): number {
  return Number(BigInt(steamid64) - STEAMID64_BASE);
}

/** Bit 7 of player_slot set means Dire (128..132); 0..4 is Radiant. */
export function sideOfSlot(playerSlot: number): 'radiant' | 'dire' {
  return (playerSlot & 0x80) !== 0 ? 'dire' : 'radiant';
}

/** picks_bans `team`: 0 Radiant, 1 Dire. */
export function sideOfTeam(team: number): 'radiant' | 'dire' {
  return team === 1 ? 'dire' : 'radiant';
}
