import type { Command } from '../command.ts';
import { demoCommand } from './demo.ts';
import { devCommand } from './dev.ts';
import { ingestCommand } from './ingest.ts';
import { martsBuildCommand } from './marts.ts';
import { queryCommand, sqlCommand } from './query.ts';
import { simulateEventsCommand } from './simulate.ts';
import { steamScanCommand, steamSweepCommand, steamTrackCommand } from './steam.ts';
import { steamSimCommand } from './steam-sim.ts';
import { temporalCliCommand } from './temporal-cli.ts';
import { workerCommand } from './worker.ts';

/** Every `gamelake` subcommand, in the order `gamelake --help` lists them. */
export const COMMANDS: Command[] = [devCommand, workerCommand, demoCommand, simulateEventsCommand, ingestCommand, martsBuildCommand, steamTrackCommand, steamScanCommand, steamSweepCommand, steamSimCommand, queryCommand, sqlCommand, temporalCliCommand];
