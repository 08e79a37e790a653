import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { awaitWorkflow, startIngest } from '../platform/client/index.ts';
import type { IngestBatchResult } from '../workflows/index.ts';
import { orphanedSpools, Spool } from './spool.ts';

export interface ShipperOptions {
  /** The spools it ships: a collector's (one per write-key scope) or a consumer's. */
  spools: readonly Spool[];
  /** The Temporal client (asked for at each attempt: the server may come and go). */
  temporal: () => Promise<Client>;
  taskQueue: string;
  /** Segments ingested at once (default 2). */
  concurrency?: number;
  /** One line per event worth an operator's eye (a failure, Temporal unreachable). */
  log?: (line: string) => void;
}

/** How often a shipper looks for spool folders whose writer is gone. */
const ADOPT_EVERY_MS = 5000;

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
  private readonly adopted = new Map<string, Spool>();
  private lastAdopt = 0;

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
    const left = () => this.all().reduce((n, s) => n + s.closed().length, 0);
    while ((left() > 0 || this.inFlight.size > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      this.poke();
    }
    this.stop();
    const remaining = left();
    for (const spool of this.adopted.values()) await spool.close();
    this.adopted.clear();
    return remaining;
  }

  /** A segment just closed: ship it now rather than at the next tick. */
  notify(): void {
    this.poke();
  }

  /** Segments being ingested now. */
  get shipping(): number {
    return this.inFlight.size;
  }

  /**
   * Takes over the spool folders whose writer is gone (same machine: by process id), and lets go of emptied
   * ones. A consumer or collector killed and not started again left segments of events it acknowledged
   * already: this shipper ships them too.
   */
  private adopt(): void {
    if (Date.now() - this.lastAdopt < ADOPT_EVERY_MS) return;
    this.lastAdopt = Date.now();
    const own = new Set(this.options.spools.map((s) => path.dirname(s.openDir)));
    const root = path.dirname([...own][0]!);
    for (const dir of orphanedSpools(root, own)) {
      if (this.adopted.has(dir)) continue;
      try {
        const spool = new Spool({ dir });
        this.adopted.set(dir, spool);
        (this.options.log ?? (() => {}))(`collector: shipping the spool ${path.basename(dir)} its writer left (${spool.closed().length} segments)`);
      } catch {
        // Its writer came back, or another shipper took it first.
      }
    }
    for (const [dir, spool] of this.adopted) {
      if (spool.closed().length === 0 && ![...this.inFlight].some((s) => s.startsWith(`${dir}${path.sep}`))) {
        this.adopted.delete(dir);
        void spool.close();
      }
    }
  }

  /** Its own spools, then those it took over. */
  private all(): Spool[] {
    return [...this.options.spools, ...this.adopted.values()];
  }

  private spoolOf(segment: string): Spool {
    return this.all().find((s) => segment.startsWith(`${path.dirname(s.openDir)}${path.sep}`))!;
  }

  private poke(): void {
    if (this.stopped) return;
    this.adopt();
    const limit = this.options.concurrency ?? 2;
    for (const segment of this.all().flatMap((s) => s.closed())) {
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
      started = await startIngest(client, this.options.taskQueue, segment, { products: this.spoolOf(segment).products });
      this.temporalError = undefined;
    } catch (err) {
      const message = (err as Error).message.split('\n')[0]!;
      if (this.temporalError !== message) log(`collector: cannot start the ingestion of ${path.basename(segment)} (will retry): ${message}`);
      this.temporalError = message;
      await new Promise((r) => setTimeout(r, 2000));
      return;
    }
    try {
      await awaitWorkflow<IngestBatchResult>(started.handle);
    } catch (err) {
      const reason = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
      if (this.stopped) return;
      // The batch failed for good (the workflow reports every retryable fault by retrying): set it aside.
      const failed = path.join(path.dirname(this.spoolOf(segment).closedDir), 'failed');
      mkdirSync(failed, { recursive: true });
      renameSync(segment, path.join(failed, path.basename(segment)));
      writeFileSync(path.join(failed, `${path.basename(segment)}.reason.txt`), `${reason}\n`);
      log(`collector: batch ${started.batchId} (${path.basename(segment)}) failed, moved to spool/failed/: ${reason.split('\n')[0]}`);
      return;
    }
    this.spoolOf(segment).remove(segment);
  }
}
