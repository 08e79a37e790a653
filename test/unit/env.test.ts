import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../platform/env.ts';

describe('loadConfig', () => {
  const cwd = '/srv/app';
  it.each([
    [{}, { dataDir: '/srv/app/.gamelake', temporalAddress: undefined, namespace: 'default', taskQueue: 'gamelake', uiUrl: 'http://localhost:8233', uiPort: 8233 }],
    [{ GAMELAKE_DATA_DIR: 'data' }, { dataDir: path.join(cwd, 'data') }],
    [{ GAMELAKE_DATA_DIR: '/abs/dir' }, { dataDir: '/abs/dir' }],
    [{ TEMPORAL_ADDRESS: 'temporal:7233' }, { temporalAddress: 'temporal:7233' }],
    [{ TEMPORAL_ADDRESS: '  ' }, { temporalAddress: undefined }],
    [
      { TEMPORAL_NAMESPACE: 'games', GAMELAKE_TASK_QUEUE: 'q1' },
      { namespace: 'games', taskQueue: 'q1' },
    ],
    [{ TEMPORAL_UI_URL: 'http://ui.local:9000/' }, { uiUrl: 'http://ui.local:9000', uiPort: 9000 }],
    [{ TEMPORAL_UI_URL: 'https://temporal.example.com' }, { uiUrl: 'https://temporal.example.com', uiPort: 443 }],
  ])('%j', (env, expected) => {
    expect(loadConfig(env, cwd)).toMatchObject(expected);
  });

  it.each([
    [{ TEMPORAL_ADDRESS: 'localhost' }, 'TEMPORAL_ADDRESS=localhost is not host:port'],
    [{ TEMPORAL_ADDRESS: 'http://x:1' }, 'TEMPORAL_ADDRESS=http://x:1 is not host:port'],
    [{ TEMPORAL_UI_URL: 'localhost:8233x' }, 'TEMPORAL_UI_URL=localhost:8233x is not an http(s) URL'],
    [{ TEMPORAL_UI_URL: 'nope' }, 'TEMPORAL_UI_URL=nope is not an http(s) URL'],
  ])('rejects %j', (env, message) => {
    expect(() => loadConfig(env, cwd)).toThrow(message);
  });
});
