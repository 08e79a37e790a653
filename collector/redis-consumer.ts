import path from 'node:path';
import { createClient } from 'redis';
import { RateMeter, writeLiveStatus } from '../platform/live-status.ts';
import { entryLine } from './stream-entry.ts';
import { spoolTotals, type Spool } from './spool.ts';

export interface RedisConsumerOptions {
  url: string;
  stream: string;
  group?: string;
  consumer: string;
  spool: Spool;
  /** Entries read per XREADGROUP (default 1000). */
  count?: number;
  /** Pending entries idle this long (another consumer died holding them) are claimed (default 30 s). */
  claimIdleMs?: number;
  log?: (line: string) => void;
}

export interface ConsumerStatus {
  stream: string;
  group: string;
  consumers: number;
  /** Delivered to a consumer, not yet acknowledged. */
  pending: number;
  /** Entries not yet delivered to the group (null when Redis cannot say). */
  lag: number | null;
  lastDeliveredId: string;
  /** Entries delivered to the group so far (null when Redis cannot say). */
  entriesRead: number | null;
}

type Client = ReturnType<typeof createClient>;
type Entry = { id: string; message: Record<string, string> };

/**
 * Consumes a Redis stream with a consumer group: reads entries (XREADGROUP), appends them to the spool as
 * event lines, and acknowledges them (XACK) only once the append is fsynced, so an entry is never
 * acknowledged before it is stored. Entries a dead consumer held are claimed after an idle time
 * (XAUTOCLAIM). An entry delivered twice (a consumer killed between the append and the XACK) is the same
 * event, de-duplicated at ingestion by its event_id.
 */
export class RedisConsumer {
  private readonly options: RedisConsumerOptions;
  private client: Client | undefined;
  private stopping = false;
  private loop: Promise<void> | undefined;
  /** Entries stored and acknowledged since start. */
  acknowledged = 0;
  private readonly startedAt = new Date().toISOString();
  private readonly rate = new RateMeter();
  private reportedAt = 0;
  private group_: { pending: number | null; lag: number | null; at: number } = { pending: null, lag: null, at: 0 };

  constructor(options: RedisConsumerOptions) {
    this.options = options;
  }

  get group(): string {
    return this.options.group ?? 'gamelake';
  }

  async start(): Promise<void> {
    this.client = createClient({ url: this.options.url });
    this.client.on('error', (err: Error) => this.options.log?.(`consumer: Redis ${this.options.url}: ${err.message}`));
    await this.client.connect();
    try {
      await this.client.xGroupCreate(this.options.stream, this.group, '0', { MKSTREAM: true });
    } catch (err) {
      if (!String((err as Error).message).startsWith('BUSYGROUP')) throw err;
    }
    this.loop = this.run();
  }

  /** Stops reading; what was read is stored and acknowledged first. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop?.catch(() => {});
    this.report(false);
    await this.client?.quit().catch(() => {});
  }

  /** The group's pending entries and lag (XINFO GROUPS, every 5 s), for the status file the UI reads. */
  private async refreshGroup(client: Client): Promise<void> {
    if (Date.now() - this.group_.at < 5000) return;
    this.group_.at = Date.now();
    const groups = (await client.xInfoGroups(this.options.stream)) as unknown as Array<Record<string, unknown>>;
    const g = groups.find((x) => String(x.name) === this.group);
    const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
    this.group_ = { pending: num(g?.pending), lag: num(g?.lag), at: this.group_.at };
  }

  /** Writes the status file the UI and the worker's metrics read (also once more after the spool is shipped). */
  report(running: boolean): void {
    this.reportedAt = Date.now();
    const spool = this.options.spool;
    writeLiveStatus(path.dirname(spool.openDir), {
      kind: 'redis-consumer',
      name: `${this.options.stream}/${this.group}/${this.options.consumer}`,
      pid: process.pid,
      startedAt: this.startedAt,
      updatedAt: new Date().toISOString(),
      running,
      events: this.acknowledged,
      eventsPerSecond: this.rate.sample(this.acknowledged),
      spool: { ...spoolTotals([spool]), limitBytes: spool.limitBytes },
      redis: { stream: this.options.stream, group: this.group, pending: this.group_.pending, lag: this.group_.lag },
    });
  }

  private async run(): Promise<void> {
    const client = this.client!;
    const { stream, consumer } = this.options;
    const count = this.options.count ?? 1000;
    let lastClaim = 0;
    while (!this.stopping) {
      try {
        if (Date.now() - this.reportedAt >= 2000) {
          // A status that cannot be had never holds up the reading.
          await this.refreshGroup(client).catch(() => {});
          this.report(true);
        }
        let entries: Entry[] = [];
        if (Date.now() - lastClaim > Math.min(5000, this.options.claimIdleMs ?? 30_000)) {
          lastClaim = Date.now();
          const claimed = await client.xAutoClaim(stream, this.group, consumer, this.options.claimIdleMs ?? 30_000, '0-0', { COUNT: count });
          entries = (claimed.messages as Array<Entry | null>).filter((m): m is Entry => m !== null);
          if (entries.length > 0) this.options.log?.(`consumer: claimed ${entries.length} entries another consumer left pending`);
        }
        if (entries.length === 0) {
          const read = await client.xReadGroup(this.group, consumer, { key: stream, id: '>' }, { COUNT: count, BLOCK: 500 });
          entries = ((read as Array<{ messages: Entry[] }> | null) ?? []).flatMap((r) => r.messages);
        }
        if (entries.length === 0) continue;
        // One buffer for the read (each line has no newline of its own: entryLine makes it one line).
        let text = '';
        for (const e of entries) text += `${entryLine(stream, e.id, e.message)}\n`;
        await this.options.spool.appendChunk(Buffer.from(text), entries.length);
        await client.xAck(
          stream,
          this.group,
          entries.map((e) => e.id),
        );
        this.acknowledged += entries.length;
      } catch (err) {
        if (this.stopping) break;
        this.options.log?.(`consumer: ${(err as Error).message.split('\n')[0]} (retrying in 1 s)`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }
}

/** A stream's consumer groups as XINFO GROUPS reports them (for `gamelake consume status`). */
export async function consumerStatus(url: string, stream: string): Promise<ConsumerStatus[]> {
  const client = createClient({ url });
  client.on('error', () => {});
  await client.connect();
  try {
    const groups = (await client.xInfoGroups(stream)) as unknown as Array<Record<string, unknown>>;
    return groups.map((g) => ({
      stream,
      group: String(g.name),
      consumers: Number(g.consumers),
      pending: Number(g.pending),
      lag: g.lag === null || g.lag === undefined ? null : Number(g.lag),
      lastDeliveredId: String(g['last-delivered-id']),
      entriesRead: g['entries-read'] === null || g['entries-read'] === undefined ? null : Number(g['entries-read']),
    }));
  } finally {
    await client.quit().catch(() => {});
  }
}
