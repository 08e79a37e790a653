import path from 'node:path';
import { UsageError } from '../../platform/errors.ts';
import { GAMES, simulateEvents, type Game } from '../../sim/events/simulate.ts';
import { defineCommand, intFlag, progress, type ParsedArgs } from '../command.ts';

function rate(values: ParsedArgs['values'], name: string): number {
  const raw = values[name];
  if (raw === undefined) return 0;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`--${name}=${String(raw)} is not a fraction between 0 and 1`);
  return n;
}

export const simulateEventsCommand = defineCommand({
  path: ['simulate', 'events'],
  usage: 'simulate events --game exrps|trade-engine|placebo|all --players N --events N --seed S [--bad-rate F] [--cheat-rate F] [--batches K] --out DIR',
  summary: 'Write NDJSON batch files of realistic game events, deterministic for a seed.',
  help: `
Options:
  --game G          exrps, trade-engine, placebo, or all (the three merged in time order)
  --players N       players (trade-engine, exrps) or users (placebo)
  --events N        trade-engine: trade events (player_created and player_state come on top);
                    exrps and placebo: events in all
  --seed S          same seed, same files
  --bad-rate F      share of good events followed by a malformed line (broken JSON, missing or
                    mistyped fields, unknown types, future timestamps, duplicate event ids,
                    oversized lines); default 0
  --cheat-rate F    trade-engine: share of deliberately lopsided trades; default 0
  --batches K       number of files, contiguous slices of the timeline; default 1
  --out DIR         output directory; also gets truth.json, the ground truth for each file

Example: gamelake simulate events --game trade-engine --players 1000 --events 10000 --seed 1 --out batches/`,
  options: {
    game: { type: 'string' },
    players: { type: 'string' },
    events: { type: 'string' },
    seed: { type: 'string' },
    'bad-rate': { type: 'string' },
    'cheat-rate': { type: 'string' },
    batches: { type: 'string' },
    out: { type: 'string' },
  },
  async run({ values }) {
    const game = values.game as string | undefined;
    if (!game || !(game === 'all' || (GAMES as readonly string[]).includes(game))) {
      throw new UsageError(`--game must be one of ${[...GAMES, 'all'].join(', ')}${game ? ` (got ${game})` : ''}`);
    }
    if (typeof values.out !== 'string') throw new UsageError('--out DIR is required');
    if (typeof values.seed !== 'string') throw new UsageError('--seed S is required');
    const started = Date.now();
    const truth = await simulateEvents({
      game: game as Game | 'all',
      players: intFlag(values, 'players', undefined, 1),
      events: intFlag(values, 'events', undefined, 0),
      seed: values.seed,
      badRate: rate(values, 'bad-rate'),
      cheatRate: rate(values, 'cheat-rate'),
      batches: intFlag(values, 'batches', 1, 1),
      outDir: path.resolve(values.out),
      progress,
    });
    for (const b of truth.batches) {
      const rejected = Object.values(b.rejected).reduce((s, n) => s + n, 0);
      process.stdout.write(`${path.join(path.resolve(values.out), b.file)}\t${b.lines} lines\t${b.good} good\t${rejected} bad\t${b.duplicates} duplicates\n`);
    }
    progress(`simulated in ${((Date.now() - started) / 1000).toFixed(1)} s; ground truth in ${path.join(values.out, 'truth.json')}`);
    return 0;
  },
});
