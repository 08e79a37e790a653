import {
  ENVELOPE_KEYS,
  ENVELOPE_LIMITS,
  INT32,
  MAX_JSON_DEPTH,
  type ContractRegistry,
  type EventType,
  type Field,
  type ProductContract,
  type ScalarSpec,
} from '../../transforms/contract/model.ts';
import { isScalarElement, rowPlan, type RowPlan, type ScalarSlot } from '../../transforms/contract/plan.ts';
import { COMMON_COLUMNS, lakeTables, PARTITION_COLUMN, type LakeTable } from '../../transforms/tables.ts';

/**
 * The ingestion engine's SQL, generated from the registered contracts. Each line is parsed once by
 * DuckDB's from_json into a structure derived from every contract, with scalars kept as JSON text so the
 * producer's spelling stays visible (`33` and `"33"` differ there). The structure is unpacked into one
 * column per top-level key; expressions implementing the rules of transforms/validate.ts check and
 * convert each value, and the accepted lines are flattened with UNNEST into the lake's tables. Lines that
 * fail a check, or whose JSON only DuckDB's lenient reader accepts, go to the TypeScript specification for
 * their reason (stage.ts); a differential test keeps the two in agreement.
 *
 * Performance notes (measured): expressions use as few string operations as possible (a JSON number's
 * text casts straight to DOUBLE; a string starts with a quote), and the checks of a line are one column
 * of their own, so DuckDB evaluates them over flat vectors.
 */

/**
 * What from_json is asked for: JSON text ('json'), a typed value ('typed': only for scalars inside list
 * elements in the fast mode, where the spelling is audited by a regex instead), an object or a list.
 */
type Shape = { kind: 'json' } | { kind: 'typed'; duck: 'VARCHAR' | 'DOUBLE' | 'BOOLEAN' } | { kind: 'object'; fields: Map<string, Shape> } | { kind: 'list'; element: Shape };

/** How the engine reads scalars inside list elements: as JSON text (exact), or typed and audited (fast). */
export type ReadMode = 'exact' | 'fast';

/** Scalar types that can be read typed inside list elements (ids keep their spelling: JSON text). */
const TYPED_LEAF: Partial<Record<ScalarSpec['type'], 'VARCHAR' | 'DOUBLE' | 'BOOLEAN'>> = {
  string: 'VARCHAR',
  timestamp: 'VARCHAR',
  int: 'DOUBLE',
  number: 'DOUBLE',
  bool: 'BOOLEAN',
};

const JSON_SHAPE: Shape = { kind: 'json' };

export const lit = (s: string): string => `'${s.replaceAll("'", "''")}'`;
export const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const num = (n: number): string => (Number.isFinite(n) ? String(n) : n > 0 ? "'Infinity'::DOUBLE" : "'-Infinity'::DOUBLE");
const and = (parts: string[]): string => (parts.length === 0 ? 'true' : parts.length === 1 ? parts[0]! : `(${parts.join(' AND ')})`);

/** Column of the segment table holding a top-level key's value. */
export const keyColumn = (key: string): string => quote(`k:${key}`);

/** The shape a field asks from_json for. Optional lists stay JSON text so a wrong type is not mistaken for absence. */
function fieldShape(f: Field, mode: ReadMode = 'exact', inElement = false): Shape {
  if (f.kind === 'scalar') {
    const duck = mode === 'fast' && inElement && !f.secret ? TYPED_LEAF[f.type] : undefined;
    return duck ? { kind: 'typed', duck } : JSON_SHAPE;
  }
  if (f.kind === 'object') return { kind: 'object', fields: new Map(f.fields.map((x) => [x.name, fieldShape(x, mode, inElement)])) };
  return f.required ? listShape(f, mode) : JSON_SHAPE;
}

/** The shape of a list as read (its elements as asked). */
function listShape(f: Extract<Field, { kind: 'list' }>, mode: ReadMode = 'exact'): Shape {
  return {
    kind: 'list',
    element: f.element.kind === 'object' ? { kind: 'object', fields: new Map(f.element.fields.map((x) => [x.name, fieldShape(x, mode, true)])) } : JSON_SHAPE,
  };
}

function mergeShape(a: Shape, b: Shape): Shape {
  if (a.kind === 'typed' && b.kind === 'typed' && a.duck === b.duck) return a;
  if (a.kind !== b.kind || a.kind === 'json' || a.kind === 'typed') return JSON_SHAPE;
  if (a.kind === 'list') return { kind: 'list', element: mergeShape(a.element, (b as typeof a).element) };
  const fields = new Map(a.fields);
  for (const [k, v] of (b as typeof a).fields) fields.set(k, fields.has(k) ? mergeShape(fields.get(k)!, v) : v);
  return { kind: 'object', fields };
}

function structureOf(shape: Shape): unknown {
  if (shape.kind === 'json') return 'JSON';
  if (shape.kind === 'typed') return shape.duck;
  if (shape.kind === 'list') return [structureOf(shape.element)];
  return Object.fromEntries([...shape.fields].map(([k, v]) => [k, structureOf(v)]));
}

/** A value: its SQL expression and the shape DuckDB gave it. `row` marks a row root whose keys are columns. */
interface Node {
  expr: string;
  shape: Shape;
  /** For a row root: the table alias ('' unqualified) whose k:<key> columns hold the keys. */
  row?: string;
}

function child(parent: Node, key: string, want: Shape): Node {
  const expr = parent.row !== undefined ? `${parent.row ? `${parent.row}.` : ''}${keyColumn(key)}` : `struct_extract(${parent.expr}, ${lit(key)})`;
  const merged = parent.shape.kind === 'object' ? (parent.shape.fields.get(key) ?? JSON_SHAPE) : JSON_SHAPE;
  // Another contract spelled this key differently: it arrived as JSON text; read it with this field's shape.
  if (want.kind !== 'json' && merged.kind !== want.kind) return { expr: `from_json(${expr}, ${lit(JSON.stringify(structureOf(want)))})`, shape: want };
  return { expr, shape: merged };
}

// ---------------------------------------------------------------------------------------------------
// Scalars. A leaf is a scalar's JSON text (NULL when absent or null): '"text"', '12', '1.5', 'true', ...

