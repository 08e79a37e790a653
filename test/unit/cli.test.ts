import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../cli/commands/index.ts';

const GAMELAKE = path.resolve(import.meta.dirname, '../../bin/gamelake.js');
const run = (...args: string[]) => spawnSync(process.execPath, [GAMELAKE, ...args], { encoding: 'utf8', timeout: 60_000 });

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
});
