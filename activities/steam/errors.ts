import { GamelakeError } from '../../transforms/errors.ts';

/** Every Steam call failure names the endpoint's URL (with the key removed) and keeps the cause. */
export class SteamCallError extends GamelakeError {
  readonly url: string;
  constructor(message: string, url: string, options?: { cause?: unknown }) {
    super(`${message} (${url})`, options);
    this.url = url;
  }
}

/** HTTP 429: rate limited; retried after Retry-After (or backoff). Ignoring these gets an IP blocked. */
export class SteamRateLimitedError extends SteamCallError {
  readonly retryAfterMs: number | undefined;
  constructor(url: string, retryAfterMs: number | undefined) {
    super(`Steam answered 429 Too Many Requests${retryAfterMs !== undefined ? `, retry after ${retryAfterMs} ms` : ''}`, url);
    this.retryAfterMs = retryAfterMs;
  }
}

/** HTTP 5xx, or a connection failure: transient, retried with backoff. */
export class SteamUnavailableError extends SteamCallError {}

/** No answer within the per-call timeout: transient, retried. */
export class SteamTimeoutError extends SteamCallError {}

/** HTTP 401/403: a bad or missing STEAM_API_KEY (or an IP block). Retrying will not help: fails fast. */
export class SteamAuthError extends SteamCallError {}

/** HTTP 404 or another 4xx: the endpoint is gone or the request is wrong. Not retried. */
export class SteamRequestError extends SteamCallError {}