/** A JSON leaf as VARCHAR (its JSON text unchanged), so string functions do not produce JSON. */
const text = (leaf: string) => `CAST(${leaf} AS VARCHAR)`;
/** The text of a JSON string leaf (escapes decoded only when there are any). */
const str = (v: string) => `(CASE WHEN contains(${v}, '\\') THEN json_extract_string(${v}, '$') ELSE ${v}[2:-2] END)`;
const isString = (v: string) => `(ascii(${v}) = 34)`;

export const NUMBER_PATTERN = '-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?';
/** An integer literal (DuckDB writes a JSON integer back as its digits; fractions and exponents keep a '.' or 'e'). */
export const INTEGER_PATTERN = '-?[0-9]+';
/**
 * RFC 3339 with an offset, a T or a space, any fraction digits (the cast keeps microseconds, cutting the
 * rest), fields in range (the calendar is checked by the cast).
 */
export const TIMESTAMP_PATTERN =
  '[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])';
/** A timestamp's text (JSON or plain) spelled otherwise than canonically: a space for the T, or nanoseconds. */
const respelledTimestamp = (v: string) => `(contains(${v}, ' ') OR regexp_matches(${v}, '\\.[0-9]{7}'))`;

/** The coercion kind a spec's values are counted under when spelled otherwise. */
export function coercionKind(spec: ScalarSpec): string {
  if (spec.type === 'id') return 'integer_to_text';
  if (spec.type === 'timestamp') return 'timestamp_spelling';
  return 'string_to_number';
}

/**
 * The double of a number leaf: a JSON number's text casts straight to DOUBLE (a quoted string, true or an
 * object does not); with numeric_strings, a string holding a number in JSON's grammar counts too.
 */
function doubleOf(v: string, spec: ScalarSpec): string {
  const token = `TRY_CAST(${v} AS DOUBLE)`;
  if (!spec.numericStrings) return token;
  return `coalesce(${token}, CASE WHEN ${isString(v)} AND regexp_full_match(${str(v)}, ${lit(NUMBER_PATTERN)}) THEN TRY_CAST(${str(v)} AS DOUBLE) END)`;
}

function bigintOf(v: string, spec: ScalarSpec): string {
  const token = `CASE WHEN regexp_full_match(${v}, ${lit(INTEGER_PATTERN)}) THEN TRY_CAST(${v} AS BIGINT) END`;
  if (!spec.numericStrings) return token;
  return `coalesce(${token}, CASE WHEN ${isString(v)} AND regexp_full_match(${str(v)}, ${lit('-?(0|[1-9][0-9]*)')}) THEN TRY_CAST(${str(v)} AS BIGINT) END)`;
}

function lengthAndChoice(s: string, spec: ScalarSpec): string[] {
  const out: string[] = [];
  if (spec.minLength !== undefined) out.push(`length(${s}) >= ${spec.minLength}`);
  if (spec.maxLength !== undefined) out.push(`length(${s}) <= ${spec.maxLength}`);
  if (spec.oneOf) out.push(`${s} IN (${spec.oneOf.map(lit).join(', ')})`);
  return out;
}

/** The typed value of a scalar already read typed by from_json (fast mode: its spelling was audited). */
function convertTyped(leaf: string, spec: ScalarSpec): string {
  if (spec.type === 'timestamp') {
    return `(CASE WHEN regexp_full_match(${leaf}, ${lit(TIMESTAMP_PATTERN)}) AND NOT starts_with(${leaf}, '0000') THEN TRY_CAST(upper(${leaf}) AS TIMESTAMPTZ) END)`;
  }
  return leaf;
}

/** The typed value of a scalar node (JSON text or an audited typed leaf). */
function convertNode(n: Node, spec: ScalarSpec): string {
  return n.shape.kind === 'typed' ? convertTyped(n.expr, spec) : convert(n.expr, spec);
}

/** The typed value of a scalar leaf: NULL when it is not spelled as its type allows. */
export function convert(leaf: string, spec: ScalarSpec): string {
  const v = text(leaf);
  switch (spec.type) {
    case 'string':
      return `(CASE WHEN ${isString(v)} THEN ${str(v)} END)`;
    case 'id':
      return `(CASE WHEN ${isString(v)} THEN ${str(v)} WHEN regexp_full_match(${v}, ${lit(INTEGER_PATTERN)}) THEN ${v} END)`;
    case 'int':
    case 'number':
      return doubleOf(v, spec);
    case 'bigint':
      return bigintOf(v, spec);
    case 'bool':
      return `(CASE ${v} WHEN 'true' THEN true WHEN 'false' THEN false END)`;
    case 'timestamp':
      return `(CASE WHEN ${isString(v)} AND regexp_full_match(${str(v)}, ${lit(TIMESTAMP_PATTERN)}) AND NOT starts_with(${str(v)}, '0000') THEN TRY_CAST(upper(${str(v)}) AS TIMESTAMPTZ) END)`;
  }
}

/** Conditions a typed value (not NULL) must meet. Ints are held as DOUBLE until stored. */
function constraints(t: string, spec: ScalarSpec): string[] {
  switch (spec.type) {
    case 'string':
    case 'id':
      return lengthAndChoice(t, spec);
    case 'int': {
      const lo = Math.max(spec.min ?? -Infinity, INT32.min);
      const hi = Math.min(spec.max ?? Infinity, INT32.max);
      return [`${t} BETWEEN ${num(lo)} AND ${num(hi)}`, `${t} = trunc(${t})`];
    }
    case 'number': {
      const parts = [`isfinite(${t})`];
      if (spec.min !== undefined) parts.push(`${t} >= ${num(spec.min)}`);
      if (spec.max !== undefined) parts.push(`${t} <= ${num(spec.max)}`);
      return parts;
    }
    case 'bigint': {
      const parts: string[] = [];
      if (spec.min !== undefined) parts.push(`${t} >= ${num(spec.min)}`);
      if (spec.max !== undefined) parts.push(`${t} <= ${num(spec.max)}`);
      return parts;
    }
    default:
      return [];
  }
}

