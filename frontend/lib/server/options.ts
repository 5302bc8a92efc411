/**
 * `GET /api/chatkit/options`: what the composer offers (its model picker and tool
 * menu), relayed from Django's `/chatkit/options` with the browser's client secret,
 * after the same session check as the ChatKit relay.
 */
import "server-only";

import { serverConfig } from "./config";
import { authenticate, relayToDjango } from "./proxy";

const TIMEOUT_MS = 10_000;

export async function relayOptions(request: Request): Promise<Response> {
  const config = serverConfig();
  const session = authenticate(config, request);
  return relayToDjango(config, request, session, "/chatkit/options", { method: "GET", timeoutMs: TIMEOUT_MS });
}
