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
