/** What an endpoint handler of the simulator answers: a status, a body and headers, written by the server. */
import { stringifySteamJson } from '../../transforms/steam/json.ts';

export interface Reply {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

/** A 200 with a JSON body (64-bit ids kept exact). */
export const ok = (value: unknown): Reply => ({ status: 200, body: stringifySteamJson(value) });

/** An HTML error page, as Valve's front end sends them. */
export const html = (status: number, text: string, headers?: Record<string, string>): Reply => ({ status, body: `<html><body>${text}</body></html>`, headers });

export const NOT_FOUND: Reply = html(404, 'Not Found');

/** The answer to a call the endpoint table does not know. */
export type Endpoints<Call> = Readonly<Record<string, (call: Call) => Reply>>;
