import { describe, expect, it } from 'vitest';
import { formatLogLine, logFormat, logLine, OneLineLogger } from '../../platform/logger.ts';

const sdkContext = {
  isLocal: false,
  attempt: 1,
  namespace: 'default',
  activityId: '3',
  activityType: 'commitBatch',
  workflowId: 'ingest-batch-0ccf95f3f1d63dde',
  workflowRunId: '01a24fc8-cab2-7aa5-975d-52cca323fdb2',
  workflowType: 'ingestBatchWorkflow',
  taskQueue: 'gamelake',
  taskToken: 'AAAA',
};

function capture(format: 'json' | 'text') {
  const lines: string[] = [];
  return { lines, logger: new OneLineLogger((l) => lines.push(l), false, format) };
}

describe("the worker's log", () => {
  it('on a terminal: one short line per event, without the SDK context fields or expected warnings', () => {
    const line = formatLogLine('INFO', 'committed batch', { gamelake: true, ...sdkContext, batch: '0ccf95f3f1d63dde', lines: 9800, accepted: 9800 });
    expect(line).toMatch(/^\d{2}:\d{2}:\d{2} committed batch batch=0ccf95f3f1d63dde lines=9800 accepted=9800$/);
    expect(formatLogLine('WARN', 'No workflows registered, not polling for workflow tasks', { sdkComponent: 'worker' })).toBeUndefined();
    expect(formatLogLine('DEBUG', 'Workflow started', sdkContext)).toBeUndefined();
    const failed = formatLogLine('WARN', 'Activity failed', {
      ...sdkContext,
      activityType: 'steamSequencePage',
      attempt: 4,
      error: new Error('no answer within 1500 ms\n    at fetch (x.ts:1)'),
    });
    expect(failed).toMatch(/ steamSequencePage attempt 4 failed, retrying: no answer within 1500 ms$/);
  });

  it('elsewhere: JSON lines with the fields, the context kept, the reason in one line and never a stack or a task token', () => {
    const { lines, logger } = capture('json');
    logger.info('committed batch', { gamelake: true, ...sdkContext, batch: '0ccf95f3f1d63dde', accepted: 9800 });
    logger.warn('Activity failed', { ...sdkContext, attempt: 2, error: new Error('HTTP 500 from http://127.0.0.1/x\n    at y (z.ts:1)') });
    logger.warn('No workflows registered, not polling for workflow tasks', {});
    logger.debug('Workflow started', sdkContext);
    expect(lines).toHaveLength(2);
    const [committed, failed] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(committed).toMatchObject({ level: 'info', msg: 'committed batch', batch: '0ccf95f3f1d63dde', accepted: 9800, workflowId: sdkContext.workflowId, attempt: 1 });
    expect(typeof committed!.time).toBe('string');
    expect(failed).toMatchObject({ level: 'warn', msg: 'Activity failed', activityType: 'commitBatch', attempt: 2, error: 'HTTP 500 from http://127.0.0.1/x' });
    expect(lines.join('\n')).not.toMatch(/taskToken|AAAA|at y \(/);
  });

  it("writes the worker's own lines in the same format", () => {
    expect(logLine('worker stopped', {}, 'text')).toBe('worker stopped');
    expect(JSON.parse(logLine('worker polling task queue "q"', { taskQueue: 'q' }, 'json'))).toMatchObject({ level: 'info', msg: 'worker polling task queue "q"', taskQueue: 'q' });
  });

  it('is JSON unless stderr is a terminal, or as GAMELAKE_LOG_FORMAT says', () => {
    expect(logFormat({}, false)).toBe('json');
    expect(logFormat({}, true)).toBe('text');
    expect(logFormat({ GAMELAKE_LOG_FORMAT: 'text' }, false)).toBe('text');
    expect(logFormat({ GAMELAKE_LOG_FORMAT: 'JSON' }, true)).toBe('json');
  });
});
