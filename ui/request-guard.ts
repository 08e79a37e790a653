import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';

/**
 * Who may ask the UI anything. The UI answers on the operator's machine, so any web page the operator has
 * open could send it requests: a cross-site POST with `Content-Type: text/plain` needs no CORS preflight, and
 * a DNS-rebound name makes another site's page same-origin with it. So:
 * - a request must name the UI's own host (`Host`): on loopback, only localhost names and addresses, which a
 *   rebound name is not;
 *   beyond loopback, one of the names it was told (`hosts`), when told any;
 * - a request that changes or runs something (any method but GET and HEAD) must come from the UI's own pages
 *   or from a program: a browser's `Sec-Fetch-Site` must be same-origin (or none), and an `Origin`, when sent,
 *   must be the UI's own;
 * - with a token (required beyond loopback), every request carries it: `Authorization: Bearer <token>` from a
 *   program, or the cookie a browser got from the one-time login URL printed at start.
 */
export interface GuardOptions {
  loopbackOnly: boolean;
  /** Host names (with or without port) the UI answers to beyond loopback; empty: any. */
  hosts?: readonly string[];
  /** The UI's access token ($GAMELAKE_UI_TOKEN). */
  token?: string;
  /** A one-time login code: `/login/<code>` sets the token's cookie once, then the code is spent. */
  loginCode?: string;
}

export const TOKEN_COOKIE = 'gamelake_ui';

export function requestGuard(options: GuardOptions): MiddlewareHandler {
  let loginCode = options.loginCode;
  const hosts = new Set((options.hosts ?? []).map((h) => h.toLowerCase()));
  return async (c, next) => {
    const host = c.req.header('host') ?? '';
    if (options.loopbackOnly && !isLoopbackHost(host))
      return c.json({ error: { kind: 'forbidden', message: `the UI answers on loopback only, not to Host ${host || '(none)'}` } }, 403);
    if (!options.loopbackOnly && hosts.size > 0 && !hosts.has(host.toLowerCase()) && !hosts.has(host.toLowerCase().replace(/:\d+$/, '')))
      return c.json({ error: { kind: 'forbidden', message: `the UI does not answer to Host ${host || '(none)'} (see GAMELAKE_UI_HOSTS)` } }, 403);
    if (options.token) {
      const login = /^\/login\/([^/]+)$/.exec(c.req.path);
      if (login && c.req.method === 'GET') {
        if (!loginCode || !sameSecret(login[1]!, loginCode))
          return c.json({ error: { kind: 'unauthorized', message: 'this login link is spent or wrong: restart the UI for a new one, or send the token' } }, 401);
        loginCode = undefined;
        setCookie(c, TOKEN_COOKIE, options.token, { httpOnly: true, sameSite: 'Strict', path: '/', secure: c.req.url.startsWith('https:') });
        return c.redirect('/pipeline');
      }
      if (!carriesToken(c, options.token))
        return c.json(
          { error: { kind: 'unauthorized', message: 'the UI needs its token: Authorization: Bearer $GAMELAKE_UI_TOKEN, or open the login link printed at start' } },
          401,
          {
            'www-authenticate': 'Bearer realm="gamelake"',
          },
        );
    }
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const site = c.req.header('sec-fetch-site');
      const origin = c.req.header('origin');
      if ((site && site !== 'same-origin' && site !== 'none') || (origin !== undefined && !sameOrigin(origin, host)))
        return c.json(
          { error: { kind: 'forbidden', message: `cross-site ${c.req.method} refused (Origin ${origin ?? '(none)'}): send it from the UI's own pages or from a program` } },
          403,
        );
    }
    await next();
  };
}

function carriesToken(c: Context, token: string): boolean {
  const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
  const given = bearer ?? getCookie(c, TOKEN_COOKIE);
  return given !== undefined && sameSecret(given, token);
}

/** Compares secrets in constant time (their digests, so lengths leak nothing either). */
export function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** A fresh one-time login code. */
export function newLoginCode(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * Headers every answer carries: no framing (clickjacking), scripts and styles from the UI only (Plot's SVG
 * uses style attributes), no sniffing, no referrer leaving the UI.
 */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  c.header(
    'content-security-policy',
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
  );
  c.header('x-frame-options', 'DENY');
  c.header('x-content-type-options', 'nosniff');
  c.header('referrer-policy', 'no-referrer');
};

/** localhost, 127.0.0.0/8 and ::1, with or without a port. */
export function isLoopbackHost(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  return name === 'localhost' || name.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(name) || name === '::1';
}

function sameOrigin(origin: string, host: string): boolean {
  try {
    const u = new URL(origin);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host === host.toLowerCase();
  } catch {
    return false;
  }
}