/** A typed value as stored in its column. */
function stored(t: string, spec: ScalarSpec): string {
  if (spec.type === 'int') return `CAST(${t} AS INTEGER)`;
  if (spec.type === 'number') return `(${t} + 0.0)`;
  return t;
}

/** True when a present leaf was spelled otherwise than its type (a coercion to count), or undefined when it cannot be. */
function coercedFlag(leaf: string, spec: ScalarSpec): string | undefined {
  const v = text(leaf);
  if (spec.type === 'id') return `NOT ${isString(v)}`;
  if ((spec.type === 'int' || spec.type === 'number' || spec.type === 'bigint') && spec.numericStrings) return isString(v);
  // Read as JSON text or as a typed VARCHAR alike: the characters that tell are the same.
  if (spec.type === 'timestamp') return respelledTimestamp(v);
  return undefined;
}

/** True when a present scalar leaf meets its spec (envelope fields are checked this way). Never NULL. */
export function scalarCheck(leaf: string, spec: ScalarSpec): string {
  const t = convert(leaf, spec);
  return `coalesce(${and([`${t} IS NOT NULL`, ...constraints(t, spec)])}, false)`;
}

/** The stored value of a present scalar leaf that passed its check. */
export function scalarValue(leaf: string, spec: ScalarSpec): string {
  return stored(convert(leaf, spec), spec);
}

/** An optional list arrives as JSON text: this reads it (or is the list itself when required). */
function listExpr(n: Node, f: Extract<Field, { kind: 'list' }>, mode: ReadMode = 'exact'): Node {
  if (f.required) return n;
  return { expr: `from_json(${n.expr}, ${lit(JSON.stringify(structureOf(listShape(f, mode))))})`, shape: listShape(f, mode) };
}

// ---------------------------------------------------------------------------------------------------
// Typing: every value converted once into typed columns (t:<path>) with presence (n:) and coercion (c:)
// flags; lists become typed lists of structs. Checks, coercion counts and the tables read those.

/** Where a typed value lives, relative to its row (a column) or its list element (a struct field). */
interface Ref {
  typed: string;
  present: string;
  coerced?: string;
}

interface ScalarPlan {
  kind: 'scalar';
  field: Extract<Field, { kind: 'scalar' }> | undefined;
  spec: ScalarSpec;
  ref: Ref;
}
interface ObjectPlan {
  kind: 'object';
  field: Extract<Field, { kind: 'object' }>;
  ref: Ref;
  fields: FieldPlan[];
}
interface ListPlan {
  kind: 'list';
  field: Extract<Field, { kind: 'list' }>;
  ref: Ref & { isArray: string };
  /** Per-line coercion counts of the values inside the list (row-level lists only). */
  counts: Array<{ path: string; kind: string; column: string }>;
  /** Element plans, relative to a lambda/unnest variable (their refs use VAR). */
  element: FieldPlan[] | ScalarPlan;
}
type FieldPlan = ScalarPlan | ObjectPlan | ListPlan;

/** Stands for the element variable in element refs; replaced by the real variable where used. */
const VAR = '\u0000';
const at = (ref: string, variable: string) => ref.replaceAll(VAR, variable);
const member = (name: string) => `${VAR}[${lit(name)}]`;

/** A signature of how a field converts (its spellings, not its constraints): equal signatures share typed columns. */
function signature(f: Field): string {
  if (f.kind === 'scalar') return `${f.type}${f.numericStrings ? '+s' : ''}`;
  if (f.kind === 'object') return `{${f.fields.map((x) => `${x.name}:${signature(x)}`).join(',')}}`;
  const e = f.element;
  return `[${e.kind === 'object' ? `{${e.fields.map((x) => `${x.name}:${signature(x)}`).join(',')}}` : `${e.type}${e.numericStrings ? '+s' : ''}`}]${f.required ? '' : '?'}`;
}

class Typing {
  /** Typed columns of the segment: name -> expression over the k:<key> columns. */
  readonly columns = new Map<string, string>();
  /** Column names by path and signature, shared by every statement so they all write the same columns. */
  private readonly names: Map<string, Map<string, string>>;
  private readonly mode: ReadMode;

  constructor(mode: ReadMode, names: Map<string, Map<string, string>>) {
    this.mode = mode;
    this.names = names;
  }

  /** The column name stem of a (path, signature): the path, suffixed when another signature took it. */
  private stem(path: string, sig: string): string {
    const bySig = this.names.get(path) ?? new Map<string, string>();
    this.names.set(path, bySig);
    let name = bySig.get(sig);
    if (!name) {
      name = bySig.size === 0 ? path : `${path}#${bySig.size + 1}`;
      bySig.set(sig, name);
    }
    return name;
  }

  private column(name: string, expr: string): string {
    if (!this.columns.has(name)) this.columns.set(name, expr);
    return quote(name);
  }

  /** Plans (and declares the typed columns of) a row's fields, read from `node`. */
  row(fields: readonly Field[], node: Node, prefix: string): FieldPlan[] {
    return fields.map((f) => {
      const n = child(node, f.name, fieldShape(f, this.mode));
      const path = `${prefix}${f.name}`;
      const stem = this.stem(path, signature(f));
      if (f.kind === 'scalar') {
        const c = coercedFlag(n.expr, f);
        const ref: Ref = { typed: this.column(`t:${stem}`, convert(n.expr, f)), present: f.required ? 'true' : this.column(`n:${stem}`, `${n.expr} IS NOT NULL`) };
        if (c) ref.coerced = this.column(`c:${stem}`, `coalesce(${n.expr} IS NOT NULL AND ${c}, false)`);
        return { kind: 'scalar', field: f, spec: f, ref };
      }
      if (f.kind === 'object') {
        const present = this.column(`n:${stem}`, `${n.expr} IS NOT NULL`);
        return { kind: 'object', field: f, ref: { typed: present, present }, fields: this.row(f.fields, n, `${path}.`) };
      }
      const list = listExpr(n, f, this.mode);
      const { struct, element, identity } = this.element(f, list, 1);
      // Coercions inside the list, counted per line (elements carry typed values only, the same in both modes).
      const counts = this.listCoercions(f, list, 1, '').map((c) => ({
        path: `${path}[]${c.path}`,
        kind: c.kind,
        column: this.column(`cc:${stem}[]${c.path}:${c.kind}`, c.expr === undefined ? '0' : `coalesce(list_sum(list_transform(${list.expr}, lambda x1: ${c.expr})), 0)`),
      }));
      return {
        kind: 'list',
        field: f,
        ref: {
          typed: this.column(`t:${stem}`, identity ? list.expr : `list_transform(${list.expr}, lambda x1: ${struct})`),
          present: this.column(`n:${stem}`, `${n.expr} IS NOT NULL`),
          isArray: f.required ? 'true' : this.column(`a:${stem}`, `coalesce(ascii(${text(n.expr)}) = 91, false)`),
        },
        element,
        counts,
      };
    });
  }

