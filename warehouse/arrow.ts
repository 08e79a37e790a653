// An Arrow IPC stream from a DuckDB result, typed from DuckDB's column types: 64-bit integers stay exact,
// dates are dates, timestamps keep their microseconds (and their zone), decimals keep their digits, lists
// and structs stay nested, and an empty result keeps its columns.
import {
  Binary,
  Bool,
  DateDay,
  Decimal,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  IntervalMonthDayNano,
  List,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableToIPC,
  TimeMicrosecond,
  TimeNanosecond,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  TimestampSecond,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
  type Data,
  type DataType,
} from 'apache-arrow';
import {
  type DuckDBArrayType,
  type DuckDBDecimalType,
  type DuckDBListType,
  type DuckDBMapType,
  type DuckDBStructType,
  DuckDBTypeId,
  type DuckDBArrayValue,
  type DuckDBBlobValue,
  type DuckDBDateValue,
  type DuckDBDecimalValue,
  type DuckDBIntervalValue,
  type DuckDBListValue,
  type DuckDBMapValue,
  type DuckDBStructValue,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';

/** The Arrow type of a DuckDB type (text for the few Arrow has no match for: ENUM, UUID, JSON, BIT, UNION, TIME WITH TIME ZONE). */
export function arrowType(t: DuckDBType): DataType {
  switch (t.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return new Bool();
    case DuckDBTypeId.TINYINT:
      return new Int8();
    case DuckDBTypeId.SMALLINT:
      return new Int16();
    case DuckDBTypeId.INTEGER:
      return new Int32();
    case DuckDBTypeId.BIGINT:
      return new Int64();
    case DuckDBTypeId.UTINYINT:
      return new Uint8();
    case DuckDBTypeId.USMALLINT:
      return new Uint16();
    case DuckDBTypeId.UINTEGER:
      return new Uint32();
    case DuckDBTypeId.UBIGINT:
      return new Uint64();
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return new Decimal(0, 38, 128);
    case DuckDBTypeId.FLOAT:
      return new Float32();
    case DuckDBTypeId.DOUBLE:
      return new Float64();
    case DuckDBTypeId.DECIMAL:
      return new Decimal((t as DuckDBDecimalType).scale, (t as DuckDBDecimalType).width, 128);
    case DuckDBTypeId.BLOB:
      return new Binary();
    case DuckDBTypeId.DATE:
      return new DateDay();
    case DuckDBTypeId.TIME:
      return new TimeMicrosecond();
    case DuckDBTypeId.TIME_NS:
      return new TimeNanosecond();
    case DuckDBTypeId.TIMESTAMP:
      return new TimestampMicrosecond();
    case DuckDBTypeId.TIMESTAMP_S:
      return new TimestampSecond();
    case DuckDBTypeId.TIMESTAMP_MS:
      return new TimestampMillisecond();
    case DuckDBTypeId.TIMESTAMP_NS:
      return new TimestampNanosecond();
    case DuckDBTypeId.TIMESTAMP_TZ:
      return new TimestampMicrosecond('UTC');
    case DuckDBTypeId.INTERVAL:
      return new IntervalMonthDayNano();
    case DuckDBTypeId.LIST:
      return new List(new Field('item', arrowType((t as DuckDBListType).valueType), true));
    case DuckDBTypeId.ARRAY:
      return new List(new Field('item', arrowType((t as DuckDBArrayType).valueType), true));
    case DuckDBTypeId.MAP: {
      const m = t as DuckDBMapType;
      return new List(new Field('entries', new Struct([new Field('key', arrowType(m.keyType), false), new Field('value', arrowType(m.valueType), true)]), false));
    }
    case DuckDBTypeId.STRUCT: {
      const s = t as DuckDBStructType;
      return new Struct(s.entryNames.map((n, i) => new Field(n, arrowType(s.entryTypes[i]!), true)));
    }
    default:
      return new Utf8();
  }
}

function validity(values: readonly DuckDBValue[]): { nullBitmap: Uint8Array; nullCount: number } {
  const nullBitmap = new Uint8Array(Math.ceil(values.length / 8) || 1);
  let nullCount = 0;
  values.forEach((v, i) => {
    if (v === null || v === undefined) nullCount += 1;
    else nullBitmap[i >> 3]! |= 1 << (i & 7);
  });
  return { nullBitmap, nullCount };
}

/** A 128-bit two's-complement integer as four little-endian 32-bit words (Arrow's Decimal128 layout). */
function words128(v: bigint, out: Uint32Array, at: number): void {
  let x = BigInt.asUintN(128, v);
  for (let k = 0; k < 4; k++) {
    out[at + k] = Number(x & 0xffffffffn);
    x >>= 32n;
  }
}

const encoder = new TextEncoder();

function bytesData(type: DataType, values: readonly DuckDBValue[], toBytes: (v: DuckDBValue) => Uint8Array): Data {
  const parts = values.map((v) => (v === null || v === undefined ? new Uint8Array(0) : toBytes(v)));
  const valueOffsets = new Int32Array(values.length + 1);
  parts.forEach((p, i) => (valueOffsets[i + 1] = valueOffsets[i]! + p.length));
  const data = new Uint8Array(valueOffsets[values.length]!);
  parts.forEach((p, i) => data.set(p, valueOffsets[i]!));
  return makeData({ type: type as Utf8, length: values.length, ...validity(values), valueOffsets, data });
}

function fixed<T extends ArrayLike<unknown>>(type: DataType, values: readonly DuckDBValue[], array: T, set: (v: DuckDBValue, i: number) => void): Data {
  values.forEach((v, i) => {
    if (v !== null && v !== undefined) set(v, i);
  });
  return makeData({ type: type as Int32, length: values.length, ...validity(values), data: array as unknown as Int32Array });
}

/** The Arrow data of one column (or a nested child) of DuckDB values. */
export function arrowData(t: DuckDBType, values: readonly DuckDBValue[]): Data {
  const type = arrowType(t);
  const n = values.length;
  switch (t.typeId) {
    case DuckDBTypeId.BOOLEAN: {
      const bits = new Uint8Array(Math.ceil(n / 8) || 1);
      values.forEach((v, i) => {
        if (v === true) bits[i >> 3]! |= 1 << (i & 7);
      });
      return makeData({ type: type as Bool, length: n, ...validity(values), data: bits });
    }
    case DuckDBTypeId.TINYINT:
      return numeric(type, values, new Int8Array(n));
    case DuckDBTypeId.SMALLINT:
      return numeric(type, values, new Int16Array(n));
    case DuckDBTypeId.INTEGER:
      return numeric(type, values, new Int32Array(n));
    case DuckDBTypeId.UTINYINT:
      return numeric(type, values, new Uint8Array(n));
    case DuckDBTypeId.USMALLINT:
      return numeric(type, values, new Uint16Array(n));
    case DuckDBTypeId.UINTEGER:
      return numeric(type, values, new Uint32Array(n));
    case DuckDBTypeId.FLOAT:
      return numeric(type, values, new Float32Array(n));
    case DuckDBTypeId.DOUBLE:
      return numeric(type, values, new Float64Array(n));
    case DuckDBTypeId.BIGINT: {
      const a = new BigInt64Array(n);
      return fixed(type, values, a, (v, i) => (a[i] = v as bigint));
    }
    case DuckDBTypeId.UBIGINT: {
      const a = new BigUint64Array(n);
      return fixed(type, values, a, (v, i) => (a[i] = v as bigint));
    }
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT: {
      const a = new Uint32Array(4 * n);
      return fixed(type, values, a, (v, i) => words128(v as bigint, a, 4 * i));
    }
    case DuckDBTypeId.DECIMAL: {
      const a = new Uint32Array(4 * n);
      return fixed(type, values, a, (v, i) => words128((v as DuckDBDecimalValue).value, a, 4 * i));
    }
    case DuckDBTypeId.DATE: {
      const a = new Int32Array(n);
      return fixed(type, values, a, (v, i) => (a[i] = (v as DuckDBDateValue).days));
    }
    case DuckDBTypeId.TIME:
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ: {
      const a = new BigInt64Array(n);
      return fixed(type, values, a, (v, i) => (a[i] = (v as { micros: bigint }).micros));
    }
    case DuckDBTypeId.TIMESTAMP_S: {
      const a = new BigInt64Array(n);
      return fixed(type, values, a, (v, i) => (a[i] = (v as { seconds: bigint }).seconds));
    }
    case DuckDBTypeId.TIMESTAMP_MS: {
      const a = new BigInt64Array(n);
      return fixed(type, values, a, (v, i) => (a[i] = (v as { millis: bigint }).millis));
    }
    case DuckDBTypeId.TIMESTAMP_NS:
    case DuckDBTypeId.TIME_NS: {
      const a = new BigInt64Array(n);
      return fixed(type, values, a, (v, i) => (a[i] = (v as { nanos: bigint }).nanos));
    }
    case DuckDBTypeId.INTERVAL: {
      // months (int32), days (int32), nanoseconds (int64): four 32-bit words per value.
      const a = new Int32Array(4 * n);
      const view = new DataView(a.buffer);
      return fixed(type, values, a, (v, i) => {
        const x = v as DuckDBIntervalValue;
        a[4 * i] = x.months;
        a[4 * i + 1] = x.days;
        view.setBigInt64(16 * i + 8, x.micros * 1000n, true);
      });
    }
    case DuckDBTypeId.BLOB:
      return bytesData(type, values, (v) => (v as DuckDBBlobValue).bytes);
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY: {
      const child = (t as DuckDBListType | DuckDBArrayType).valueType;
      const items = values.map((v) => (v === null || v === undefined ? [] : [...(v as DuckDBListValue | DuckDBArrayValue).items]));
      const valueOffsets = new Int32Array(n + 1);
      items.forEach((x, i) => (valueOffsets[i + 1] = valueOffsets[i]! + x.length));
      return makeData({ type: type as List, length: n, ...validity(values), valueOffsets, child: arrowData(child, items.flat()) });
    }
    case DuckDBTypeId.MAP: {
      const m = t as DuckDBMapType;
      const entries = values.map((v) => (v === null || v === undefined ? [] : (v as DuckDBMapValue).entries));
      const valueOffsets = new Int32Array(n + 1);
      entries.forEach((x, i) => (valueOffsets[i + 1] = valueOffsets[i]! + x.length));
      const flat = entries.flat();
      const struct = (type as List).children[0]!.type as Struct;
      const child = makeData({
        type: struct,
        length: flat.length,
        nullCount: 0,
        children: [
          arrowData(
            m.keyType,
            flat.map((e) => e.key),
          ),
          arrowData(
            m.valueType,
            flat.map((e) => e.value),
          ),
        ],
      });
      return makeData({ type: type as List, length: n, ...validity(values), valueOffsets, child });
    }
    case DuckDBTypeId.STRUCT: {
      const s = t as DuckDBStructType;
      const children = s.entryNames.map((name, k) =>
        arrowData(
          s.entryTypes[k]!,
          values.map((v) => (v === null || v === undefined ? null : ((v as DuckDBStructValue).entries[name] ?? null))),
        ),
      );
      return makeData({ type: type as Struct, length: n, ...validity(values), children });
    }
    default:
      return bytesData(type, values, (v) => encoder.encode(String(v)));
  }
}

function numeric(
  type: DataType,
  values: readonly DuckDBValue[],
  array: Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array,
): Data {
  return fixed(type, values, array, (v, i) => (array[i] = Number(v)));
}

/** An Arrow IPC stream of a result's columns (DuckDB's types) and values. */
export function toArrowIPC(columns: readonly string[], types: readonly DuckDBType[], rows: readonly (readonly DuckDBValue[])[]): Uint8Array {
  const fields = columns.map((c, k) => new Field(c, arrowType(types[k]!), true));
  const schema = new Schema(fields);
  const children = columns.map((_c, k) =>
    arrowData(
      types[k]!,
      rows.map((r) => r[k] ?? null),
    ),
  );
  const batch = new RecordBatch(schema, makeData({ type: new Struct(fields), length: rows.length, nullCount: 0, children }));
  return tableToIPC(new Table(schema, [batch]), 'stream');
}
