import { GamelakeError, UsageError } from '../platform/errors.ts';
import { helpText, parseCommandArgs, type Command } from './command.ts';
import { COMMANDS } from './commands/index.ts';

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.path.join(' ').length));
  const lines = COMMANDS.map((c) => `  ${c.path.join(' ').padEnd(width)}  ${c.summary}`);
  return `Usage: gamelake <command> [options]\n\ngamelake moves game data (Steam Web API, event batches) into a Parquet lake and a DuckDB\nwarehouse through durable Temporal workflows.\n\nCommands:\n${lines.join('\n')}\n\nRun \`gamelake <command> --help\` for a command's options. Environment variables: see README.\n`;
}

/** The command whose words are the longest prefix of argv. */
function findCommand(argv: string[]): { command: Command; rest: string[] } | undefined {
  const matches = COMMANDS.filter((c) => c.path.every((word, i) => argv[i] === word));
  const best = matches.sort((a, b) => b.path.length - a.path.length)[0];
  return best ? { command: best, rest: argv.slice(best.path.length) } : undefined;
}

/**
 * Flattens an error (and its causes) into the one line the CLI prints. A library's own message is often
 * generic ("Failed to start Workflow", "Workflow execution failed"): its causes say why, so they follow it.
 */
export function oneLine(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  let message = err.message.split('\n')[0]!;
  if (!(err instanceof GamelakeError) && err.name && err.name !== 'Error') message = `${err.name}: ${message}`;
  if (err instanceof GamelakeError) return message;
  const seen = new Set([message]);
  for (let cause = (err as { cause?: unknown }).cause, depth = 0; cause instanceof Error && depth < 4; cause = (cause as { cause?: unknown }).cause, depth++) {
    const text = cause.message.split('\n')[0]!.replace(/^\d+ [A-Z_]+: /, '');
    if (text && ![...seen].some((s) => s.includes(text))) message = `${message}: ${text}`;
    seen.add(text);
  }
  return message;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(overview());
    return argv.length === 0 ? 2 : 0;
  }
  const found = findCommand(argv);
  if (!found) {
    const group = COMMANDS.filter((c) => c.path[0] === argv[0]);
    if (group.length > 0 && (argv.length === 1 || argv[1]?.startsWith('-'))) {
      process.stdout.write(`Commands:\n${group.map((c) => `  gamelake ${c.usage}\n      ${c.summary}`).join('\n')}\n`);
      return argv.includes('--help') || argv.includes('-h') ? 0 : 2;
    }
    throw new UsageError(`unknown command "${argv.slice(0, 2).join(' ')}" (see gamelake --help)`);
  }
  const args = parseCommandArgs(found.command, found.rest);
  if (args.help) {
    process.stdout.write(helpText(found.command));
    return 0;
  }
  return found.command.run(args);
}

// A reader that stops early (`| head`) is not a failure.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const argv = process.argv.slice(2);
main(argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const words = findCommand(argv)?.command.path.join(' ');
    process.stderr.write(`gamelake${words ? ` ${words}` : ''}: ${oneLine(err)}\n`);
    if (process.env.GAMELAKE_DEBUG) console.error(err);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  },
);
