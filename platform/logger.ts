import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import { pino, type Logger as Pino } from 'pino';

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
  if (EXPECTED.has(message)) return undefined;
  // gamelake's own lines (committed batches, builds) and every warning or error, without the SDK's
  // context (workflow and activity ids, attempt, namespace: the JSON format keeps those).
  if (meta?.gamelake === true || LEVELS[level] >= LEVELS.WARN) {
    const fields = meta?.gamelake === true ? Object.entries(meta).filter(([k]) => k !== 'gamelake' && !SDK_CONTEXT.has(k) && !k.startsWith('task')) : [];
    const extra = fields.map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(' ');
    const reason = LEVELS[level] >= LEVELS.WARN ? reasonOf(meta) : '';
    return `${time} ${level === 'INFO' ? '' : `${level.toLowerCase()} `}${message}${reason ? `: ${reason}` : ''}${extra ? ` ${extra}` : ''}`;
  }
  return undefined;
}

/** The SDK's context fields on an activity's or a workflow's log lines. */
const SDK_CONTEXT = new Set(['sdkComponent', 'isLocal', 'attempt', 'namespace', 'activityId', 'activityType', 'workflowId', 'workflowRunId', 'workflowType', 'taskQueue']);

/** Warnings that are expected and say nothing wrong: a Steam worker runs activities only. */
const EXPECTED = new Set(['No workflows registered, not polling for workflow tasks']);

/**
 * The log as JSON lines (pino), for log shippers: every line gamelake would print, with its fields (batch
 * id, counts, the workflow and activity it came from, the attempt) as JSON fields; a retried fault keeps
 * its one-line reason in `error`, never a stack.
 */
export function formatLogJson(level: LogLevel, message: string, meta?: LogMetadata): Record<string, unknown> | undefined {
  if (formatLogLine(level, message, meta) === undefined) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(meta ?? {})) {
    if (k === 'gamelake' || k === 'sdkComponent' || k.startsWith('task') || k === 'error' || k === 'failure' || v instanceof Error) continue;
    out[k] = v;
  }
  const reason = LEVELS[level] >= LEVELS.WARN || message.includes('failed') ? reasonOf(meta) : '';
  if (reason) out.error = reason;
  return out;
}

/** GAMELAKE_LOG_FORMAT: json or text; by default JSON when stderr is not a terminal. */
export function logFormat(env: NodeJS.ProcessEnv = process.env, tty = Boolean(process.stderr.isTTY)): 'json' | 'text' {
  const asked = env.GAMELAKE_LOG_FORMAT?.trim().toLowerCase();
  if (asked === 'json' || asked === 'text') return asked;
  return tty ? 'text' : 'json';
}

export class OneLineLogger implements Logger {
  private readonly write: (line: string) => void;
  private readonly debug_: boolean;
  private readonly json: Pino | undefined;
  constructor(write: (line: string) => void = (line) => process.stderr.write(`${line}\n`), debug = Boolean(process.env.GAMELAKE_DEBUG), format: 'json' | 'text' = 'text') {
    this.write = write;
    this.debug_ = debug;
    this.json =
      format === 'json'
        ? pino(
            { base: null, level: 'trace', timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } },
            { write: (line: string) => this.write(line.replace(/\n$/, '')) },
          )
        : undefined;
  }
  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    if (this.debug_) {
      this.write(`${level} ${message} ${meta ? JSON.stringify(meta, (_k, v) => (v instanceof Error ? { message: v.message, stack: v.stack } : v)) : ''}`);
      return;
    }
    if (this.json) {
      const fields = formatLogJson(level, message, meta);
      if (fields) this.json[level === 'WARN' ? 'warn' : level === 'ERROR' ? 'error' : 'info'](fields, message);
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

/**
 * One line of a long-running process's own (the worker's start and stop): in the log's format, so a log
 * shipper reading JSON gets JSON from every line (`msg` the sentence, `fields` beside it).
 */
export function logLine(message: string, fields: Record<string, unknown> = {}, format: 'json' | 'text' = logFormat()): string {
  if (format === 'text') return message;
  return JSON.stringify({ level: 'info', time: new Date().toISOString(), ...fields, msg: message });
}
