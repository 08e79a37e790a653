export { createSteamClient, STEAM_ENDPOINTS, type SteamClient, type SteamClientOptions, type SteamEndpoint } from './client.ts';
export * from './errors.ts';
export { createSteamFetchActivities, toActivityFailure, type SteamFetchActivities, type SteamFetchDeps } from './fetch.ts';
export {
  planSweep,
  scanResumePoint,
  newestKnownMatch,
  recordSweep,
  matchRuns,
  callsOf,
  openSteamState,
  STEAM_ENTITIES,
  type EntityCount,
  type SweepWork,
  type SweepPlan,
  type SweepRecord,
  type SteamEntity,
} from './plan.ts';
export { assertKeyInRotation, readKeyState, revokedKeys, type KeyState } from './keys.ts';
export { locateMatch, playerSnapshots, readScanState, readScanStates, SCANS, type MatchLocation, type PlayerSnapshot, type ScanName, type ScanState } from './mirror.ts';
