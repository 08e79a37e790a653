#!/usr/bin/env node
// The `gamelake` command. gamelake is TypeScript run by Node's type stripping (Node >= 24).
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(`gamelake: needs Node >= 24 (this is ${process.version}); run it through npm (npx gamelake), which puts the project's Node 24 first\n`);
  process.exit(1);
}
// DuckDB's calls wait on libuv's pool (4 threads unless told): the UI runs up to 2 ad-hoc queries and 4 page
// sessions at once, next to the file system's own work. Read once, at the pool's first use: set it first.
process.env.UV_THREADPOOL_SIZE ??= '16';
await import('../cli/main.ts');
