import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * What a live event source (a collector, a Redis consumer) reports about itself, written every few seconds
 * as `status.json` in its spool folder: the UI's Pipeline page and `gamelake consume status` read it, from
 * another process, with no network between them.
 */
export interface LiveStatus {
  kind: 'collector' | 'redis-consumer';
  /** The collector's URL, or the consumer's stream/group/consumer. */
  name: string;
  pid: number;
  startedAt: string;
  updatedAt: string;
  /** False once it stopped (a SIGTERM); a killed one stays true with its pid gone. */
  running: boolean;
  /** Since start. */
  events: number;
  requests?: number;
  accepted?: number;
  /** Refused requests by HTTP status. */
  refused?: Record<string, number>;
  /** Over the last ten seconds or so. */
  eventsPerSecond: number;
  requestsPerSecond?: number;
  spool: { depthBytes: number; closedSegments: number; limitBytes: number };
  /** The consumer's group as Redis last reported it: entries delivered and not acknowledged, and not yet delivered. */
  redis?: { stream: string; group: string; pending: number | null; lag: number | null };
}

export interface LiveSource extends LiveStatus {
  /** running: reported within the last 15 s by a live process; stopped; gone: killed (its pid is not alive) or silent. */
  state: 'running' | 'stopped' | 'gone';
}

const FILE = 'status.json';

/** Writes a source's status into its spool folder (atomically: a reader never sees half). */
export function writeLiveStatus(spoolDir: string, status: LiveStatus): void {
  const file = path.join(spoolDir, FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(status)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** True when a process of this machine runs with that id (or exists under another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live sources that reported under a data directory's spool root, by name. */
export function readLiveSources(spoolRoot: string, now = Date.now()): LiveSource[] {
  if (!existsSync(spoolRoot)) return [];
  const out: LiveSource[] = [];
  for (const entry of readdirSync(spoolRoot, { withFileTypes: true })) {
    const file = path.join(spoolRoot, entry.name, FILE);
    if (!entry.isDirectory() || !existsSync(file)) continue;
    let s: LiveStatus;
    try {
      s = JSON.parse(readFileSync(file, 'utf8')) as LiveStatus;
    } catch {
      continue;
    }
    const fresh = now - Date.parse(s.updatedAt) < 15_000;
    out.push({ ...s, state: !s.running ? 'stopped' : fresh && processAlive(s.pid) ? 'running' : 'gone' });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Events (or requests) per second over a sliding window, from counters sampled as they grow. */
export class RateMeter {
  private readonly samples: Array<{ at: number; value: number }> = [];
  private readonly windowMs: number;
  constructor(windowMs = 10_000) {
    this.windowMs = windowMs;
  }

  /** Records the counter's value now; returns the rate over the window. */
  sample(value: number, now = Date.now()): number {
    this.samples.push({ at: now, value });
    while (this.samples.length > 2 && now - this.samples[1]!.at >= this.windowMs) this.samples.shift();
    const first = this.samples[0]!;
    const span = (now - first.at) / 1000;
    return span > 0 ? Math.round(((value - first.value) / span) * 10) / 10 : 0;
  }
}
