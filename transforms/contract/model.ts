/**
 * A game's event contract as gamelake holds it after reading `contracts/<product>.yaml`: its event types,
 * their fields (types, ranges, allowed values), which nested lists become child tables and which keys are
 * secrets. Validation (the TypeScript specification), the DuckDB ingestion SQL, the lake's table
 * definitions and the simulator's bad lines are all derived from this one model.
 */

/**
 * Scalar types, as producers may spell them (shared/reference/game-events.md, "How producers spell scalars"):
 * - `string`: a JSON string.
 * - `id` (and its alias `label`): a JSON string or a JSON integer literal, stored as text (`33` and `"33"` are equal).
 * - `int`: a whole number in 32-bit range (JSON number, or a string holding one when `numeric_strings`).
 * - `bigint`: an integer literal in 64-bit range (or such a string when `numeric_strings`), stored exactly.
 * - `number`: a finite double (JSON number, or a string holding one when `numeric_strings`).
 * - `bool`: true or false.
 * - `timestamp`: an RFC 3339 string with an offset, at most microsecond precision; stored as a UTC instant.
 */
export type ScalarType = 'string' | 'id' | 'int' | 'bigint' | 'number' | 'bool' | 'timestamp';

export const SCALAR_TYPES: readonly ScalarType[] = ['string', 'id', 'int', 'bigint', 'number', 'bool', 'timestamp'];

/** DuckDB type of each scalar type's column. */
export const DUCKDB_TYPE: Readonly<Record<ScalarType, string>> = {
  string: 'VARCHAR',
  id: 'VARCHAR',
  int: 'INTEGER',
  bigint: 'BIGINT',
  number: 'DOUBLE',
  bool: 'BOOLEAN',
  timestamp: 'TIMESTAMPTZ',
};

export const INT32 = { min: -2147483648, max: 2147483647 } as const;
export const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n } as const;

/** Constraints a scalar value must meet. */
export interface ScalarSpec {
  type: ScalarType;
  /** Numbers: inclusive bounds. */
  min?: number;
  max?: number;
  /** Strings and ids given as strings: length in characters (Unicode code points). */
  minLength?: number;
  maxLength?: number;
  /** Strings: the accepted values. */
  oneOf?: readonly string[];
  /** Numbers: a string holding a number is accepted (and counted as a coercion). */
  numericStrings: boolean;
}

interface FieldBase {
  /** The JSON key. */
  name: string;
  /** Absent or null fails with missing_field:<path> when required. */
  required: boolean;
  description: string;
}

export interface ScalarField extends FieldBase, ScalarSpec {
  kind: 'scalar';
  /** Lake column name (default: the key). */
  column: string;
  /** Value stored when the field is absent (optional fields only). */
  default?: string | number | boolean;
  /** Validated, never stored (a password). */
  secret: boolean;
  /** Holds one of the product's player (or user) ids: `gamelake forget` finds a player's events by it. */
  player?: boolean;
}

export interface ObjectField extends FieldBase {
  kind: 'object';
  /** Its scalar fields become columns of the parent row; its lists become child tables. */
  fields: Field[];
}

export interface ListField extends FieldBase {
  kind: 'list';
  minItems?: number;
  maxItems?: number;
  /** Elements are objects (fields) or scalars (one column). */
  element: { kind: 'object'; fields: Field[] } | ({ kind: 'scalar'; column: string } & ScalarSpec);
  /** The child table: one row per element. */
  table: string;
  /** Column holding the element's position (0-based). */
  index: string;
  /** Columns of the parent row copied into every child row. */
  carry: string[];
}

export type Field = ScalarField | ObjectField | ListField;

export interface EventType {
  name: string;
  description: string;
  /** The product's table one row per event goes to (absent: only the `events` row). */
  table: string | undefined;
  fields: Field[];
}

/** A retention period as written in a contract: days, weeks, calendar months or years. */
export interface Retention {
  /** As written (`400d`), for messages and status. */
  text: string;
  amount: number;
  unit: 'd' | 'w' | 'mo' | 'y';
}

export interface TableInfo {
  description: string;
  /** How long the table's rows are kept (`retention: 90d`); absent: the product's. */
  retention?: Retention;
}

export type SchemaMode = 'freeze' | 'evolve';

export interface ProductContract {
  product: string;
  /** The file it came from (named in errors). */
  file: string;
  description: string;
  /**
   * `freeze`: an event type the contract does not name is quarantined as unknown_event_type.
   * `evolve`: it is accepted into the generic `events` table with its payload kept as JSON in `extra`.
   */
  mode: SchemaMode;
  /** Keys whose values are secrets for this product (matched case-insensitively, at any depth). */
  secretKeys: string[];
  /** Descriptions of the tables the contract's events write. */
  tables: Map<string, TableInfo>;
  /** How long the product's rows are kept (`retention: 400d`); absent: for ever. */
  retention?: Retention;
  events: Map<string, EventType>;
}

/** Every product's contract, looked up by product id (a Map: `__proto__` is not a product). */
export interface ContractRegistry {
  products: Map<string, ProductContract>;
  /** Secret keys of all products (lower case), and the built-in ones. */
  secretKeys: ReadonlySet<string>;
}

/** Keys that are always secrets, whatever the contract says. */
export const DEFAULT_SECRET_KEYS: readonly string[] = ['password', 'passwd'];

/** The envelope every event carries, whatever its product. */
export const ENVELOPE_LIMITS = {
  eventIdMaxLength: 128,
  eventTypeMaxLength: 64,
  productIdMaxLength: 64,
} as const;

export const ENVELOPE_KEYS = ['event_id', 'event_type', 'product_id', 'occurred_at', 'schema_version'] as const;

/** Longest accepted line, in bytes. */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

/** Deepest nesting of arrays and objects gamelake reads or stores (deeper: too_deep). */
export const MAX_JSON_DEPTH = 64;
