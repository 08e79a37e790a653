import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { isLoopbackHost, requestGuard } from '../../ui/request-guard.ts';

function app(loopbackOnly: boolean) {
  const a = new Hono();
  a.use(requestGuard({ loopbackOnly }));
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
});
