import type { Command } from '../command.ts';
import { batchesCommand, batchesRetryCommand } from './batches.ts';
import { collectCommand } from './collect.ts';
import { consumeRedisCommand, consumeStatusCommand } from './consume.ts';
import { demoCommand } from './demo.ts';
import { devCommand } from './dev.ts';
import { ingestCommand } from './ingest.ts';
import { quarantineReplayCommand } from './quarantine.ts';
import { forgetCommand } from './forget.ts';
import { lakeCompactCommand, lakeRetentionCommand, lakeStatusCommand } from './lake.ts';
import { martsBuildCommand, martsStatusCommand } from './marts.ts';
import { queryCommand, sqlCommand } from './query.ts';
import { simulateEventsCommand } from './simulate.ts';
import { steamMatchCommand, steamRefreshCommand, steamScanCommand, steamSweepCommand, steamTrackCommand } from './steam.ts';
import { steamSimCommand } from './steam-sim.ts';
import { temporalCliCommand } from './temporal-cli.ts';
import { uiCommand } from './ui.ts';
import { workerCommand } from './worker.ts';

/** Every `gamelake` subcommand, in the order `gamelake --help` lists them. */
export const COMMANDS: Command[] = [
  devCommand,
  workerCommand,
  demoCommand,
  simulateEventsCommand,
  ingestCommand,
  collectCommand,
  consumeRedisCommand,
  consumeStatusCommand,
  batchesCommand,
  batchesRetryCommand,
  lakeStatusCommand,
  lakeCompactCommand,
  lakeRetentionCommand,
  quarantineReplayCommand,
  forgetCommand,
  martsBuildCommand,
  martsStatusCommand,
  steamTrackCommand,
  steamScanCommand,
  steamSweepCommand,
  steamRefreshCommand,
  steamMatchCommand,
  steamSimCommand,
  queryCommand,
  sqlCommand,
  uiCommand,
  temporalCliCommand,
];
