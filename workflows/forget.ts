import { ApplicationFailure, patched, proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities, EraseReport, VacuumReport } from '../activities/index.ts';
import type { SteamEraseReport } from '../lake/index.ts';
import { steamAccountId, STEAM_PRODUCT } from '../transforms/steam/ids.ts';
import type { BuildReport } from '../warehouse/build.ts';
import type { WarehouseActivities } from '../warehouse/activities.ts';
import { GAMELAKE_JOB } from './search-attributes.ts';
import { BOOKKEEPING_RETRY, BUILD_RETRY, LAKE_REWRITE_OPTIONS } from './common.ts';

const { eraseSources } = proxyActivities<Activities>({ startToCloseTimeout: '30 minutes', retry: BOOKKEEPING_RETRY });

const { eraseFromLake, eraseSteamPlayer } = proxyActivities<Activities>(LAKE_REWRITE_OPTIONS);

/** Runs started before a Dota 2 player could be erased replay as they ran (they went to eraseFromLake and failed: no contract). */
export const FORGET_STEAM_PATCH = 'forget-dota2-player';

const { buildWarehouse, vacuumLake } = proxyActivities<WarehouseActivities>({ startToCloseTimeout: '1 hour', heartbeatTimeout: '2 minutes', retry: BUILD_RETRY });

export interface ForgetInput {
  product: string;
  /** The player's id as the product's events carry it. Kept only in this run's history (removed after the namespace's retention). */
  player: string;
}

export interface ForgetResult {
  /** Lines removed from the inbox's files, the spools and replay batches. */
  sources: Record<string, number>;
  /** The erasure from the event lake (absent for a Dota 2 player, who lives in the Steam mirror). */
  lake?: EraseReport;
  /** The erasure from the Steam mirror (product dota2 only), with its erasure log entry when anything was there. */
  steam?: SteamEraseReport & { record?: string };
  /** The full build that took the player out of the marts (absent: nothing was erased). */
  build?: Pick<BuildReport, 'kind' | 'batches' | 'ms'>;
  /** The replaced lake files removed at once (they held the player's rows). */
  vacuum?: Pick<VacuumReport, 'removed' | 'kept' | 'busy'>;
}

/**
 * Erases a player (GDPR article 17): their events and quarantined lines out of the inbox's files, the
 * spools, the lake (one catalog commit, recorded in the erasure log with a salted hash of the id), then a
 * full warehouse build and the removal of the files that held them. Running it again is a no-op.
 */
export async function forgetWorkflow(input: ForgetInput): Promise<ForgetResult> {
  upsertSearchAttributes([{ key: GAMELAKE_JOB, value: 'forget' }]);
  if (input.product === STEAM_PRODUCT && patched(FORGET_STEAM_PATCH)) {
    // A Steam account: its profile, history and facts out of the mirror, its match slots anonymized, its
    // raw responses scrubbed, its tracking Schedule deleted; then the Dota marts rebuilt from what remains.
    let accountId: number;
    try {
      accountId = steamAccountId(input.player);
    } catch (err) {
      throw ApplicationFailure.nonRetryable((err as Error).message, 'InvalidPlayerId');
    }
    const steam = await eraseSteamPlayer({ accountId });
    if (!steam.record) return { sources: {}, steam };
    return { sources: {}, steam, build: buildSummary(await buildWarehouse({ full: true })) };
  }
  const sources = await eraseSources({ player: input.player });
  const lake = await eraseFromLake({ product: input.product, player: input.player, sources });
  if (!lake.record) return { sources, lake };
  const built = await buildWarehouse({ full: true });
  const vacuum = await vacuumLake({ now: true });
  return { sources, lake, build: buildSummary(built), vacuum: { removed: vacuum.removed, kept: vacuum.kept, busy: vacuum.busy } };
}

/** What a forget's result keeps of its build. */
function buildSummary(built: BuildReport): NonNullable<ForgetResult['build']> {
  return { kind: built.kind, batches: built.batches, ms: built.ms };
}