  /**
   * The typed struct of a list's element (built inside `lambda x<depth>`) and the plans that read it.
   * `identity`: from_json already gave the element as stored (fast mode), so no struct needs building.
   */
  private element(f: Extract<Field, { kind: 'list' }>, list: Node, depth: number): { struct: string; element: FieldPlan[] | ScalarPlan; identity: boolean } {
    const x = `x${depth}`;
    const shape = list.shape.kind === 'list' ? list.shape.element : JSON_SHAPE;
    if (f.element.kind === 'scalar') {
      return {
        struct: `{'v': ${convert(x, f.element)}}`,
        element: { kind: 'scalar', field: undefined, spec: f.element, ref: { typed: member('v'), present: `(${member('v')} IS NOT NULL)` } },
        identity: false,
      };
    }
    const entries: string[] = [];
    let identity = true;
    const plan = (fields: readonly Field[], node: Node, prefix: string): FieldPlan[] =>
      fields.map((g) => {
        const n = child(node, g.name, fieldShape(g, this.mode, true));
        const name = `${prefix}${g.name}`;
        if (g.kind === 'scalar') {
          if (n.shape.kind !== 'typed' || g.type === 'timestamp' || !g.required || prefix !== '') identity = false;
          entries.push(`${lit(name)}: ${convertNode(n, g)}`);
          if (!g.required) entries.push(`${lit(`n:${name}`)}: ${n.expr} IS NOT NULL`);
          return { kind: 'scalar', field: g, spec: g, ref: { typed: member(name), present: g.required ? 'true' : member(`n:${name}`) } };
        }
        if (g.kind === 'object') {
          identity = false;
          entries.push(`${lit(`n:${name}`)}: ${n.expr} IS NOT NULL`);
          return { kind: 'object', field: g, ref: { typed: member(`n:${name}`), present: member(`n:${name}`) }, fields: plan(g.fields, n, `${name}.`) };
        }
        const inner = listExpr(n, g, this.mode);
        const sub = this.element(g, inner, depth + 1);
        if (!sub.identity || prefix !== '') identity = false;
        entries.push(`${lit(name)}: ${sub.identity ? inner.expr : `list_transform(${inner.expr}, lambda x${depth + 1}: ${sub.struct})`}`);
        return { kind: 'list', field: g, ref: { typed: member(name), present: `(${member(name)} IS NOT NULL)`, isArray: 'true' }, element: sub.element, counts: [] };
      });
    const element = plan(f.element.fields, { expr: x, shape }, '');
    // The element struct must have the same fields, in the same order, as from_json gives.
    if (identity && (shape.kind !== 'object' || [...shape.fields.keys()].join(',') !== f.element.fields.map((g) => g.name).join(','))) identity = false;
    return { struct: `{${entries.join(', ')}}`, element, identity };
  }

  /** Per-element coercion counters of a list's values (expr over `lambda x<depth>`; undefined: never coerced in this mode). */
  private listCoercions(f: Extract<Field, { kind: 'list' }>, list: Node, depth: number, prefix: string): Array<{ path: string; kind: string; expr: string | undefined }> {
    const x = `x${depth}`;
    const shape = list.shape.kind === 'list' ? list.shape.element : JSON_SHAPE;
    if (f.element.kind === 'scalar') {
      const c = coercedFlag(x, f.element);
      return c ? [{ path: prefix, kind: coercionKind(f.element), expr: `CASE WHEN ${x} IS NOT NULL AND ${c} THEN 1 ELSE 0 END` }] : [];
    }
    const out: Array<{ path: string; kind: string; expr: string | undefined }> = [];
    const walk = (fields: readonly Field[], node: Node, p: string) => {
      for (const g of fields) {
        const n = child(node, g.name, fieldShape(g, this.mode, true));
        if (g.kind === 'scalar') {
          if (coercedFlag('x', g) === undefined) continue;
          // A typed leaf's spelling was audited: a coerced spelling never reaches the fast reading.
          out.push({
            path: `${p}.${g.name}`,
            kind: coercionKind(g),
            // A timestamp is read as text in both modes: its spelling shows in either.
            expr: n.shape.kind === 'typed' && g.type !== 'timestamp' ? undefined : `CASE WHEN ${n.expr} IS NOT NULL AND ${coercedFlag(n.expr, g)} THEN 1 ELSE 0 END`,
          });
        } else if (g.kind === 'object') walk(g.fields, n, `${p}.${g.name}`);
        else {
          const inner = listExpr(n, g, this.mode);
          for (const c of this.listCoercions(g, inner, depth + 1, '')) {
            out.push({
              path: `${p}.${g.name}[]${c.path}`,
              kind: c.kind,
              expr: c.expr === undefined ? undefined : `coalesce(list_sum(list_transform(${inner.expr}, lambda x${depth + 1}: ${c.expr})), 0)`,
            });
          }
        }
      }
    };
    walk(f.element.fields, { expr: x, shape }, prefix);
    return out;
  }
}

