/**
 * `/api/chatkit/runs/<thread>` (is a reply running in this thread?),
 * `/api/chatkit/runs/<thread>/cancel` (stop it) and `/api/chatkit/runs/<thread>/usage`
 * (what its replies used), relayed to Django's `/chatkit/runs/...` with the browser's
 * client secret, after the same session check as the ChatKit relay. Django answers
 * only for the caller's own threads.
 */
import "server-only";

import { serverConfig } from "./config";
import { ApiError, jsonErrors } from "./errors";
import { authenticate, relayToDjango } from "./proxy";

// Django's thread ids are `thr_` and hex, at most 64 characters (its column's size): anything else names no thread.
const THREAD_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Django answers a status at once and a stop once the reply has ended (at most about 2 s). */
const TIMEOUT_MS = 10_000;

export type RunAction = "status" | "cancel" | "usage";

const SUFFIX: Record<RunAction, string> = { status: "", cancel: "/cancel", usage: "/usage" };

export async function relayRun(request: Request, threadId: string, action: RunAction): Promise<Response> {
  const config = serverConfig();
  const session = authenticate(config, request);
  if (!THREAD_ID.test(threadId)) throw new ApiError(404, "not_found", "Thread not found.");
  const path = `/chatkit/runs/${threadId}${SUFFIX[action]}`;
  const method = action === "cancel" ? "POST" : "GET";
  return relayToDjango(config, request, session, path, { method, timeoutMs: TIMEOUT_MS });
}

type RouteContext = { params: Promise<{ threadId: string }> };

/** A route handler for one of them: the thread from the path, JSON errors. */
export function runRoute(action: RunAction) {
  return async (request: Request, { params }: RouteContext): Promise<Response> => {
    const { threadId } = await params;
    return jsonErrors(() => relayRun(request, threadId, action));
  };
}
