/**
 * The file names of spool segments (the collector's and the Redis consumer's): they carry when the
 * segment's first event was acknowledged and, once closed, its last, so the lake's manifests (which keep
 * the batch's file) say how long events waited from their 202 to the lake and the marts.
 *
 *   open:   collect-<first ack>-<pid>-<n>.ndjson
 *   closed: collect-<first ack>-<last ack>-<pid>-<n>.ndjson     (stamps as 20261207T092530123Z, UTC)
 */

const STAMP = '(\\d{8}T\\d{9}Z)';
const NAME = new RegExp(`^collect-${STAMP}(?:-${STAMP})?-(\\d+)-(\\d{6})\\.ndjson$`);

/** A UTC instant in milliseconds as a file-name stamp (20261207T092530123Z). */
export function fileStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:.]/g, '');
}

function stampMs(s: string): number {
  return Date.parse(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}.${s.slice(15, 18)}Z`);
}

/** The name of a segment opened now by a process: its n-th. */
export function openSegmentName(firstAckMs: number, pid: number, n: number): string {
  return `collect-${fileStamp(firstAckMs)}-${pid}-${String(n).padStart(6, '0')}.ndjson`;
}

/** The name an open segment takes when it closes, its last acknowledgement added. */
export function closedSegmentName(openName: string, lastAckMs: number): string {
  const m = NAME.exec(openName);
  if (!m || m[2]) return openName;
  return `collect-${m[1]}-${fileStamp(lastAckMs)}-${m[3]}-${m[4]}.ndjson`;
}

export interface SegmentTimes {
  /** When its first event was acknowledged (epoch ms). */
  firstAckMs: number;
  /** When its last was (epoch ms); undefined while it is open. */
  lastAckMs: number | undefined;
  /** The writer's process id and the segment's number in it: the same for its open and closed names. */
  id: string;
}

/** The times in a segment's file name (a path or a name), or undefined for a file that is not a segment. */
export function segmentTimes(file: string): SegmentTimes | undefined {
  const m = NAME.exec(file.slice(file.lastIndexOf('/') + 1));
  if (!m) return undefined;
  return { firstAckMs: stampMs(m[1]!), lastAckMs: m[2] ? stampMs(m[2]) : undefined, id: `${m[1]}-${m[3]}-${m[4]}` };
}
