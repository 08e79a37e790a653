#!/usr/bin/env node
// The `gamelake` command. gamelake is TypeScript run by Node's type stripping (Node >= 24).
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(`gamelake: needs Node >= 24 (this is ${process.version}); run it through npm (npx gamelake), which puts the project's Node 24 first\n`);
  process.exit(1);
}
await import('../cli/main.ts');
