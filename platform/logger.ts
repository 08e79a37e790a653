import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';

/**
 * The worker's and the CLI's log, through the SDK's logger hook (Runtime.install): one line per event.
 * A fault that is retried on purpose (a Steam 500, a 429, a worker that died mid-batch) is one line naming
 * the activity, the attempt and the reason, never a stack trace or a task token; gamelake's own lines (a
 * committed batch, a build) are kept, the SDK's chatter below a warning is not. GAMELAKE_DEBUG prints
 * everything, as the SDK gives it.
 */
const LEVELS: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };

/** The first line of an error's message (what a person reads), from the SDK's log metadata. */
function reasonOf(meta: LogMetadata | undefined): string {
  const err = meta?.error as { message?: string; cause?: { message?: string } } | undefined;
  const message = err?.cause?.message ?? err?.message ?? (meta?.failure as string | undefined) ?? '';
  return String(message)
    .split('\n')[0]!
    .replace(/\s+at\s+\S+\s*$/, '');
}

export function formatLogLine(level: LogLevel, message: string, meta?: LogMetadata): string | undefined {
  const time = new Date().toISOString().slice(11, 19);
  if (message === 'Activity failed' || message === 'Activity task failed') {
    const retrying = meta?.retryState === undefined || meta?.retryState === 'IN_PROGRESS';
    return `${time} ${meta?.activityType ?? 'activity'} attempt ${meta?.attempt ?? '?'} failed${retrying ? ', retrying' : ''}: ${reasonOf(meta)}`;
  }
  if (message === 'Workflow failed' || message === 'Workflow completed as failed') {
    return `${time} workflow ${meta?.workflowId ?? ''} failed: ${reasonOf(meta)}`;
  }
  // gamelake's own lines (committed batches, builds) and every warning or error, without the SDK's metadata dump.
  if (meta?.gamelake === true || LEVELS[level] >= LEVELS.WARN) {
    const fields = meta?.gamelake === true ? Object.entries(meta).filter(([k]) => k !== 'gamelake' && k !== 'sdkComponent' && !k.startsWith('task')) : [];
    const extra = fields.map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(' ');
    const reason = LEVELS[level] >= LEVELS.WARN ? reasonOf(meta) : '';
    return `${time} ${level === 'INFO' ? '' : `${level.toLowerCase()} `}${message}${reason ? `: ${reason}` : ''}${extra ? ` ${extra}` : ''}`;
  }
  return undefined;
}

export class OneLineLogger implements Logger {
  private readonly write: (line: string) => void;
  private readonly debug_: boolean;
  constructor(write: (line: string) => void = (line) => process.stderr.write(`${line}\n`), debug = Boolean(process.env.GAMELAKE_DEBUG)) {
    this.write = write;
    this.debug_ = debug;
  }
  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    if (this.debug_) {
      this.write(`${level} ${message} ${meta ? JSON.stringify(meta, (_k, v) => (v instanceof Error ? { message: v.message, stack: v.stack } : v)) : ''}`);
      return;
    }
    const line = formatLogLine(level, message, meta);
    if (line) this.write(line);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