/** Conditions that hold when planned fields meet the contract. `v` replaces VAR in element refs. */
function checks(plans: readonly FieldPlan[], v: string, depth: number): string[] {
  const out: string[] = [];
  for (const p of plans) {
    const present = at(p.ref.present, v);
    const typed = at(p.ref.typed, v);
    if (p.kind === 'scalar') {
      const ok = and([`${typed} IS NOT NULL`, ...constraints(typed, p.spec)]);
      out.push(p.field?.required === false ? `(NOT ${present} OR ${ok})` : ok);
    } else if (p.kind === 'object') {
      const inner = and(checks(p.fields, v, depth));
      out.push(p.field.required ? `(${present} AND ${inner})` : `(NOT ${present} OR ${inner})`);
    } else {
      const y = `y${depth}`;
      const f = p.field;
      const element = Array.isArray(p.element) ? and(checks(p.element, y, depth + 1)) : and(checks([p.element], y, depth + 1));
      const parts = [`${typed} IS NOT NULL`];
      if (f.minItems !== undefined) parts.push(`len(${typed}) >= ${f.minItems}`);
      if (f.maxItems !== undefined) parts.push(`len(${typed}) <= ${f.maxItems}`);
      parts.push(`coalesce(list_bool_and(list_transform(${typed}, lambda ${y}: coalesce(${element}, false))), true)`);
      out.push(f.required ? and(parts) : `(NOT ${present} OR (${at(p.ref.isArray, v)} AND ${and(parts)}))`);
    }
  }
  return out;
}

/** Coercion counters of planned fields (row level): for one line, a count per (path, kind). */
function coercionCounts(plans: readonly FieldPlan[], path: string): Array<{ path: string; kind: string; expr: string }> {
  const out: Array<{ path: string; kind: string; expr: string }> = [];
  for (const p of plans) {
    if (p.kind === 'scalar') {
      if (p.ref.coerced) out.push({ path: `${path}${p.field!.name}`, kind: coercionKind(p.spec), expr: `CASE WHEN ${p.ref.coerced} THEN 1 ELSE 0 END` });
    } else if (p.kind === 'object') {
      out.push(...coercionCounts(p.fields, `${path}${p.field.name}.`));
    } else {
      // List counts carry their full path already.
      for (const c of p.counts) out.push({ path: c.path, kind: c.kind, expr: c.column });
    }
  }
  return out;
}

/** The plan of a slot (a scalar of a row, by its keys through objects). */
function findScalar(plans: readonly FieldPlan[], keys: readonly string[]): ScalarPlan {
  const [head, ...rest] = keys;
  const p = plans.find((x) => x.field?.name === head)!;
  if (rest.length === 0) return p as ScalarPlan;
  return findScalar((p as ObjectPlan).fields, rest);
}

function findList(plans: readonly FieldPlan[], keys: readonly string[]): ListPlan {
  const [head, ...rest] = keys;
  const p = plans.find((x) => x.field?.name === head)!;
  if (rest.length === 0) return p as ListPlan;
  return findList((p as ObjectPlan).fields, rest);
}

/** The stored value of a slot: its typed value as stored, or the default when absent. */
function slotValue(slot: ScalarSlot, plans: readonly FieldPlan[], v: string): string {
  const p = findScalar(plans, slot.keys);
  const value = stored(at(p.ref.typed, v), p.spec);
  return slot.default === undefined ? value : `coalesce(${value}, ${typeof slot.default === 'string' ? lit(slot.default) : String(slot.default)})`;
}

// ---------------------------------------------------------------------------------------------------
// The segment statement and the table SELECTs

export interface IngestSqlOptions {
  maxDepth?: number;
}

export interface IngestSql {
  /** from_json structure of every contract's fields (JSON text). */
  structure: string;
  /** A SELECT with the columns of the staged lines (no rows; the parameters of `fast`): create the table from it. */
  schema: string;
  /** Splits TEMP TABLE raw_seg(first_line BIGINT, body BLOB) into TABLE seg_lines(line, raw) (a table of the staging database: small row groups, so the parse runs on every core). */
  split: string;
  /**
   * A SELECT of seg_lines as typed, checked rows: one row per line with its values typed (t:<path> columns,
   * typed lists), its envelope, `good` (every contract check passed), `review` (the specification must read
   * the line: lenient JSON, or unknown fields that need care), `audit` (a value inside a list was read typed
   * and is spelled unusually: read the line exactly) and `raw` (kept only for lines that are not good or need
   * review). Parameters: $latest_us (BIGINT), the latest accepted occurred_at in microseconds; $segment (INTEGER);
   * $scoped (BOOLEAN) and $products (VARCHAR, product ids one per line): when scoped, a line of another product is not good.
   */
  fast: string;
  /** The same over TEMP TABLE exact_lines(line, raw), every scalar read as JSON text (no audit needed). */
  exact: string;
  /** SELECT of each lake table's rows from `acc` (accepted lines), columns in file order, then event_month. */
  tables: Map<string, string>;
  /** One-row SELECT over `acc` with a count per coercion (columns c0..cN, labelled by `coercionLabels`). */
  coercions: string;
  coercionLabels: Array<{ product: string; path: string; kind: string }>;
}

/** The keys an event type names (envelope + fields), as a SQL list literal. */
const keyList = (type: EventType | undefined): string => `[${[...ENVELOPE_KEYS, ...(type?.fields.map((f) => f.name) ?? [])].map(lit).join(', ')}]`;

function typeCase(products: readonly ProductContract[], branch: (product: string, type: EventType) => string, otherwise: string): string {
  const whens: string[] = [];
  for (const c of products) {
    for (const t of c.events.values()) whens.push(`WHEN pid = ${lit(c.product)} AND etype = ${lit(t.name)} THEN ${branch(c.product, t)}`);
  }
  return whens.length === 0 ? otherwise : `(CASE ${whens.join(' ')} ELSE ${otherwise} END)`;
}

interface Writer {
  product: string;
  type: EventType;
  plan: RowPlan;
  fields: FieldPlan[];
}

/** Keys read typed inside list elements in the fast mode, by spelling rule (for the audit regex). */
function auditKeys(fields: readonly Field[], inElement: boolean, out: { text: Set<string>; numbers: Set<string>; bools: Set<string> }): void {
  for (const f of fields) {
    if (f.kind === 'scalar') {
      if (!inElement || f.secret) continue;
      const duck = TYPED_LEAF[f.type];
      if (duck === 'VARCHAR') out.text.add(f.name);
      else if (duck === 'DOUBLE') out.numbers.add(f.name);
      else if (duck === 'BOOLEAN') out.bools.add(f.name);
    } else if (f.kind === 'object') auditKeys(f.fields, inElement, out);
    else if (f.element.kind === 'object') auditKeys(f.element.fields, true, out);
  }
}

