export * from './ids.ts';
export * from './json.ts';
export * from './tables.ts';
export { MalformedSteamResponseError, rowCounts } from './values.ts';
export * from './parse-matches.ts';
export * from './parse-catalogue.ts';
