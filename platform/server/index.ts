/** The embedded Temporal dev server and the `temporal` binary it runs. */
export * from './dev-server.ts';
export * from './temporal-cli.ts';
export * from './redis-server.ts';
