import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { CollectorConfigError, SpoolBusyError } from './errors.ts';
import { processAlive } from '../platform/live-status.ts';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { closedSegmentName, openSegmentName } from '../transforms/segment-name.ts';

/** Defaults: a segment closes at 64 MiB or 5 s after its first event; the spool refuses more at 1 GiB. */
export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
export const DEFAULT_SEGMENT_AGE_MS = 5_000;
export const DEFAULT_SPOOL_LIMIT_BYTES = 1024 * 1024 * 1024;

export interface SpoolOptions {
  /** The spool's folder (`$GAMELAKE_DATA_DIR/spool`): `open/` the segment being written, `closed/` those to ingest. */
  dir: string;
  segmentBytes?: number;
  segmentAgeMs?: number;
  /** Bytes (open and closed segments) beyond which appends are refused: backpressure, not unbounded disk. */
  limitBytes?: number;
  /**
   * The products the spool's senders may write (a product-scoped write key), kept in its `scope.json`:
   * its batches quarantine other products' lines as unauthorized_product. Absent: read from `scope.json`
   * when there is one (a spool taken over), else any product.
   */
  products?: readonly string[];
  /** Called with a segment's path once it is closed (durable, complete, never written again). */
  onClosed?: (segment: string) => void;
  /** The clock (tests). */
  now?: () => number;
}

export interface Appended {
  /** The segment the lines went to (its open name; it moves to closed/ with its last acknowledgement added). */
  segment: string;
}

interface Pending {
  /** Whole lines, each ended by a newline. */
  data: Buffer;
  resolve: (a: Appended) => void;
  reject: (err: Error) => void;
}

/**
 * The collector's spool: acknowledged events appended to segment files and fsynced before the append
 * resolves. Appends that arrive while one is being written are written and synced together (group
 * commit: one fdatasync for many requests). A segment closes (renamed from open/ to closed/, the folder
 * synced) at a size or an age; at start, segments a killed collector left in open/ are cut back to their
 * last whole line (the rest belonged to a request never acknowledged) and closed.
 */
export class Spool {
  readonly openDir: string;
  readonly closedDir: string;
  private readonly segmentBytes: number;
  private readonly segmentAgeMs: number;
  readonly limitBytes: number;
  /** The products its senders may write, sorted; undefined: any. */
  readonly products: readonly string[] | undefined;
  private readonly onClosed: (segment: string) => void;
  private readonly now: () => number;
  private queue: Pending[] = [];
  private draining: Promise<void> | undefined;
  private current: { name: string; file: FileHandle; bytes: number; openedAt: number; lastAckAt: number } | undefined;
  private rotateWanted = false;
  private counter = 0;
  private closedBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly lockFile: string;

  constructor(options: SpoolOptions) {
    this.openDir = path.join(options.dir, 'open');
    this.closedDir = path.join(options.dir, 'closed');
    this.segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    this.segmentAgeMs = options.segmentAgeMs ?? DEFAULT_SEGMENT_AGE_MS;
    this.limitBytes = options.limitBytes ?? DEFAULT_SPOOL_LIMIT_BYTES;
    this.onClosed = options.onClosed ?? (() => {});
    this.now = options.now ?? Date.now;
    mkdirSync(this.openDir, { recursive: true });
    mkdirSync(this.closedDir, { recursive: true });
    this.lockFile = path.join(options.dir, '.writer');
    takeLock(this.lockFile);
    this.products = spoolScope(options.dir, options.products);
    this.recover();
    this.closedBytes = this.closed().reduce((sum, s) => sum + sizeOf(s), 0);
    this.timer = setInterval(() => this.tick(), Math.max(50, Math.min(1000, Math.floor(this.segmentAgeMs / 5))));
    this.timer.unref();
  }

  /** Closed segments waiting to be ingested, oldest first (their names sort by time). */
  closed(): string[] {
    return readdirSync(this.closedDir)
      .filter((f) => f.endsWith('.ndjson'))
      .sort()
      .map((f) => path.join(this.closedDir, f));
  }

