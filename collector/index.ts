// The live front door: an HTTP collector that acknowledges events once they are durable in the spool,
// and the shipper that ingests the spool's segments through the ingest-batch workflow.
export { bodyEvents, bodyLines, DEFAULT_MAX_BODY_BYTES, readBody, type BodyEvents } from './body.ts';
export * from './errors.ts';
export { DEFAULT_COLLECTOR_PORT, isLoopback, serveCollector, type CollectorOptions, type CollectorStats, type ServedCollector } from './server.ts';
export { Shipper, type ShipperOptions } from './shipper.ts';
export { DEFAULT_SEGMENT_AGE_MS, DEFAULT_SEGMENT_BYTES, DEFAULT_SPOOL_LIMIT_BYTES, Spool, type SpoolOptions } from './spool.ts';
export { ANY_SCOPE, parseWriteKeys, type Grant, type WriteKeys } from './write-keys.ts';
export { consumerStatus, RedisConsumer, type ConsumerStatus, type RedisConsumerOptions } from './redis-consumer.ts';
export { entryLine } from './stream-entry.ts';
