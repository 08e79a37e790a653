// The bottom layer: pure functions and data definitions, importing nothing of gamelake's above it.
export * from './errors.ts';
export * from './contract/model.ts';
export { parseContract, buildRegistry, rowColumns } from './contract/parse.ts';
export { rowPlan, isScalarElement, type RowPlan, type ChildPlan, type ScalarSlot } from './contract/plan.ts';
export * from './tables.ts';
export { parseJson, stringifyJson, jsonDepth, JsonNumber, isJsonObject, type JsonValue, type JsonObject } from './json/parse.ts';
export { isSecretKey, scrubSecrets, maskSecrets, REDACTED } from './secrets.ts';
export {
  validateLine,
  readScalar,
  parseTimestamp,
  utcDate,
  Instant,
  type ValidEvent,
  type RejectedLine,
  type ValidationResult,
  type Typed,
  type TypedObject,
  type TypedScalar,
} from './validate.ts';
export { flattenEvent, type Cell, type Row, type Emit } from './flatten.ts';
export { fileStamp, openSegmentName, closedSegmentName, segmentTimes, type SegmentTimes } from './segment-name.ts';
export { parseRetention, retentionCut, monthExpired, retentionByTable, expiredProducts } from './retention.ts';
export { playerColumns, holdsId } from './erasure.ts';