  /** Bytes held: closed segments not yet ingested, the open one, and appends waiting. */
  depthBytes(): number {
    return this.closedBytes + (this.current?.bytes ?? 0) + this.queue.reduce((s, p) => s + p.data.length, 0);
  }

  full(): boolean {
    return this.depthBytes() >= this.limitBytes;
  }

  /** Removes a closed segment once its batch is committed. */
  remove(segment: string): void {
    const bytes = sizeOf(segment);
    rmSync(segment, { force: true });
    this.closedBytes = Math.max(0, this.closedBytes - bytes);
  }

  /** Appends lines (each without its newline) and resolves once they are on disk. */
  append(lines: readonly Buffer[]): Promise<Appended> {
    const parts: Buffer[] = [];
    for (const line of lines) parts.push(line, NEWLINE);
    return this.appendChunk(Buffer.concat(parts), lines.length);
  }

  /** Appends whole NDJSON lines (each ended by a newline) and resolves once they are on disk. */
  appendChunk(data: Buffer, lines: number): Promise<Appended> {
    if (this.stopped) return Promise.reject(new Error('the spool is closed'));
    if (lines === 0) return Promise.resolve({ segment: this.current?.name ?? '' });
    return new Promise<Appended>((resolve, reject) => {
      this.queue.push({ data, resolve, reject });
      void this.kick();
    });
  }

  /** Closes the open segment now (it is ingested like any other); a no-op when it is empty. */
  async flush(): Promise<void> {
    this.rotateWanted = true;
    do await this.kick();
    while (this.queue.length > 0 || (this.rotateWanted && this.current));
  }

  /** Writes what was accepted, closes the open segment and stops. */
  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.flush();
    rmSync(this.lockFile, { force: true });
  }

  private tick(): void {
    if (this.current && this.now() - this.current.openedAt >= this.segmentAgeMs) {
      this.rotateWanted = true;
      void this.kick();
    }
  }

  /** Starts the writer when it is idle; resolves when it has nothing left to do. */
  private kick(): Promise<void> {
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  /** The one writer: appends, syncs and closes segments, one step at a time. */
  private async drain(): Promise<void> {
    while (this.queue.length > 0 || this.rotateWanted) {
      if (this.rotateWanted) {
        this.rotateWanted = false;
        if (this.current) await this.rotate();
      }
      if (this.queue.length === 0) continue;
      const batch = this.queue.splice(0);
      try {
        const segment = await this.segment();
        const data = batch.length === 1 ? batch[0]!.data : Buffer.concat(batch.map((p) => p.data));
        for (let at = 0; at < data.length; ) at += (await segment.file.write(data, at, data.length - at)).bytesWritten;
        await segment.file.datasync();
        segment.bytes += data.length;
        segment.lastAckAt = this.now();
        for (const p of batch) p.resolve({ segment: segment.name });
        if (segment.bytes >= this.segmentBytes) this.rotateWanted = true;
      } catch (err) {
        for (const p of batch) p.reject(err as Error);
        // A segment that failed a write may hold part of it: it is set aside, cut back at the next start.
        const broken = this.current;
        this.current = undefined;
        await broken?.file.close().catch(() => {});
      }
    }
  }

  private async segment() {
    if (this.current) return this.current;
    this.counter += 1;
    const name = openSegmentName(this.now(), process.pid, this.counter);
    const file = await open(path.join(this.openDir, name), 'a');
    syncDir(this.openDir);
    this.current = { name, file, bytes: 0, openedAt: this.now(), lastAckAt: this.now() };
    return this.current;
  }

  private async rotate(): Promise<void> {
    const segment = this.current;
    if (!segment) return;
    this.current = undefined;
    await segment.file.close();
    const from = path.join(this.openDir, segment.name);
    if (segment.bytes === 0) {
      rmSync(from, { force: true });
      return;
    }
    const to = path.join(this.closedDir, closedSegmentName(segment.name, segment.lastAckAt));
    renameSync(from, to);
    syncDir(this.closedDir);
    syncDir(this.openDir);
    this.closedBytes += segment.bytes;
    this.onClosed(to);
  }

  /** Segments a killed collector left open: cut back to the last whole line, then closed. */
  private recover(): void {
    for (const name of readdirSync(this.openDir).filter((f) => f.endsWith('.ndjson'))) {
      const file = path.join(this.openDir, name);
      // Its last acknowledgement was at its last write: the modification time, before a cut changes it.
      const lastAckAt = statSync(file).mtimeMs;
      const whole = lastNewline(file) + 1;
      if (whole === 0) {
        rmSync(file, { force: true });
        continue;
      }
      if (whole < sizeOf(file)) truncateSync(file, whole);
      fsyncPath(file);
      renameSync(file, path.join(this.closedDir, closedSegmentName(name, lastAckAt)));
    }
    syncDir(this.closedDir);
    syncDir(this.openDir);
  }
}

