import { describe, expect, it } from 'vitest';
import { GateCancelledError, GateFullError, QueryGate } from '../../ui/query-gate.ts';

/** A task that ends when told to, recording that it started. */
function held(log: string[], name: string) {
  let end!: () => void;
  const done = new Promise<void>((r) => (end = r));
  const task = () => {
    log.push(name);
    return done.then(() => name);
  };
  return { task, end: () => end() };
}

describe('QueryGate', () => {
  it('runs at most `running` at once, starts waiters in arrival order, and refuses past its queue', async () => {
    const gate = new QueryGate({ name: 'SQL queries', running: 2, queued: 2 });
    const log: string[] = [];
    const tasks = ['a', 'b', 'c', 'd'].map((n) => held(log, n));
    const results = tasks.map((t) => gate.run(undefined, t.task));
    await expect(gate.run(undefined, async () => 'e')).rejects.toThrow(
      new GateFullError('busy: 2 SQL queries running and 2 waiting (the most this server takes); try again shortly', 1),
    );
    await Promise.resolve();
    expect(log).toEqual(['a', 'b']);
    expect([gate.running, gate.waiting]).toEqual([2, 2]);
    tasks[1]!.end();
    await results[1];
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['a', 'b', 'c']);
    for (const t of tasks) t.end();
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd']);
    expect([gate.running, gate.waiting]).toEqual([0, 0]);
  });

  it('drops a waiter whose signal aborts, so it never runs, and frees its place', async () => {
    const gate = new QueryGate({ name: 'pages', running: 1, queued: 1 });
    const log: string[] = [];
    const first = held(log, 'first');
    const running = gate.run(undefined, first.task);
    const leave = new AbortController();
    const waiting = gate.run(leave.signal, held(log, 'never').task);
    leave.abort();
    await expect(waiting).rejects.toBeInstanceOf(GateCancelledError);
    expect(gate.waiting).toBe(0);
    const next = gate.run(undefined, async () => 'next');
    first.end();
    expect(await Promise.all([running, next])).toEqual(['first', 'next']);
    expect(log).toEqual(['first']);
    await expect(gate.run(AbortSignal.abort(), async () => 'x')).rejects.toThrow('the request for pages was cancelled before it started');
  });
});