const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The audit of a product's lines in the fast mode: true when a value read typed inside a list element is
 * spelled otherwise than canonically (text not quoted, a number quoted, a boolean not true/false), or a key
 * may be written with escapes. Such lines are read again exactly.
 */
function auditPattern(fields: readonly Field[][]): string | undefined {
  const keys = { text: new Set<string>(), numbers: new Set<string>(), bools: new Set<string>() };
  for (const f of fields) auditKeys(f, false, keys);
  const alt = (set: Set<string>) => [...set].map((k) => reEscape(JSON.stringify(k).slice(1, -1))).join('|');
  const parts: string[] = [];
  if (keys.text.size) parts.push(`"(${alt(keys.text)})"\\s*:\\s*[^"\\s]`);
  if (keys.numbers.size) parts.push(`"(${alt(keys.numbers)})"\\s*:\\s*[^-0-9\\s]`);
  if (keys.bools.size) parts.push(`"(${alt(keys.bools)})"\\s*:\\s*[^tf\\s]`);
  return parts.length ? parts.join('|') : undefined;
}

/**
 * What DuckDB's JSON reader accepts and JSON does not: NaN and Infinity literals (any case, any sign) and
 * trailing commas. A line that may hold one is read by the specification. Each pattern starts with one
 * literal byte, so the regex engine skips ahead with memchr (measured: 2.4x faster than one
 * case-insensitive pattern); a false alarm (", inf" inside a string) only costs that line a review.
 */
export const LENIENT_JSON: readonly string[] = [':[ \\t\\r]*[-+]?([iI]|[nN][aA])', ',[ \\t\\r]*([-+]?([iI]|[nN][aA])|[\\]}])', '\\[[ \\t\\r]*[-+]?([iI]|[nN][aA])'];

