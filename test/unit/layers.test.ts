import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * The layers, bottom first: a folder may import from its own folder and from folders of lower layers
 * only. Folders on one line are siblings and do not import each other.
 */
const LAYERS: string[][] = [
  ['transforms'], // pure functions: contracts, validation, flattening, parsing, scoring
  ['lake'], // the lake on disk: layout, catalog, ingestion engine, compaction, Steam tables
  ['activities', 'warehouse', 'sim'], // Temporal activities; the DuckDB warehouse; the simulators
  ['workflows'], // durable workflows (activities as types only)
  ['platform'], // the worker (where everything is wired), the client side, the embedded server
  ['ui', 'collector'], // the gamelake UI; the live collector (HTTP, spool, shipper)
  ['cli'], // the command line
];
const LAYER_OF = new Map(LAYERS.flatMap((folders, level) => folders.map((f) => [f, level] as const)));

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|js)$/.test(e.name) && !e.parentPath.includes('node_modules') && !e.parentPath.includes(`${path.sep}static`))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)));
}

/** Relative imports of a file (static, re-exports, side-effect and dynamic), resolved to repository paths. */
function importsOf(file: string, source: string): string[] {
  const specs = [
    ...source.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s*['"]([^'"]+)['"]/gms),
    ...source.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
    ...source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]!);
  return specs.filter((s) => s.startsWith('.')).map((s) => path.normalize(path.join(path.dirname(file), s)));
}

const topOf = (file: string) => file.split(path.sep)[0]!;

const files = [...LAYER_OF.keys()].flatMap(sourceFiles);
const graph = new Map(files.map((f) => [f, importsOf(f, readFileSync(path.join(ROOT, f), 'utf8'))]));

describe('imports run downward only', () => {
  it('reads the imports it checks (the reader itself can fail)', () => {
    expect(
      importsOf('a/b.ts', "import { x } from '../c/d.ts';\nexport * from './e.ts';\nimport type {\n  Y,\n} from '../f.ts';\nconst z = await import('./g.ts');\nimport './h.ts';"),
    ).toEqual(['c/d.ts', 'a/e.ts', 'f.ts', 'a/h.ts', 'a/g.ts'].map(path.normalize));
    expect(files.length).toBeGreaterThan(100);
    expect([...graph.values()].flat().length).toBeGreaterThan(300);
  });

  it('no folder imports from a higher layer or from a sibling', () => {
    const wrong: string[] = [];
    for (const [file, imports] of graph) {
      const from = topOf(file);
      for (const target of imports) {
        const to = topOf(target);
        if (to === from || !LAYER_OF.has(to)) continue;
        if (LAYER_OF.get(to)! >= LAYER_OF.get(from)!) wrong.push(`${file} imports ${target} (${from} is not above ${to})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('no file imports itself through a loop', () => {
    const loops: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (file: string) => {
      state.set(file, 'open');
      stack.push(file);
      for (const next of graph.get(file) ?? []) {
        if (state.get(next) === 'open') loops.push([...stack.slice(stack.indexOf(next)), next].join(' -> '));
        else if (!state.has(next) && graph.has(next)) visit(next);
      }
      stack.pop();
      state.set(file, 'done');
    };
    for (const file of graph.keys()) if (!state.has(file)) visit(file);
    expect(loops).toEqual([]);
  });
});
