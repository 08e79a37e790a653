import { UsageError } from '../platform/errors.ts';
import { FORMATS, type Format } from '../warehouse/export.ts';

export { FORMATS, render, type Format } from '../warehouse/export.ts';

export function parseFormat(value: unknown): Format {
  const format = (value ?? 'table') as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')} (got ${String(value)})`);
  return format;
}