/** Builds the engine's SQL for a registry. */
export function ingestSql(registry: ContractRegistry, options: IngestSqlOptions = {}): IngestSql {
  const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
  const products = [...registry.products.values()];
  const _evolving = products.filter((c) => c.mode === 'evolve').map((c) => lit(c.product));
  const secretPattern = `(?i)"[^"]*(${[...registry.secretKeys].map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})[^"]*"\\s*:`;
  const env = (key: string) => keyColumn(key);
  const envelope = (key: string, spec: ScalarSpec) => `CASE WHEN ${env(key)} IS NOT NULL AND ${scalarCheck(env(key), spec)} THEN ${scalarValue(env(key), spec)} END`;

  const names = new Map<string, Map<string, string>>();
  /** The parse statement of a mode for some products: lines from `source` (a SELECT of line, raw) to typed, checked rows. */
  const build = (mode: ReadMode, source: string, products: readonly ProductContract[]) => {
    const evolving = products.filter((c) => c.mode === 'evolve').map((c) => lit(c.product));
    let root: Shape = { kind: 'object', fields: new Map(ENVELOPE_KEYS.map((k) => [k, JSON_SHAPE])) };
    for (const c of products) {
      for (const t of c.events.values()) root = mergeShape(root, { kind: 'object', fields: new Map(t.fields.map((f) => [f.name, fieldShape(f, mode)])) });
    }
    const keys = root.kind === 'object' ? [...root.fields.keys()] : [];
    const structure = JSON.stringify(structureOf(root));
    // Type every field of every event type once; checks, coercion counts and the tables read the typed columns.
    const typing = new Typing(mode, names);
    const segRoot: Node = { expr: '', shape: root, row: '' };
    const writers: Writer[] = [];
    for (const c of products) {
      for (const t of c.events.values()) writers.push({ product: c.product, type: t, plan: rowPlan(t.fields), fields: typing.row(t.fields, segRoot, '') });
    }
    const byType = (branch: (w: Writer) => string, otherwise: string) =>
      writers.length === 0
        ? otherwise
        : `(CASE ${writers.map((w) => `WHEN pid = ${lit(w.product)} AND etype = ${lit(w.type.name)} THEN ${branch(w)}`).join(' ')} ELSE ${otherwise} END)`;
    const audits =
      mode === 'fast'
        ? products.map((c) => [c.product, auditPattern([...c.events.values()].map((t) => t.fields))] as const).filter((a): a is readonly [string, string] => a[1] !== undefined)
        : [];
    const audit =
      audits.length === 0
        ? 'false'
        : `(contains(raw, '\\u') OR coalesce(CASE ${audits.map(([pid, re]) => `WHEN pid = ${lit(pid)} THEN regexp_matches(raw, ${lit(re)})`).join(' ')} END, false))`;
    const typedColumns = [...typing.columns];
    const statement = `
WITH lines AS (${source}
), parsed AS (
  SELECT line, raw, try(from_json(raw, ${lit(structure)})) AS p, try(json_keys(raw)) AS keys,
         ${LENIENT_JSON.map((re) => `regexp_matches(raw, ${lit(re)})`).join(' OR ')} AS lenient
  FROM lines
), cols AS (
  SELECT line, raw, keys, lenient, p IS NOT NULL AS parsed, ${keys.map((k) => `struct_extract(p, ${lit(k)}) AS ${keyColumn(k)}`).join(', ')}
  FROM parsed
), envelope AS (
  SELECT line, raw, keys, lenient, parsed,
    ${envelope('product_id', { type: 'string', numericStrings: false, minLength: 1, maxLength: ENVELOPE_LIMITS.productIdMaxLength })} AS pid,
    ${envelope('event_type', { type: 'string', numericStrings: false, minLength: 1, maxLength: ENVELOPE_LIMITS.eventTypeMaxLength })} AS etype,
    ${envelope('event_id', { type: 'id', numericStrings: false, minLength: 1, maxLength: ENVELOPE_LIMITS.eventIdMaxLength })} AS eid,
    coalesce(NOT ${isString(text(env('event_id')))}, false) AS eid_integer,
    coalesce(${respelledTimestamp(text(env('occurred_at')))}, false) AS occ_respelled,
    ${envelope('occurred_at', { type: 'timestamp', numericStrings: false })} AS occurred_at,
    CASE WHEN ${env('schema_version')} IS NULL THEN 1 WHEN ${scalarCheck(env('schema_version'), { type: 'int', numericStrings: false, min: 1 })} THEN ${scalarValue(env('schema_version'), { type: 'int', numericStrings: false })} END AS schema_version,
    ${typedColumns.map(([name, expr]) => `${expr} AS ${quote(name)}`).join(',\n    ')}
  FROM cols
), audited AS (
  SELECT *, ${audit} AS audit FROM envelope
), typed AS (
  SELECT *, ${typeCase(products, () => 'true', 'false')} AS typed, ${typeCase(products, (_p, t) => keyList(t), keyList(undefined))} AS known_keys FROM audited
), fields AS (
  SELECT *, coalesce(${byType((w) => and(checks(w.fields, '', 1)), 'false')}, false) AS fields_ok FROM typed
), checked AS (
  SELECT *,
    NOT audit AND parsed AND keys IS NOT NULL AND eid IS NOT NULL AND etype IS NOT NULL AND occurred_at IS NOT NULL AND schema_version IS NOT NULL
      AND coalesce(pid IN (${products.length ? products.map((c) => lit(c.product)).join(', ') : "''"}), false)
      AND (NOT $scoped OR list_contains(string_split($products, chr(10)), pid))
      AND (typed${evolving.length > 0 ? ` OR pid IN (${evolving.join(', ')})` : ''})
      AND epoch_us(occurred_at) <= $latest_us
      AND (NOT typed OR fields_ok) AS good,
    NOT list_has_all(known_keys, coalesce(keys, [])) AS has_unknown
  FROM fields
), extras AS (
  SELECT *, CASE WHEN good AND has_unknown THEN try(from_json(raw, '"MAP(VARCHAR, JSON)"')) END AS extra_map FROM checked
), extra_json AS (
  SELECT * EXCLUDE (extra_map),
    -- Two equal keys cannot make a MAP: the specification reads such a line (the first key wins there).
    CASE WHEN extra_map IS NOT NULL AND len(list_distinct(map_keys(extra_map))) = len(map_keys(extra_map))
      THEN to_json(map_from_entries(list_filter(map_entries(extra_map), lambda e: NOT list_contains(known_keys, e.key)))) END AS extra,
    extra_map IS NOT NULL AND len(list_distinct(map_keys(extra_map))) <> len(map_keys(extra_map)) AS duplicate_keys
  FROM extras
), flagged AS (
  SELECT *, lenient OR (good AND has_unknown AND (extra IS NULL OR duplicate_keys
    OR regexp_matches(extra, ${lit(secretPattern)})
    OR strlen(extra) - strlen(replace(replace(extra, '{', ''), '[', '')) > ${maxDepth})) AS review
  FROM extra_json
)
SELECT CAST($segment AS INTEGER) AS segment, line, CASE WHEN review OR NOT good THEN raw END AS raw, audit, eid, eid_integer, occ_respelled, etype, pid, occurred_at,
  CAST(occurred_at AS DATE) AS event_date, strftime(occurred_at, '%Y-%m') AS ${PARTITION_COLUMN.name},
  schema_version, typed, good, review, extra, ${typedColumns.map(([name]) => quote(name)).join(', ')}
FROM flagged`;
    return { statement, root, writers, structure };
  };
  // One statement for all products (measured: cheaper than one per product, for a few products).
  const fast = build('fast', 'SELECT line, raw FROM seg_lines', products).statement;
  const exact = build('exact', 'SELECT line, raw FROM exact_lines', products).statement;
  // The table of all lines and the plans the tables and coercions read.
  const all = build('exact', 'SELECT CAST(NULL AS BIGINT) AS line, CAST(NULL AS VARCHAR) AS raw WHERE false', products);
  const { writers, structure } = all;
  const schema = all.statement;
  const split = `
CREATE OR REPLACE TABLE seg_lines AS
SELECT first_line + generate_subscripts(l, 1) - 1 AS line, unnest(l) AS raw
FROM (SELECT first_line, string_split(decode(body), chr(10)) AS l FROM raw_seg)`;

  // Tables
  const tables = new Map<string, string>();
  const defs = lakeTables(registry);
  const month = (alias: string) => `${alias}.${PARTITION_COLUMN.name}`;
  const common = (alias: string) =>
    COMMON_COLUMNS.filter((c) => c.name !== 'batch_id')
      .map((c) => COMMON_EXPR[c.name]!(alias))
      .join(', ');
  tables.set('events', `SELECT ${common('a')}, a.schema_version, a.extra, a.typed, ${month('a')} FROM acc a`);

  const byTable = new Map<string, Writer[]>();
  for (const w of writers) if (w.type.table) byTable.set(w.type.table, [...(byTable.get(w.type.table) ?? []), w]);
  const match = (ws: readonly Writer[], alias: string) => `(${ws.map((w) => `(${alias}.pid = ${lit(w.product)} AND ${alias}.etype = ${lit(w.type.name)})`).join(' OR ')})`;
  const childSelects = new Map<string, string[]>();
  for (const [table, ws] of byTable) {
    const def = defs.get(table)!;
    const columns = def.columns.map((col) => {
      // Types that store this column the same way share one expression; the rest get their own branch.
      const groups = new Map<string, Writer[]>();
      for (const w of ws) {
        const slot = w.plan.scalars.find((x) => x.column === col.name);
        if (!slot) continue;
        const e = qualify(slotValue(slot, w.fields, ''), 'a');
        groups.set(e, [...(groups.get(e) ?? []), w]);
      }
      if (groups.size === 0) return `NULL AS ${quote(col.name)}`;
      if (groups.size === 1 && [...groups.values()][0]!.length === ws.length) return `${[...groups.keys()][0]} AS ${quote(col.name)}`;
      return `(CASE ${[...groups].map(([e, g]) => `WHEN ${match(g, 'a')} THEN ${e}`).join(' ')} END) AS ${quote(col.name)}`;
    });
    tables.set(table, `SELECT ${common('a')}, ${columns.join(', ')}, ${month('a')} FROM acc a WHERE ${match(ws, 'a')}`);
    for (const w of ws) {
      const level: Level = {
        from: 'acc a',
        alias: 'a',
        where: match([w], 'a'),
        plans: w.fields,
        rowVar: undefined,
        columns: w.plan.scalars.map((x) => ({ name: x.column, expr: (al: string) => qualify(slotValue(x, w.fields, ''), al) })),
      };
      addChildren(level, w.plan, 1, defs, childSelects, common, month);
    }
  }
  for (const [table, parts] of childSelects) tables.set(table, parts.join('\nUNION ALL\n'));

  // Coercions, per product and field path, over the accepted lines.
  const coercionLabels: IngestSql['coercionLabels'] = [];
  const sums: string[] = [];
  const add = (product: string, path: string, kind: string, term: string) => {
    const k = coercionLabels.findIndex((l) => l.product === product && l.path === path && l.kind === kind);
    if (k >= 0) sums[k] = `${sums[k]} + ${term}`;
    else {
      coercionLabels.push({ product, path, kind });
      sums.push(term);
    }
  };
  for (const w of writers) {
    const typeMatch = `a.pid = ${lit(w.product)} AND a.etype = ${lit(w.type.name)}`;
    for (const co of coercionCounts(w.fields, '')) add(w.product, co.path, co.kind, `sum(CASE WHEN ${typeMatch} THEN ${qualify(co.expr, 'a')} ELSE 0 END)`);
  }
  for (const c of products) add(c.product, 'event_id', 'integer_to_text', `sum(CASE WHEN a.pid = ${lit(c.product)} AND a.eid_integer THEN 1 ELSE 0 END)`);
  for (const c of products) add(c.product, 'occurred_at', 'timestamp_spelling', `sum(CASE WHEN a.pid = ${lit(c.product)} AND a.occ_respelled THEN 1 ELSE 0 END)`);
  const coercions = `SELECT ${sums.map((s, k) => `coalesce(${s}, 0) AS c${k}`).join(', ')} FROM acc a`;
  return { structure, schema, split, fast, exact, tables, coercions, coercionLabels };
}

