import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveTemporalCli } from '../../platform/server/temporal-cli.ts';

function fakeBinary(dir: string, name = 'temporal'): string {
  const file = path.join(dir, name);
  writeFileSync(file, '#!/bin/sh\necho fake\n');
  chmodSync(file, 0o755);
  return file;
}

describe('resolveTemporalCli', () => {
  it('prefers TEMPORAL_CLI_PATH over PATH', async () => {
    const a = mkdtempSync(path.join(os.tmpdir(), 'cli-a-'));
    const b = mkdtempSync(path.join(os.tmpdir(), 'cli-b-'));
    const explicit = fakeBinary(a, 'my-temporal');
    fakeBinary(b);
    expect(await resolveTemporalCli({ explicitPath: explicit, searchPath: b })).toEqual({ path: explicit, source: 'TEMPORAL_CLI_PATH' });
  });

  it('finds temporal on PATH, skipping directories without it', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'cli-empty-'));
    const b = mkdtempSync(path.join(os.tmpdir(), 'cli-b-'));
    const onPath = fakeBinary(b);
    expect(await resolveTemporalCli({ searchPath: `${empty}:${b}` })).toEqual({ path: onPath, source: 'PATH' });
  });

  it('rejects a TEMPORAL_CLI_PATH that is not executable, naming it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cli-x-'));
    const file = path.join(dir, 'temporal');
    writeFileSync(file, 'not executable');
    await expect(resolveTemporalCli({ explicitPath: file })).rejects.toThrow(`TEMPORAL_CLI_PATH=${file} is not an executable file`);
  });
});
