export * from './ids.ts';
export * from './json.ts';
export * from './tables.ts';
export * from './parse.ts';
