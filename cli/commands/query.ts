import { writeFileSync, writeSync } from 'node:fs';
import { dataLayout, loadConfig } from '../../platform/env.ts';
import { UsageError } from '../../platform/errors.ts';
import { BINARY_FORMATS, exportQuery, type Format } from '../../warehouse/export.ts';
import { bindParams, listQueries, loadQuery, withWarehouse } from '../../warehouse/queries.ts';
import { defineCommand } from '../command.ts';
import { FORMATS, parseFormat } from '../format.ts';

const FORMAT_HELP = `  --format F        ${FORMATS.join(', ')} (default table). table and csv show values as DuckDB
                    prints them; json prints one object per line (64-bit integers and decimals exact,
                    timestamps ISO 8601); arrow writes an Arrow IPC stream typed from DuckDB's column
                    types, parquet a Parquet file by DuckDB's writer (pandas, polars and R read both)
  --output FILE     write to FILE instead of standard output (arrow and parquet are never written
                    to a terminal)`;

/** Writes a result to --output or standard output; binary output is refused on a terminal. */
function write(output: string | Uint8Array, format: Format, file: string | undefined): void {
  if (file) {
    writeFileSync(file, output);
    return;
  }
  if (BINARY_FORMATS.includes(format) && process.stdout.isTTY) {
    throw new UsageError(`--format ${format} is binary: redirect it (> result.${format}) or use --output FILE`);
  }
  if (typeof output === 'string') process.stdout.write(output);
  else writeSync(1, output);
}

async function run(
  sql: string,
  params: Parameters<typeof exportQuery>[1]['params'],
  format: Format,
  round: Record<string, number> | undefined,
  output: string | undefined,
): Promise<void> {
  const layout = dataLayout(loadConfig().dataDir);
  // Refuse a binary format on a terminal before running anything.
  if (!output && BINARY_FORMATS.includes(format) && process.stdout.isTTY) write(new Uint8Array(), format, undefined);
  const result = await withWarehouse(layout.warehouse, (reader) => exportQuery(reader, { sql, params, round }, format), { lakeDir: layout.lake, parquet: format === 'parquet' });
  write(result, format, output);
}

export const queryCommand = defineCommand({
  path: ['query'],
  usage: `query NAME [--param key=value]... [--format ${FORMATS.join('|')}] [--output FILE] | query --list`,
  summary: 'Run a named business query (queries/NAME.sql) against the warehouse, parameters bound.',
  help: `
Options:
  --list            list the named queries with a one-line description and their parameters
  --param k=v       a parameter value (repeatable); numbers are bound as numbers
${FORMAT_HELP}

Example: gamelake query leaderboard --param product=exrps --param limit=5`,
  options: { list: { type: 'boolean' }, param: { type: 'string', multiple: true }, format: { type: 'string' }, output: { type: 'string' } },
  positionals: true,
  async run({ values, positionals }) {
    if (values.list) {
      for (const q of listQueries()) {
        const params = q.params.map((p) => (p.default === undefined ? p.name : `${p.name}=${p.default}`)).join(' ');
        process.stdout.write(`${q.name.padEnd(24)} ${q.description}${params ? `  [${params}]` : ''}\n`);
      }
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError('give one query NAME, or --list (see gamelake query --help)');
    const format = parseFormat(values.format);
    const given: Record<string, string> = {};
    for (const p of (values.param as string[] | undefined) ?? []) {
      const eq = p.indexOf('=');
      if (eq <= 0) throw new UsageError(`--param ${p} is not key=value`);
      given[p.slice(0, eq)] = p.slice(eq + 1);
    }
    const query = loadQuery(positionals[0]!);
    await run(query.sql, bindParams(query, given), format, query.round, values.output as string | undefined);
    return 0;
  },
});

export const sqlCommand = defineCommand({
  path: ['sql'],
  usage: `sql "SELECT ..." [--format ${FORMATS.join('|')}] [--output FILE]`,
  summary: 'Run any query against the warehouse: read-only, one statement, no file outside the lake.',
  help: `
The warehouse is opened read-only in a sandbox: one statement per call, queries only (SELECT,
WITH ..., EXPLAIN; COPY, ATTACH, INSTALL, SET and writes are refused), a time limit of 30 s, and no
file outside the lake (read_text('/etc/passwd') is refused). Tables: lake_* (the lake, views over
its Parquet files), stg_* (staging views), mart_* (marts), batches, _builds, _checks.

Options:
${FORMAT_HELP}

Example:
  gamelake sql "SELECT reason, count(*) FROM stg_quarantine GROUP BY ALL ORDER BY 2 DESC"`,
  options: { format: { type: 'string' }, output: { type: 'string' } },
  positionals: true,
  async run({ values, positionals }) {
    if (positionals.length !== 1) throw new UsageError('give the SQL as one argument (quote it)');
    await run(positionals[0]!, undefined, parseFormat(values.format), undefined, values.output as string | undefined);
    return 0;
  },
});
