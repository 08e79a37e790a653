import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { steamDir } from '../../lake/index.ts';
import { SteamAuthError } from './errors.ts';
import type { SteamEndpoint } from './client.ts';

/**
 * Which Steam keys were refused (401/403), by position (never by value), shared by every worker through
 * the lake (lake/steam/_keys.json): a key one worker saw refused is never used again by any.
 */
export interface KeyState {
  /** Position (1-based) -> when and why it was taken out of rotation. */
  revoked: Record<string, { at: string; reason: string }>;
}

const file = (lakeDir: string) => path.join(steamDir(lakeDir), '_keys.json');

let cache: { path: string; mtimeMs: number; state: KeyState } | undefined;

export function readKeyState(lakeDir: string): KeyState {
  const f = file(lakeDir);
  if (!existsSync(f)) return { revoked: {} };
  const mtimeMs = statSync(f).mtimeMs;
  if (cache && cache.path === f && cache.mtimeMs === mtimeMs) return cache.state;
  const state = JSON.parse(readFileSync(f, 'utf8')) as KeyState;
  cache = { path: f, mtimeMs, state };
  return state;
}

/** Takes key `position` out of rotation (atomically; a second worker doing the same is harmless). */
export function revokeKey(lakeDir: string, position: number, reason: string): void {
  const state = readKeyState(lakeDir);
  if (state.revoked[String(position)]) return;
  const next: KeyState = { revoked: { ...state.revoked, [String(position)]: { at: new Date().toISOString(), reason } } };
  mkdirSync(steamDir(lakeDir), { recursive: true });
  const tmp = `${file(lakeDir)}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(next, null, 2));
  renameSync(tmp, file(lakeDir));
}

export function revokedKeys(lakeDir: string): number[] {
  return Object.keys(readKeyState(lakeDir).revoked)
    .map(Number)
    .sort((a, b) => a - b);
}

/** Throws when key `position` of `count` is out of rotation (checked right before each call goes out). */
export function assertKeyInRotation(lakeDir: string, key: { position: number; count: number }, endpoint: SteamEndpoint): void {
  if (key.count <= 1) return;
  const refused = readKeyState(lakeDir).revoked[String(key.position)];
  if (refused) throw new SteamAuthError(`Steam key ${key.position} of ${key.count} ${OUT_OF_ROTATION} ${refused.at} (${refused.reason}); not used`, endpoint);
}

const OUT_OF_ROTATION = 'is out of rotation since';

/** The error assertKeyInRotation throws (a refusal seen before, not a new one). */
export function isOutOfRotation(err: Error): boolean {
  return err.message.includes(OUT_OF_ROTATION);
}
