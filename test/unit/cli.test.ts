import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../cli/commands/index.ts';

const GAMELAKE = path.resolve(import.meta.dirname, '../../bin/gamelake.js');
const run = (...args: string[]) => spawnSync(process.execPath, [GAMELAKE, ...args], { encoding: 'utf8', timeout: 60_000 });
const runIn = (dataDir: string, ...args: string[]) =>
  spawnSync(process.execPath, [GAMELAKE, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, GAMELAKE_DATA_DIR: dataDir } });

describe('gamelake CLI', () => {
  it('lists every command in --help', () => {
    const result = run('--help');
    expect(result.status).toBe(0);
    for (const command of COMMANDS) expect(result.stdout).toContain(command.path.join(' '));
  });

  it.each(COMMANDS.map((c) => [c.path.join(' '), c] as const))('`%s --help` prints usage and exits 0', (_name, command) => {
    const result = run(...command.path, '--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Usage: gamelake ${command.path.join(' ')}`));
  });

  it.each([
    [['frobnicate'], 'gamelake: unknown command "frobnicate" (see gamelake --help)'],
    [['dev', '--bogus'], "gamelake dev: Unknown option '--bogus' (see gamelake dev --help)"],
  ])('%j fails with one line and exit 2', (args, line) => {
    const result = run(...args);
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe(line);
  });

  it.each([
    ['lake', 'status'],
    ['marts', 'status'],
  ])('`%s %s` on a missing data directory says so and exits 1', (...command) => {
    const missing = path.join(os.tmpdir(), `gamelake-no-such-dir-${process.pid}`);
    const result = runIn(missing, ...command);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`gamelake ${command.join(' ')}: the data directory ${missing} does not exist (set GAMELAKE_DATA_DIR to the one gamelake writes)\n`);
  });

  it('`lake status` names a manifest that cannot be parsed, in one line', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gamelake-cli-'));
    mkdirSync(path.join(dir, 'lake', '_manifests'), { recursive: true });
    writeFileSync(path.join(dir, 'lake', '_manifests', 'zz.json'), 'x\n');
    const result = runIn(dir, 'lake', 'status');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^gamelake lake status: ${path.join(dir, 'lake', '_manifests', 'zz.json')} is not a readable batch manifest: .*\\n$`));
  });
});
