export { startSteamSim, type SteamSim, type SteamSimOptions, type SteamSimStats } from './server.ts';
export { World, groundTruth, FIRST_SEQ, type GroundTruth, type WorldOptions } from './world.ts';
export { parseFaults, FaultSpecError, FAULT_KINDS, type FaultSpec } from './faults.ts';
export { ReplayStore, REPLAY_ENDPOINTS } from './replay.ts';
