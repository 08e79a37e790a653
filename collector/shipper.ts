import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { awaitWorkflow, startIngest } from '../platform/client/index.ts';
import type { IngestBatchResult } from '../workflows/index.ts';
import type { Spool } from './spool.ts';

export interface ShipperOptions {
  spool: Spool;
  /** The Temporal client (asked for at each attempt: the server may come and go). */
  temporal: () => Promise<Client>;
  taskQueue: string;
  /** Segments ingested at once (default 2). */
  concurrency?: number;
  /** One line per event worth an operator's eye (a failure, Temporal unreachable). */
  log?: (line: string) => void;
}

/** One shipped segment: when it closed, when its batch committed. */
export interface Shipped {
  segment: string;
  batchId: string;
  closedAt: number;
  committedAt: number;
  accepted: number;
  quarantined: number;
  duplicates: number;
}

/**
 * Ingests the spool's closed segments through the ingest-batch workflow (its id from the segment's
 * content, so a segment shipped twice, after a crash between start and removal, is ingested once) and
 * removes each once its batch is committed. A batch that failed for good is moved to `spool/failed/`
 * with its reason; while Temporal cannot be reached the segments wait and the health says why.
 */
export class Shipper {
  private readonly options: ShipperOptions;
  private readonly inFlight = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Why the last attempt to reach Temporal failed, or undefined when it answered. */
  temporalError: string | undefined;
  readonly recent: Shipped[] = [];
  private readonly closedAt = new Map<string, number>();

  constructor(options: ShipperOptions) {
    this.options = options;
  }

  start(): void {
    this.timer = setInterval(() => this.poke(), 1000);
    this.timer.unref();
    this.poke();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  /**
   * Ships what the spool holds (the segment closed at shutdown included) for up to `timeoutMs`, then stops;
   * resolves with the segments left, which the next start ships.
   */
  async drain(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    this.poke();
    while ((this.options.spool.closed().length > 0 || this.inFlight.size > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      this.poke();
    }
    this.stop();
    return this.options.spool.closed().length;
  }

  /** A segment just closed: ship it now rather than at the next tick. */
  notify(segment: string): void {
    this.closedAt.set(path.basename(segment), Date.now());
    this.poke();
  }

  /** Segments being ingested now. */
  get shipping(): number {
    return this.inFlight.size;
  }

  private poke(): void {
    if (this.stopped) return;
    const limit = this.options.concurrency ?? 2;
    for (const segment of this.options.spool.closed()) {
      if (this.inFlight.size >= limit) break;
      if (this.inFlight.has(segment)) continue;
      this.inFlight.add(segment);
      void this.ship(segment).finally(() => {
        this.inFlight.delete(segment);
        this.poke();
      });
    }
  }

  private async ship(segment: string): Promise<void> {
    const log = this.options.log ?? (() => {});
    let client: Client;
    let started: Awaited<ReturnType<typeof startIngest>>;
    try {
      client = await this.options.temporal();
      started = await startIngest(client, this.options.taskQueue, segment);
      this.temporalError = undefined;
    } catch (err) {
      const message = (err as Error).message.split('\n')[0]!;
      if (this.temporalError !== message) log(`collector: cannot start the ingestion of ${path.basename(segment)} (will retry): ${message}`);
      this.temporalError = message;
      await new Promise((r) => setTimeout(r, 2000));
      return;
    }
    let result: IngestBatchResult;
    try {
      result = await awaitWorkflow<IngestBatchResult>(started.handle);
    } catch (err) {
      const reason = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
      if (this.stopped) return;
      // The batch failed for good (the workflow reports every retryable fault by retrying): set it aside.
      const failed = path.join(path.dirname(this.options.spool.closedDir), 'failed');
      mkdirSync(failed, { recursive: true });
      renameSync(segment, path.join(failed, path.basename(segment)));
      writeFileSync(path.join(failed, `${path.basename(segment)}.reason.txt`), `${reason}\n`);
      log(`collector: batch ${started.batchId} (${path.basename(segment)}) failed, moved to spool/failed/: ${reason.split('\n')[0]}`);
      return;
    }
    this.options.spool.remove(segment);
    const name = path.basename(segment);
    this.recent.push({
      segment: name,
      batchId: result.batchId,
      closedAt: this.closedAt.get(name) ?? Date.now(),
      committedAt: Date.now(),
      accepted: result.accepted,
      quarantined: result.quarantined,
      duplicates: result.duplicates,
    });
    this.closedAt.delete(name);
    if (this.recent.length > 20) this.recent.shift();
  }
}
