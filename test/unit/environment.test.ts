import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENT } from '../../platform/env.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SOURCE_DIRS = ['bin', 'cli', 'platform', 'workflows', 'activities', 'transforms', 'lake', 'warehouse', 'sim', 'ui', 'bench'];
/** Read from the system, not gamelake configuration. */
const SYSTEM = new Set(['PATH']);

function sourceFiles(): string[] {
  // A folder that does not exist fails here (readdirSync throws): the list cannot go stale silently.
  return SOURCE_DIRS.flatMap((dir) =>
    readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
      .filter((f) => /\.(ts|js)$/.test(f))
      .map((f) => path.join(ROOT, dir, f)),
  );
}

describe('environment variables', () => {
  const reads = new Map<string, string>();
  for (const file of sourceFiles()) {
    for (const m of readFileSync(file, 'utf8').matchAll(/process\.env(?:\.([A-Z_][A-Z0-9_]*)|\[['"]([A-Z0-9_]+)['"]\])/g)) {
      reads.set(m[1] ?? m[2]!, path.relative(ROOT, file));
    }
  }

  it('reads only variables listed in platform/env.ts ENVIRONMENT', () => {
    expect(reads.size).toBeGreaterThan(0);
    for (const [name, file] of reads) {
      if (SYSTEM.has(name)) continue;
      expect(Object.keys(ENVIRONMENT), `${file} reads ${name}`).toContain(name);
    }
  });

  it('documents every variable with its default in the README', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    for (const name of Object.keys(ENVIRONMENT)) expect(readme, name).toMatch(new RegExp(`\\| \`${name}\` \\|`));
  });
});
