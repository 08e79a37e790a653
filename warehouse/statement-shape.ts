/**
 * What a statement would do, read from its text before DuckDB prepares it (preparing some statements has
 * effects: EXPORT DATABASE creates its folder while it is planned). Only the words that decide it are read:
 * the first keyword, and for EXPLAIN its options and the statement it explains.
 */

/** First keywords of statements that only read: anything else is refused before it is prepared. */
const QUERY_STARTS = new Set(['SELECT', 'WITH', 'FROM', 'VALUES', 'TABLE', 'DESCRIBE', 'DESC', 'SHOW', 'SUMMARIZE', 'PIVOT', 'UNPIVOT', '(']);

export interface StatementShape {
  /** The statement's first keyword, upper case ('(' for a parenthesised query). */
  keyword: string;
  /** For EXPLAIN: the text of the statement it explains. */
  explained?: string;
}

/** Why a statement was refused, as one line for the person who wrote it. */
export class StatementShapeError extends Error {}

/** Index of the first character after whitespace and comments (`--` to the end of the line, nested block comments). */
function skipSpace(sql: string, i: number): number {
  for (;;) {
    while (i < sql.length && /\s/.test(sql[i]!)) i++;
    if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (sql.startsWith('/*', i)) {
      let depth = 1;
      i += 2;
      while (depth > 0) {
        if (i >= sql.length) throw new StatementShapeError('a /* comment is never closed');
        if (sql.startsWith('/*', i)) {
          depth++;
          i += 2;
        } else if (sql.startsWith('*/', i)) {
          depth--;
          i += 2;
        } else i++;
      }
    } else return i;
  }
}

/** The bare word at i (letters, digits, _), upper case, and where it ends; '' when none starts there. */
function wordAt(sql: string, i: number): { word: string; end: number } {
  const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i, i + 64));
  return m ? { word: m[0].toUpperCase(), end: i + m[0].length } : { word: '', end: i };
}

/** The end of the parenthesised group opening at i (quotes and comments inside are skipped). */
function groupEnd(sql: string, i: number): number {
  let depth = 0;
  while (i < sql.length) {
    i = skipSpace(sql, i);
    const ch = sql[i];
    if (ch === "'" || ch === '"') {
      const close = sql.indexOf(ch, i + 1);
      if (close < 0) throw new StatementShapeError(`a ${ch} quote is never closed`);
      i = close + 1;
      continue;
    }
    if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i + 1;
    i++;
  }
  throw new StatementShapeError('a ( is never closed');
}

/**
 * The shape of one statement (the first, if several): refuses any that does not start as a query, and any
 * EXPLAIN ANALYZE (it runs the statement it explains, whatever that statement is).
 */
export function statementShape(sql: string): StatementShape {
  let start = skipSpace(sql, 0);
  while (sql[start] === ';') start = skipSpace(sql, start + 1);
  if (start >= sql.length) throw new StatementShapeError('no SQL statement given');
  if (sql[start] === '(') return { keyword: '(' };
  const { word, end } = wordAt(sql, start);
  if (word === 'EXPLAIN') {
    let i = skipSpace(sql, end);
    const next = wordAt(sql, i);
    if (next.word === 'ANALYZE' || next.word === 'ANALYSE') throw new StatementShapeError('EXPLAIN ANALYZE runs the statement it explains: use EXPLAIN without ANALYZE here');
    if (sql[i] === '(') {
      const close = groupEnd(sql, i);
      if (/\bANALY[SZ]E\b/i.test(sql.slice(i, close))) throw new StatementShapeError('EXPLAIN (ANALYZE) runs the statement it explains: use EXPLAIN without ANALYZE here');
      i = close;
    }
    const explained = sql.slice(i);
    const inner = statementShape(explained);
    if (inner.keyword === 'EXPLAIN') throw new StatementShapeError('EXPLAIN of an EXPLAIN is not a query');
    return { keyword: 'EXPLAIN', explained };
  }
  if (!QUERY_STARTS.has(word)) {
    const shown = word || sql.slice(start, start + 20).trim() || '(nothing)';
    throw new StatementShapeError(`the warehouse is read-only: only queries (SELECT, WITH ..., FROM ..., EXPLAIN) run here, not a statement starting with ${shown}`);
  }
  return { keyword: word };
}
