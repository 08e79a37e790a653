import { ConfigError } from '../platform/errors.ts';

/** What a request to the collector did wrong or met; each kind is one HTTP status. */
export class CollectorRequestError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(status: number, message: string, options?: { cause?: unknown; headers?: Record<string, string> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = status;
    this.headers = options?.headers ?? {};
  }
}

/** 400: a body that cannot be read at all (broken gzip, not text, not NDJSON or a JSON array, empty). */
export class UnreadableBodyError extends CollectorRequestError {
  constructor(message: string, cause?: unknown) {
    super(400, message, { cause });
  }
}

/** 401: no key, or a key the collector does not know. */
export class UnauthorizedError extends CollectorRequestError {
  constructor(message: string) {
    super(401, message, { headers: { 'www-authenticate': 'Bearer realm="gamelake"' } });
  }
}

/** 413: a body over the limit, counted after decompression while it inflates. */
export class BodyTooLargeError extends CollectorRequestError {
  constructor(limitBytes: number) {
    super(413, `body over the limit of ${limitBytes} bytes (after decompression)`);
  }
}

/** 415: a content type or encoding the collector does not read. */
export class UnsupportedMediaError extends CollectorRequestError {
  constructor(message: string) {
    super(415, message);
  }
}

/** 429: the spool is over its limit; the client should retry after the given seconds. */
export class SpoolFullError extends CollectorRequestError {
  constructor(depthBytes: number, limitBytes: number, retryAfterSeconds: number) {
    super(429, `the spool holds ${depthBytes} bytes, over its limit of ${limitBytes}: retry after ${retryAfterSeconds} s`, {
      headers: { 'retry-after': String(retryAfterSeconds) },
    });
  }
}

/** 503: the collector is shutting down. */
export class ShuttingDownError extends CollectorRequestError {
  constructor() {
    super(503, 'the collector is shutting down: retry against another one, or in a moment', { headers: { 'retry-after': '5' } });
  }
}

/** A write key setting that cannot be used (GAMELAKE_WRITE_KEYS), or a host that needs keys. */
export class CollectorConfigError extends ConfigError {}

/** Another live process writes this spool folder. */
export class SpoolBusyError extends ConfigError {}
