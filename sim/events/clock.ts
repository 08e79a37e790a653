import type { Random } from '../random.ts';

/** Where a game's timeline starts (ms) and how much its steps are stretched. */
export interface ClockOptions {
  start?: number;
  scale?: number;
}

/** Event time that moves forward by a random step per event, from a fixed start (deterministic). */
export class SimClock {
  private ms: number;
  private readonly rng: Random;
  private readonly scale: number;
  /** `scale` stretches every step (a longer timeline from the same events: retention tests span months). */
  constructor(rng: Random, start = Date.UTC(2026, 0, 1), scale = 1) {
    this.rng = rng;
    this.ms = start;
    this.scale = scale;
  }
  /** Advances by 0.2..maxSeconds (times the scale) and returns the RFC 3339 time; about one in ten carries a +02:00 offset. */
  tick(maxSeconds = 5): { iso: string; ms: number } {
    this.ms += Math.round((200 + this.rng.float() * (maxSeconds * 1000 - 200)) * this.scale);
    return { iso: this.rng.chance(0.1) ? withOffset(this.ms, 120) : new Date(this.ms).toISOString(), ms: this.ms };
  }
}

/** RFC 3339 with a numeric offset (the same instant). */
export function withOffset(ms: number, offsetMinutes: number): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 23);
  const sign = offsetMinutes >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

export interface SimEvent {
  event_id: string;
  event_type: string;
  product_id: string;
  occurred_at: string;
  [field: string]: unknown;
}

/** Sequential, seed-scoped event ids: unique across games, batches and runs with other seeds. */
export class EventIds {
  private n = 0;
  private readonly prefix: string;
  constructor(prefix: string) {
    this.prefix = prefix;
  }
  next(): string {
    this.n += 1;
    return `${this.prefix}-${this.n.toString(36).padStart(6, '0')}`;
  }
}
