import { loadConfig } from '../../platform/env.ts';
import { resolveTemporalCli, temporalCliVersion } from '../../platform/server/temporal-cli.ts';
import { defineCommand, progress } from '../command.ts';

export const temporalCliCommand = defineCommand({
  path: ['temporal-cli'],
  usage: 'temporal-cli',
  summary: 'Find (or build once) the `temporal` binary and print its path.',
  help: `
Looks in this order: TEMPORAL_CLI_PATH; \`temporal\` on PATH; the project-local build in
.tools/bin (built with \`go install github.com/temporalio/cli/cmd/temporal@v1.5.1\` the first
time, which takes several minutes; Go's cache makes later builds quick); the Temporal SDK's
download (machines with internet access). Prints the path on stdout, progress on stderr.

Example:  "$(npx gamelake temporal-cli)" workflow list --address 127.0.0.1:7233`,
  async run() {
    const config = loadConfig();
    const cli = await resolveTemporalCli({ explicitPath: config.temporalCliPath, searchPath: process.env.PATH, log: progress });
    progress(`temporal: ${temporalCliVersion(cli.path)} (from ${cli.source})`);
    process.stdout.write(`${cli.path}\n`);
    return 0;
  },
});