/** Qualifies the segment's typed column references ("t:...", "n:...", "c:...", "a:...") with a table alias. */
function qualify(expr: string, alias: string): string {
  return expr.replace(/(^|[^.\w"])"([tnca]:[^"]*)"/g, (_m, before: string, name: string) => `${before}${alias}."${name}"`);
}

/** Common columns of a row at a query level (alias), batch_id excepted. */
const COMMON_EXPR: Record<string, (alias: string) => string> = {
  line: (al) => `${al}.line`,
  event_id: (al) => `${al}.eid AS event_id`,
  event_type: (al) => `${al}.etype AS event_type`,
  event_date: (al) => `${al}.event_date`,
  product_id: (al) => `${al}.pid AS product_id`,
  occurred_at: (al) => `${al}.occurred_at`,
};

/** A query level: rows of an event or of list elements, with the values its child rows may carry. */
interface Level {
  from: string;
  alias: string;
  where: string;
  /** The plans of the row's fields (element refs use the level's element column). */
  plans: readonly FieldPlan[];
  /** The element column of this level (undefined at the event level). */
  rowVar: string | undefined;
  /** The row's columns (a child row: carried, index, own). */
  columns: Array<{ name: string; expr: (alias: string) => string }>;
}

/** Adds one SELECT per child table of `plan` (and their children) reading from `level`. */
function addChildren(
  level: Level,
  plan: RowPlan,
  depth: number,
  defs: Map<string, LakeTable>,
  out: Map<string, string[]>,
  common: (alias: string) => string,
  month: (alias: string) => string,
): void {
  for (const c of plan.children) {
    const al = level.alias;
    const listPlan = findList(level.plans, c.keys);
    const list = level.rowVar === undefined ? qualify(listPlan.ref.typed, al) : at(listPlan.ref.typed, `${al}.${level.rowVar}`);
    const carried = c.carry.map((name) => level.columns.find((col) => col.name === name)!);
    const u = `u${depth}`;
    const i = `i${depth}`;
    const inner = `SELECT ${al}.line, ${al}.eid, ${al}.etype, ${al}.pid, ${al}.occurred_at, ${al}.event_date, ${al}.${PARTITION_COLUMN.name}, ${carried.map((cc, k) => `${cc.expr(al)} AS c${depth}_${k}, `).join('')}unnest(${list}) AS ${u}, CAST(generate_subscripts(${list}, 1) - 1 AS INTEGER) AS ${i} FROM ${level.from} WHERE ${level.where}`;
    const elementPlans = Array.isArray(listPlan.element) ? listPlan.element : [];
    const scalarElement = Array.isArray(listPlan.element) ? undefined : listPlan.element;
    const next: Level = {
      from: `(${inner}) e${depth}`,
      alias: `e${depth}`,
      where: 'true',
      plans: elementPlans,
      rowVar: u,
      columns: [
        ...carried.map((cc, k) => ({ name: cc.name, expr: (a: string) => `${a}.c${depth}_${k}` })),
        { name: c.index, expr: (a: string) => `${a}.${i}` },
        ...(isScalarElement(c.element)
          ? [{ name: c.element.value.column, expr: (a: string) => stored(at(scalarElement!.ref.typed, `${a}.${u}`), scalarElement!.spec) }]
          : c.element.scalars.map((s) => ({ name: s.column, expr: (a: string) => slotValue(s, elementPlans, `${a}.${u}`) }))),
      ],
    };
    const def = defs.get(c.table)!;
    const na = next.alias;
    const select = def.columns.map((col) => `${next.columns.find((x) => x.name === col.name)?.expr(na) ?? 'NULL'} AS ${quote(col.name)}`);
    out.set(c.table, [...(out.get(c.table) ?? []), `SELECT ${common(na)}, ${select.join(', ')}, ${month(na)} FROM ${next.from}`]);
    if (!isScalarElement(c.element)) addChildren(next, c.element, depth + 1, defs, out, common, month);
  }
}
