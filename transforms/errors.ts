/**
 * The base of gamelake's errors, in the bottom layer so every folder can use it. One subclass per failure
 * kind lives next to the code that raises it. Each message names its context (a file, a line, a URL) and
 * keeps the underlying `cause`, so the CLI can print one line and a debugger can see the rest.
 */
export class GamelakeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A contract file (contracts/<product>.yaml) that cannot be used: the message names the file and the field. */
export class ContractError extends GamelakeError {}
