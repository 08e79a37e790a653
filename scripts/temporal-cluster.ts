// scripts/temporal-cluster build|up|down [--dir DIR]
//   build  go install the Temporal server and its SQL tool (the release docker-compose.yml pins) into .tools/bin
//   up     start PostgreSQL and the Temporal server on free ports; print TEMPORAL_ADDRESS=...
//   down   stop them
// The cluster lives in DIR (default .gamelake/cluster): PostgreSQL's data, the server's config and log.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildTemporalServer, startCluster, stopCluster } from '../platform/server/temporal-cluster.ts';
import { PROJECT_ROOT } from '../platform/server/temporal-cli.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
const command = positionals[0];
const usage = 'usage: scripts/temporal-cluster build|up|down [--dir DIR]   (default DIR: .gamelake/cluster)';
if (values.help || !command || !['build', 'up', 'down'].includes(command)) {
  process.stdout.write(`${usage}\n`);
  process.exit(values.help ? 0 : 2);
}
const dir = path.resolve(values.dir ?? path.join(PROJECT_ROOT, '.gamelake', 'cluster'));
const log = (line: string) => process.stderr.write(`${line}\n`);
try {
  if (command === 'build') buildTemporalServer(log);
  else if (command === 'up') {
    buildTemporalServer(log);
    const cluster = await startCluster(dir, {
      log,
    });
    process.stdout.write(`TEMPORAL_ADDRESS=${cluster.address}\n`);
  } else await stopCluster(dir);
  process.exit(0);
} catch (err) {
  process.stderr.write(`temporal-cluster ${command}: ${(err as Error).message}\n`);
  process.exit(1);
}
