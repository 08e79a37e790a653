import type { MiddlewareHandler } from 'hono';

/**
 * Who may ask the UI anything. The UI answers on the operator's machine, so any web page the operator has
 * open could send it requests: a cross-site POST with `Content-Type: text/plain` needs no CORS preflight, and
 * a DNS-rebound name makes another site's page same-origin with it. So:
 * - a request must name the UI's own host (`Host`): on loopback, only localhost names and addresses, which a
 *   rebound name is not;
 * - a request that changes or runs something (any method but GET and HEAD) must come from the UI's own pages
 *   or from a program: a browser's `Sec-Fetch-Site` must be same-origin (or none), and an `Origin`, when sent,
 *   must be the UI's own.
 */
export function requestGuard(options: { loopbackOnly: boolean }): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header('host') ?? '';
    if (options.loopbackOnly && !isLoopbackHost(host))
      return c.json({ error: { kind: 'forbidden', message: `the UI answers on loopback only, not to Host ${host || '(none)'}` } }, 403);
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
