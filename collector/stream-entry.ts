/**
 * One Redis stream entry as one event line. An entry is either
 * - a field `event` holding the JSON envelope (the line as a batch file would hold it), or
 * - a flat map of fields, as Varcade's services wrote them (`XADD events * type game_over product_id exrps
 *   winner_id u1 loser_id u2 ...`): `type` (or `event_type`) is the event type, every other field is a
 *   top-level field of the event, its value the string Redis holds (numbers and booleans as text are
 *   read by the contract's types, counted as coercions). With no `event_id` the entry's own id makes one,
 *   `<stream>/<entry id>`, so an entry delivered twice is one event; with no `occurred_at` the entry id's
 *   milliseconds give it.
 */
export function entryLine(stream: string, id: string, fields: Record<string, string>): string {
  if (typeof fields.event === 'string' && Object.keys(fields).length === 1) return fields.event.replace(/[\r\n]+/g, ' ');
  const event: Record<string, string> = {};
  event.event_id = fields.event_id ?? `${stream}/${id}`;
  event.event_type = fields.event_type ?? fields.type ?? '';
  if (!fields.event_type && !fields.type) delete event.event_type;
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'type' || key === 'event_id' || key === 'event_type') continue;
    event[key] = value;
  }
  if (event.occurred_at === undefined) {
    const ms = Number(id.split('-')[0]);
    if (Number.isFinite(ms)) event.occurred_at = new Date(ms).toISOString();
  }
  return JSON.stringify(event);
}
