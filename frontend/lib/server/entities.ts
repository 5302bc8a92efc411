/**
 * `GET /api/chatkit/entities?q=…`: the places to tag with "@" for what the user typed,
 * relayed from Django's `/chatkit/entities` with the browser's client secret, after
 * the same session check as the ChatKit relay. Only `q` goes on.
 */
import "server-only";

import { serverConfig } from "./config";
import { authenticate, relayToDjango } from "./proxy";

const TIMEOUT_MS = 10_000;

export async function relayEntitySearch(request: Request): Promise<Response> {
  const config = serverConfig();
  const session = authenticate(config, request);
  const query = new URL(request.url).searchParams.get("q") ?? "";
  const path = `/chatkit/entities?q=${encodeURIComponent(query)}`;
  return relayToDjango(config, request, session, path, { method: "GET", timeoutMs: TIMEOUT_MS });
}
