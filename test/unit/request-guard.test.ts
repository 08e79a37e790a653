import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { isLoopbackHost, requestGuard, sameSecret, securityHeaders, type GuardOptions } from '../../ui/request-guard.ts';

function app(loopbackOnly: boolean, more: Partial<GuardOptions> = {}) {
  const a = new Hono();
  a.use(securityHeaders);
  a.use(requestGuard({ loopbackOnly, ...more }));
  a.get('/pipeline', (c) => c.text('pipeline'));
  a.all('/api/sql', (c) => c.text('ran'));
  return a;
}

async function ask(a: Hono, method: string, headers: Record<string, string>) {
  const r = await a.request('http://localhost:8234/api/sql', { method, headers, body: method === 'POST' ? 'SELECT 1' : undefined });
  return { status: r.status, body: await r.text() };
}

describe('the UI request guard', () => {
  it('refuses a cross-site POST, text/plain included (no preflight protects it), by Origin or Sec-Fetch-Site', async () => {
    const a = app(true);
    const evil = await ask(a, 'POST', { host: 'localhost:8234', origin: 'https://evil.example', 'content-type': 'text/plain' });
    expect(evil.status).toBe(403);
    expect(evil.body).toMatch(/cross-site POST refused \(Origin https:\/\/evil\.example\)/);
    expect((await ask(a, 'POST', { host: 'localhost:8234', 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await ask(a, 'POST', { host: 'localhost:8234', 'sec-fetch-site': 'same-site', origin: 'http://localhost:9999' })).status).toBe(403);
    expect((await ask(a, 'POST', { host: 'localhost:8234', origin: 'null' })).status).toBe(403);
  });

  it('lets the UI own pages and programs (no Origin) POST, and anyone GET on a loopback name', async () => {
    const a = app(true);
    expect(await ask(a, 'POST', { host: 'localhost:8234', origin: 'http://localhost:8234', 'sec-fetch-site': 'same-origin' })).toEqual({ status: 200, body: 'ran' });
    expect(await ask(a, 'POST', { host: '127.0.0.1:8234' })).toEqual({ status: 200, body: 'ran' });
    expect(await ask(a, 'GET', { host: '[::1]:8234' })).toEqual({ status: 200, body: 'ran' });
  });

  it('refuses a rebound DNS name on a loopback UI, and takes any Host when served beyond loopback', async () => {
    const rebound = await ask(app(true), 'GET', { host: 'evil.example:8234' });
    expect(rebound.status).toBe(403);
    expect(rebound.body).toMatch(/loopback only, not to Host evil\.example:8234/);
    expect((await ask(app(false), 'GET', { host: 'stats.studio.example:8234' })).status).toBe(200);
  });

  it('knows loopback names and addresses', () => {
    expect(['localhost', 'localhost:1', 'app.localhost', '127.0.0.1:80', '127.1.2.3', '[::1]:8234'].map(isLoopbackHost)).toEqual([true, true, true, true, true, true]);
    expect(['127.0.0.1.evil.example', 'localhost.evil.example', '10.0.0.1', '', '[::2]:1'].map(isLoopbackHost)).toEqual([false, false, false, false, false]);
  });

  it('beyond loopback: only the configured host names, and only with the token (bearer or the cookie of the one-time login link)', async () => {
    const token = 'a-token-of-24-characters';
    const a = app(false, { hosts: ['stats.studio.example'], token, loginCode: 'once' });
    const get = (p: string, headers: Record<string, string>) => a.request(`http://stats.studio.example:8234${p}`, { headers });
    expect((await get('/api/sql', { host: 'other.example:8234', authorization: `Bearer ${token}` })).status).toBe(403);
    const none = await get('/api/sql', { host: 'stats.studio.example:8234' });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="gamelake"');
    expect((await get('/api/sql', { host: 'stats.studio.example:8234', authorization: 'Bearer wrong-token-of-24-chars!' })).status).toBe(401);
    expect(await (await get('/api/sql', { host: 'stats.studio.example:8234', authorization: `Bearer ${token}` })).text()).toBe('ran');
    const login = await get('/login/once', { host: 'stats.studio.example:8234' });
    expect(login.status).toBe(302);
    expect(login.headers.get('location')).toBe('/pipeline');
    const cookie = login.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^gamelake_ui=a-token-of-24-characters; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(await (await get('/pipeline', { host: 'stats.studio.example:8234', cookie: cookie.split(';')[0]! })).text()).toBe('pipeline');
    // The link is spent after one use.
    expect((await get('/login/once', { host: 'stats.studio.example:8234' })).status).toBe(401);
  });

  it('sends a Content-Security-Policy, X-Frame-Options: DENY and nosniff with every answer, refusals included', async () => {
    for (const r of [
      await app(true).request('http://localhost/pipeline', { headers: { host: 'localhost' } }),
      await app(true).request('http://x/', { headers: { host: 'evil.example' } }),
    ]) {
      expect(r.headers.get('x-frame-options')).toBe('DENY');
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('content-security-policy')).toMatch(/default-src 'self'; script-src 'self';.*frame-ancestors 'none'/);
    }
  });

  it('compares secrets whole, whatever their lengths', () => {
    expect([sameSecret('abc', 'abc'), sameSecret('abc', 'abd'), sameSecret('abc', 'abcd'), sameSecret('', 'a')]).toEqual([true, false, false, false]);
  });
});
