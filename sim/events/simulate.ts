import { once } from 'node:events';
import { createWriteStream, mkdirSync, writeFileSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { loadContracts } from '../../lake/contracts.ts';
import { DEFAULT_MAX_LINE_BYTES, type ContractRegistry } from '../../transforms/contract/model.ts';
import { Random } from '../random.ts';
import { makeBadLine } from './bad-lines.ts';
import type { SimEvent } from './clock.ts';
import { exrps, type ExrpsTruth } from './exrps.ts';
import { placebo, type PlaceboTruth } from './placebo.ts';
import { respell, type CoercionTruth, type Spellings } from './spellings.ts';
import { tradeEngine, type TradeEngineTruth } from './trade-engine.ts';

export const GAMES = ['exrps', 'trade-engine', 'placebo'] as const;
export type Game = (typeof GAMES)[number];

export interface SimulateOptions {
  game: Game | 'all';
  players: number;
  /** Trade events for trade-engine; all events for exrps and placebo. */
  events: number;
  seed: string;
  badRate: number;
  cheatRate: number;
  batches: number;
  outDir: string;
  maxLineBytes?: number;
  /** How ids and numbers are spelled (default canonical). */
  spellings?: Spellings;
  /** The contracts bad lines are derived from (default: the shipped ones). */
  registry?: ContractRegistry;
  /**
   * The timeline from `start` to about `end` (ISO 8601) for every game, each game's steps stretched to
   * fit (default: from 2026-01-01, a few seconds between events).
   */
  span?: { start: string; end: string };
  /** Also record each bad line's number and reason in the truth (`badLines`; off for large runs). */
  recordBadLines?: boolean;
  progress?: (line: string) => void;
}

export interface BatchTruth {
  file: string;
  lines: number;
  good: number;
  duplicates: number;
  /** Quarantine reason -> lines. */
  rejected: Record<string, number>;
  /** With `recordBadLines`: each bad line's number (1-based) and reason ('duplicate' for a copy of an earlier line). */
  badLines?: Array<[line: number, reason: string]>;
  goodByType: Record<string, number>;
  /**
   * Lines by the product ingestion attributes them to: the event's, or `unknown` for a line that names none
   * (not JSON, not an object, empty, product_id missing) or is set aside unread (too large); a duplicate is
   * the copied line's.
   */
  byProduct: Record<string, { good: number; rejected: number; duplicates: number }>;
  /** Values of good events spelled otherwise than their type (counted by ingestion as coercions). */
  coercions: CoercionTruth;
}

/** Bad lines ingestion cannot tie to a product: it never reads one from them. */
const UNATTRIBUTED_REASONS = new Set(['invalid_json', 'not_an_object', 'empty_line', 'missing_field:product_id', 'too_large']);

export interface SimulationTruth {
  options: Omit<SimulateOptions, 'progress' | 'outDir'>;
  batches: BatchTruth[];
  games: { 'trade-engine'?: TradeEngineTruth; placebo?: PlaceboTruth; exrps?: ExrpsTruth };
}

function generators(opts: SimulateOptions, truth: SimulationTruth, scales?: Partial<Record<Game, number>>): Array<Generator<SimEvent>> {
  const games = opts.game === 'all' ? GAMES : [opts.game];
  return games.map((game) => {
    const rng = new Random(`${opts.seed}:${game}`);
    const clock = { start: opts.span ? Date.parse(opts.span.start) : undefined, scale: scales?.[game] };
    switch (game) {
      case 'trade-engine': {
        const t: TradeEngineTruth = { players: 0, trades: 0, validTrades: 0, failedTrades: {}, lopsidedTrades: 0, lopsidedTradeIds: [], imbalances: {}, playerStates: 0 };
        truth.games['trade-engine'] = t;
        return tradeEngine(rng, { players: opts.players, trades: opts.events, cheatRate: opts.cheatRate, seed: opts.seed, clock }, t);
      }
      case 'placebo': {
        const t: PlaceboTruth = { users: 0, purchases: {}, joins: 0 };
        truth.games.placebo = t;
        return placebo(rng, { players: opts.players, events: opts.events, seed: opts.seed, clock }, t);
      }
      case 'exrps': {
        const t: ExrpsTruth = { games: 0, finishedGames: 0, wins: {}, losses: {}, results: [], selections: { rock: 0, paper: 0, scissors: 0, botch: 0 } };
        truth.games.exrps = t;
        return exrps(rng, { players: opts.players, events: opts.events, seed: opts.seed, clock }, t);
      }
    }
  });
}

/** Merges the games' streams in event-time order (each stream is already in time order). */
function* merged(streams: Array<Generator<SimEvent>>): Generator<SimEvent> {
  const heads = streams.map((s) => s.next());
  const time = (e: SimEvent) => Date.parse(e.occurred_at);
  for (;;) {
    let best = -1;
    for (let k = 0; k < heads.length; k++) {
      const h = heads[k]!;
      if (h.done) continue;
      if (best < 0 || time(h.value) < time((heads[best] as IteratorYieldResult<SimEvent>).value)) best = k;
    }
    if (best < 0) return;
    yield (heads[best] as IteratorYieldResult<SimEvent>).value;
    heads[best] = streams[best]!.next();
  }
}

class LineWriter {
  private chunks: string[] = [];
  private size = 0;
  readonly stream: WriteStream;
  constructor(file: string) {
    this.stream = createWriteStream(file);
  }
  async write(line: string): Promise<void> {
    this.chunks.push(line, '\n');
    this.size += line.length + 1;
    if (this.size > 1 << 20) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.chunks.length === 0) return;
    const ok = this.stream.write(this.chunks.join(''));
    this.chunks = [];
    this.size = 0;
    if (!ok) await once(this.stream, 'drain');
  }
  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

/**
 * Writes `batches` NDJSON files of simulated events (deterministic for a seed) plus truth.json, the ground
 * truth tests compare against: per batch, the lines, good events and the quarantine reason of each bad line.
 */
export async function simulateEvents(opts: SimulateOptions): Promise<SimulationTruth> {
  const log = opts.progress ?? (() => {});
  const maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const { progress: _p, outDir: _o, registry: _r, ...recorded } = opts;
  const registry = opts.registry ?? loadContracts();
  const spell = new Random(`${opts.seed}:spellings`);
  // With a span: each game's steps stretched so its timeline ends at the span's end (the steps drawn do
  // not depend on the stretch: the same events, at other times).
  const scales: Partial<Record<Game, number>> = {};
  if (opts.span) {
    const [start, end] = [Date.parse(opts.span.start), Date.parse(opts.span.end)];
    if (!(end > start)) throw new Error(`span: ${opts.span.end} is not after ${opts.span.start}`);
    const games = opts.game === 'all' ? GAMES : [opts.game];
    generators(opts, { options: recorded, batches: [], games: {} }).forEach((g, i) => {
      let last = start;
      for (const e of g) last = Date.parse(e.occurred_at);
      scales[games[i]!] = (end - start) / Math.max(1, last - start);
    });
  }
  // First pass counts events so batches can be contiguous, equal slices of the timeline.
  let total = 0;
  for (const _ of merged(generators(opts, { options: recorded, batches: [], games: {} }, scales))) total += 1;
  const perBatch = Math.ceil(total / Math.max(1, opts.batches));

  mkdirSync(opts.outDir, { recursive: true });
  const truth: SimulationTruth = { options: recorded, batches: [], games: {} };
  const bad = new Random(`${opts.seed}:bad-lines`);
  const recent: string[] = [];
  const prefix = opts.game === 'all' ? 'all' : opts.game;
  let writer: LineWriter | undefined;
  let batch: BatchTruth | undefined;
  let n = 0;
  for (const event of merged(generators(opts, truth, scales))) {
    if (n % perBatch === 0) {
      await writer?.close();
      const file = path.join(opts.outDir, `${prefix}-${opts.seed}-${String(truth.batches.length + 1).padStart(3, '0')}.ndjson`);
      writer = new LineWriter(file);
      batch = { file: path.basename(file), lines: 0, good: 0, duplicates: 0, rejected: {}, goodByType: {}, byProduct: {}, coercions: {} };
      truth.batches.push(batch);
      log(`writing ${file}`);
    }
    n += 1;
    respell(event, spell, opts.spellings ?? 'canonical', batch!.coercions);
    const line = JSON.stringify(event);
    await writer!.write(line);
    batch!.lines += 1;
    batch!.good += 1;
    batch!.goodByType[event.event_type] = (batch!.goodByType[event.event_type] ?? 0) + 1;
    const ofProduct = (p: string) => (batch!.byProduct[p] ??= { good: 0, rejected: 0, duplicates: 0 });
    ofProduct(event.product_id).good += 1;
    if (opts.badRate > 0 && bad.chance(opts.badRate)) {
      const b = makeBadLine(bad, event, line, recent, maxLineBytes, registry);
      await writer!.write(b.text);
      batch!.lines += 1;
      if (opts.recordBadLines) (batch!.badLines ??= []).push([batch!.lines, b.reason]);
      if (b.reason === 'duplicate') {
        batch!.duplicates += 1;
        ofProduct((JSON.parse(b.text) as SimEvent).product_id).duplicates += 1;
      } else {
        batch!.rejected[b.reason] = (batch!.rejected[b.reason] ?? 0) + 1;
        ofProduct(UNATTRIBUTED_REASONS.has(b.reason) ? 'unknown' : event.product_id).rejected += 1;
      }
    }
    if (recent.length < 1000) recent.push(line);
    else if (bad.chance(0.01)) recent[bad.int(0, 999)] = line;
    if (n % 500_000 === 0) log(`  ${n.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} events`);
  }
  await writer?.close();
  writeFileSync(path.join(opts.outDir, 'truth.json'), `${JSON.stringify(truth, null, 2)}\n`);
  return truth;
}
