import { loadConfig } from '../../platform/env.ts';
import { UsageError } from '../../platform/errors.ts';
import { startForget } from '../../platform/client/jobs.ts';
import { connectClient, hasWorkers, workflowUrl } from '../../platform/client/session.ts';
import type { ForgetResult } from '../../workflows/index.ts';
import { defineCommand, progress } from '../command.ts';
import { steamAccountId, STEAM_PRODUCT } from '../../transforms/steam/ids.ts';

export const forgetCommand = defineCommand({
  path: ['forget'],
  usage: 'forget --product P --player ID [--wait]',
  summary: "Erase a player (GDPR article 17): their events out of the lake, the quarantine, the warehouse and the inbox's files.",
  help: `
Runs the forget workflow (its id: forget-<hash of the product and the id>; the id itself is not in it).
Every event of the product naming the player in a field its contract marks player: true (in any table:
a trade they are a side of goes whole) and every quarantined line holding the id are taken out: the
lake files holding them are rewritten in one catalog commit, the inbox's done/ and failed/ files, the
spools' closed and failed segments and replay batches are written again without those lines, the
warehouse is rebuilt in full and the replaced files are removed at once. The erasure log records when,
the product, a salted hash of the id and the rows removed per table (gamelake marts status, the UI).

--product dota2 erases a Steam account from the Steam mirror (--player: the account id or the
steamid64): their profile, match history and facts are removed; in the matches they played their slot
stays, as Valve shows a player who hides their data (anonymous: no account_id, no steamid64); a team
they administer loses its admin; raw responses about them are removed and their profile and id are
cut from the others; their tracking Schedule
(gamelake steam track) is deleted; the Dota marts are rebuilt. The mirror would fetch them again if a
sweep or another player's match history reached their profile: untracking stops the history.

Afterwards no file of the data directory holds the id, except this run's workflow history in Temporal,
which the server removes after the namespace's retention. A later batch carrying the player is ingested
normally (a new request is needed). Running it again is a no-op.

Options:
  --product P   the product (its contract) whose player this is
  --player ID   the player's id, as the product's events carry it
  --wait        wait and print what was removed`,
  options: { product: { type: 'string' }, player: { type: 'string' }, wait: { type: 'boolean' } },
  async run({ values }) {
    const product = values.product as string | undefined;
    const player = values.player as string | undefined;
    if (!product) throw new UsageError('give --product P (see gamelake forget --help)');
    if (!player?.trim()) throw new UsageError('give --player ID (see gamelake forget --help)');
    let id = player.trim();
    if (product === STEAM_PRODUCT) {
      try {
        // One erasure per account, whichever form was given.
        id = String(steamAccountId(id));
      } catch (err) {
        throw new UsageError(`--player: ${(err as Error).message}`);
      }
    }
    const config = loadConfig();
    const { client, connection } = await connectClient(config);
    try {
      if (!(await hasWorkers(client, config.taskQueue))) progress(`warning: no worker is polling task queue "${config.taskQueue}"`);
      const handle = await startForget(client, config.taskQueue, { product, player: id });
      progress(`forget: ${workflowUrl(config.uiUrl, config.namespace, handle.workflowId)}`);
      if (!values.wait) return 0;
      process.stdout.write(forgetText(await handle.result()));
      return 0;
    } finally {
      await connection.close();
    }
  },
});

/** What an erasure removed, as lines. */
export function forgetText(r: ForgetResult): string {
  if (r.steam) {
    if (!r.steam.record) return 'nothing of this player is in the Steam mirror: nothing changed\n';
    const lines = [`erased a Dota 2 player from the Steam mirror (erasure ${r.steam.record})`];
    for (const [table, n] of Object.entries(r.steam.rows).sort()) lines.push(`  steam ${table}: ${n.toLocaleString('en-US')} rows removed or anonymized`);
    if (r.steam.raw) lines.push(`  raw responses: ${r.steam.raw.toLocaleString('en-US')} scrubbed`);
    if (r.build) lines.push(`warehouse rebuilt in full (${(r.build.ms / 1000).toFixed(1)} s)`);
    return `${lines.join('\n')}\n`;
  }
  if (!r.lake?.record) return 'nothing of this player is in the data directory: nothing changed\n';
  const lines = [`erased ${r.lake.events.toLocaleString('en-US')} events (erasure ${r.lake.record})`];
  for (const [table, n] of Object.entries(r.lake.removed).sort()) lines.push(`  ${table}: ${n.toLocaleString('en-US')} rows removed`);
  for (const [place, n] of Object.entries(r.sources)) if (n > 0) lines.push(`  ${place} files: ${n.toLocaleString('en-US')} lines removed`);
  if (r.build) lines.push(`warehouse rebuilt in full (${(r.build.ms / 1000).toFixed(1)} s); ${r.vacuum?.removed.length ?? 0} replaced lake files removed`);
  return `${lines.join('\n')}\n`;
}
