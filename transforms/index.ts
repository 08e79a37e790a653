export * from './contract.ts';
export * from './tables.ts';
export { validateLine, redactSecrets, redactRawLine, parseRfc3339, checkField, type ValidEvent, type RejectedLine, type ValidationResult, type JsonObject } from './validate.ts';
export { flattenEvent, unknownFields, utcDate, WEAPONS, type Cell, type Emit } from './flatten.ts';
