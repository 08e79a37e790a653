import { GamelakeError } from '../transforms/errors.ts';

/** The gate is full (every slot running, its queue at its bound): answered 503 with Retry-After. */
export class GateFullError extends GamelakeError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super(message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A request left (or the server stopped) while it waited for a slot. */
export class GateCancelledError extends GamelakeError {}

export interface GateOptions {
  /** What the gate guards, for messages ("SQL queries"). */
  name: string;
  /** How many may run at once. */
  running: number;
  /** How many may wait for a slot; one more is refused at once. */
  queued: number;
}

/**
 * Bounds how many sessions run at once, with a bounded queue in front. A session starts only when it has a
 * slot, so its time limit counts from when it really runs; a waiter whose signal aborts leaves the queue.
 */
export class QueryGate {
  #running = 0;
  readonly #waiting: Array<{ start: () => void }> = [];

  readonly options: GateOptions;

  constructor(options: GateOptions) {
    this.options = options;
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  async run<T>(signal: AbortSignal | undefined, task: () => Promise<T>): Promise<T> {
    await this.#acquire(signal);
    try {
      return await task();
    } finally {
      this.#running -= 1;
      this.#waiting.shift()?.start();
    }
  }

  #acquire(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(new GateCancelledError(`the request for ${this.options.name} was cancelled before it started`));
    if (this.#running < this.options.running) {
      this.#running += 1;
      return Promise.resolve();
    }
    if (this.#waiting.length >= this.options.queued)
      return Promise.reject(
        new GateFullError(`busy: ${this.#running} ${this.options.name} running and ${this.#waiting.length} waiting (the most this server takes); try again shortly`, 1),
      );
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        start: () => {
          signal?.removeEventListener('abort', leave);
          this.#running += 1;
          resolve();
        },
      };
      const leave = () => {
        const at = this.#waiting.indexOf(waiter);
        if (at >= 0) this.#waiting.splice(at, 1);
        reject(new GateCancelledError(`the request for ${this.options.name} was cancelled while it waited`));
      };
      signal?.addEventListener('abort', leave, { once: true });
      this.#waiting.push(waiter);
    });
  }
}
