import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { UsageError } from '../platform/errors.ts';

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/** One `gamelake` subcommand: its words, help text, flags and what it does. */
export interface Command {
  /** Words after `gamelake`, e.g. ['steam', 'track']. */
  path: string[];
  summary: string;
  /** Full --help text after the usage line. */
  help: string;
  usage: string;
  options?: ParseArgsOptionsConfig;
  positionals?: boolean;
  /** Resolves to the process exit code. */
  run(args: ParsedArgs): Promise<number>;
}

export function defineCommand(command: Command): Command {
  return command;
}

/** Parses a command's flags strictly; unknown flags and missing values become UsageErrors. */
export function parseCommandArgs(command: Command, argv: string[]): ParsedArgs & { help: boolean } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: command.positionals ?? false,
      strict: true,
    });
    return { values, positionals, help: values.help === true };
  } catch (err) {
    const message = (err as Error).message.split('\n')[0]!.replace(/\. To specify a positional.*$/, '');
    throw new UsageError(`${message} (see gamelake ${command.path.join(' ')} --help)`, { cause: err });
  }
}

export function helpText(command: Command): string {
  return `Usage: gamelake ${command.usage}\n\n${command.summary}\n\n${command.help.trim()}\n`;
}

/** Progress goes to stderr so stdout stays clean for results (--json, csv, arrow). */
export function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Integer flag value with a clear error. */
export function intFlag(values: ParsedArgs['values'], name: string, fallback?: number, min = 0): number {
  const raw = values[name];
  if (raw === undefined) {
    if (fallback === undefined) throw new UsageError(`--${name} is required`);
    return fallback;
  }
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name}=${String(raw)} is not an integer >= ${min}`);
  return n;
}
