import { GamelakeError } from '../transforms/errors.ts';

export { GamelakeError, ContractError } from '../transforms/errors.ts';

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