const NEWLINE = Buffer.from('\n');

/** The products a spool folder's batches may carry: given (and then recorded, durably), or as recorded. */
function spoolScope(dir: string, given: readonly string[] | undefined): readonly string[] | undefined {
  const file = path.join(dir, 'scope.json');
  if (given) {
    const products = [...new Set(given)].sort();
    const text = `${JSON.stringify({ products })}\n`;
    if (!existsSync(file) || readFileSync(file, 'utf8') !== text) {
      writeFileSync(`${file}.tmp`, text);
      fsyncPath(`${file}.tmp`);
      renameSync(`${file}.tmp`, file);
      syncDir(dir);
    }
    return products;
  }
  if (!existsSync(file)) return undefined;
  const recorded = JSON.parse(readFileSync(file, 'utf8')) as { products?: unknown };
  if (!Array.isArray(recorded.products) || !recorded.products.every((p) => typeof p === 'string')) {
    throw new CollectorConfigError(`${file} does not name the spool's products ({"products": [...]})`);
  }
  return recorded.products as string[];
}

/** Spool folders beside `own` (under the same root) whose writer is gone: their segments need a shipper. */
export function orphanedSpools(root: string, own: ReadonlySet<string>): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !own.has(path.join(root, e.name)))
    .map((e) => path.join(root, e.name))
    .filter((dir) => {
      const lock = path.join(dir, '.writer');
      if (!existsSync(lock)) return (existsSync(path.join(dir, 'closed')) && readdirSync(path.join(dir, 'closed')).length > 0) || hasOpen(dir);
      const pid = Number(readFileSync(lock, 'utf8').trim());
      return !(Number.isInteger(pid) && pid > 0 && processAlive(pid));
    });
}

function hasOpen(dir: string): boolean {
  return existsSync(path.join(dir, 'open')) && readdirSync(path.join(dir, 'open')).length > 0;
}

/**
 * One writer per spool folder: its open segment is cut back and closed at start, which would cut a live
 * writer's segment under it. The folder's `.writer` names the process; a dead one's is taken over.
 */
function takeLock(file: string): void {
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
    throw new SpoolBusyError(`the spool ${path.dirname(file)} is written by process ${pid}: one collector or consumer per spool (stop it, or give this one another name)`);
  }
  writeFileSync(file, String(process.pid));
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** The offset of a file's last newline, or -1. */
function lastNewline(file: string): number {
  const size = sizeOf(file);
  const fd = openSync(file, 'r');
  try {
    const chunk = Buffer.alloc(64 * 1024);
    for (let end = size; end > 0; ) {
      const start = Math.max(0, end - chunk.length);
      const n = readSync(fd, chunk, 0, end - start, start);
      const at = chunk.subarray(0, n).lastIndexOf(0x0a);
      if (at >= 0) return start + at;
      end = start;
    }
    return -1;
  } finally {
    closeSync(fd);
  }
}

/** Makes a folder's entries (a created or renamed file) durable. */
function syncDir(dir: string): void {
  if (existsSync(dir)) fsyncPath(dir);
}

/** fsync of a file's (or a folder's) content as it is on disk now. */
function fsyncPath(file: string): void {
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** What spools hold: bytes (closed, open and waiting) and closed segments not yet ingested. */
export function spoolTotals(spools: readonly Spool[]): { depthBytes: number; closedSegments: number } {
  return { depthBytes: spools.reduce((n, s) => n + s.depthBytes(), 0), closedSegments: spools.reduce((n, s) => n + s.closed().length, 0) };
}
