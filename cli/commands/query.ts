import { writeSync } from 'node:fs';
import { dataLayout, loadConfig } from '../../platform/env.ts';
import { UsageError } from '../../platform/errors.ts';
import { bindParams, listQueries, loadQuery, runSql } from '../../warehouse/queries.ts';
import { defineCommand } from '../command.ts';
import { FORMATS, parseFormat, render } from '../format.ts';

function write(output: string | Uint8Array): void {
  if (typeof output === 'string') process.stdout.write(output);
  else writeSync(1, output);
}

export const queryCommand = defineCommand({
  path: ['query'],
  usage: 'query NAME [--param key=value]... [--format table|csv|json|arrow] | query --list',
  summary: 'Run a named business query (queries/NAME.sql) against the warehouse, parameters bound.',
  help: `
Options:
  --list            list the named queries with a one-line description and their parameters
  --param k=v       a parameter value (repeatable); numbers are bound as numbers
  --format F        ${FORMATS.join(', ')} (default table); json prints one object per line;
                    arrow writes an Arrow IPC stream (pandas, polars and R read it directly)

Example: gamelake query leaderboard --param product=exrps --param limit=5`,
  options: { list: { type: 'boolean' }, param: { type: 'string', multiple: true }, format: { type: 'string' } },
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
    const result = await runSql(dataLayout(loadConfig().dataDir).warehouse, query.sql, bindParams(query, given));
    write(render(result, format));
    return 0;
  },
});

export const sqlCommand = defineCommand({
  path: ['sql'],
  usage: 'sql "SELECT ..." [--format table|csv|json|arrow]',
  summary: 'Run any SQL against the warehouse, read-only.',
  help: `
The warehouse is opened read-only: statements that change it fail. Tables: lake_* (the committed
lake), stg_* views, mart_* tables, batches. Example:
  gamelake sql "SELECT reason, count(*) FROM stg_quarantine GROUP BY ALL ORDER BY 2 DESC"`,
  options: { format: { type: 'string' } },
  positionals: true,
  async run({ values, positionals }) {
    if (positionals.length !== 1) throw new UsageError('give the SQL as one argument (quote it)');
    const result = await runSql(dataLayout(loadConfig().dataDir).warehouse, positionals[0]!);
    write(render(result, parseFormat(values.format)));
    return 0;
  },
});
