/**
 * One error class per failure kind. Each message names its context (a file, an address, a flag)
 * and keeps the underlying `cause`, so the CLI can print one line and a debugger can see the rest.
 */
export class GamelakeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A command line that cannot be acted on: unknown flag, missing argument, bad value. */
export class UsageError extends GamelakeError {}

/** An environment variable holds a value gamelake cannot use. */
export class ConfigError extends GamelakeError {}

/** No `temporal` binary could be found, built or downloaded. */
export class TemporalCliNotFoundError extends GamelakeError {}

/** The embedded Temporal dev server did not start or did not become reachable. */
export class DevServerError extends GamelakeError {}

/** A Temporal server address could not be reached. */
export class TemporalUnreachableError extends GamelakeError {}
