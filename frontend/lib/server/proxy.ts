/**
 * `/api/chatkit`: relays a ChatKit request to Django's `/chatkit` with the
 * browser's client secret, and Django's answer back chunk for chunk, so each
 * Server-Sent Event reaches the browser the moment Django sends it.
 */
import "server-only";

import { type ServerConfig, serverConfig } from "./config";
import { ApiError, errorResponse } from "./errors";
import { handleMatches, readSession, readUid, type Session } from "./session";
import { fetchUpstream } from "./upstream";

/** Far above Django's own cap (CHATKIT_MAX_BODY_BYTES, 1 MB by default): only guards this process's memory. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;
/** A secret this close to lapsing is not worth a round trip: the browser refreshes instead. */
const EXPIRY_SLACK_MS = 2_000;

const PASSED_RESPONSE_HEADERS = ["content-type", "cache-control", "x-accel-buffering", "x-request-id", "retry-after"];

export async function proxyChatKit(request: Request): Promise<Response> {
  const config = serverConfig();
  const session = authenticate(config, request);
  const body = await readBody(request);
  return relayToDjango(config, request, session, "/chatkit", { method: "POST", body });
}

/**
 * Sends `path` to Django with the session's client secret and relays its
 * answer (a stream or JSON) back as it comes. The request to Django is aborted
 * when the browser goes away (request.signal) or stops reading (the relay is
 * cancelled), and after `timeoutMs` when given (a 504). A reply Django has
 * accepted runs on regardless: only `/chatkit/runs/<thread>/cancel` stops it.
 */
export async function relayToDjango(
  config: ServerConfig,
  request: Request,
  session: Session,
  path: string,
  { method, body, timeoutMs }: { method: "GET" | "POST"; body?: ArrayBuffer; timeoutMs?: number },
): Promise<Response> {
  const upstreamAbort = new AbortController();
  const abort = () => upstreamAbort.abort();
  request.signal.addEventListener("abort", abort, { once: true });
  if (request.signal.aborted) abort();
  const signal = timeoutMs
    ? AbortSignal.any([upstreamAbort.signal, AbortSignal.timeout(timeoutMs)])
    : upstreamAbort.signal;

  const upstream = await fetchUpstream(`${config.backendUrl}${path}`, {
    method,
    headers: upstreamHeaders(request, session),
    body,
    signal,
  });
  return relayResponse(upstream, abort);
}

/** The browser's session, when its cookie is ours and the bearer token is its handle; else a 401. */
export function authenticate(config: ServerConfig, request: Request): Session {
  const uid = readUid(request);
  const session = uid ? readSession(config, request, uid) : null;
  if (!session) {
    throw new ApiError(401, "session_missing", "No ChatKit session: call /api/chatkit/start first.");
  }
  const presented = /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "")?.[1] ?? "";
  if (!handleMatches(session, presented)) {
    throw new ApiError(401, "invalid_token", "The token does not belong to this browser's session.");
  }
  if (session.expiresAt - Date.now() < EXPIRY_SLACK_MS) {
    throw new ApiError(401, "token_expired", "The client token has expired: refresh it.");
  }
  return session;
}

async function readBody(request: Request): Promise<ArrayBuffer> {
  const tooLarge = new ApiError(413, "payload_too_large", "The request body is too large.");
  if (Number(request.headers.get("content-length") ?? 0) > MAX_BODY_BYTES) throw tooLarge;
  // Read whole: a retry after a failed connection needs to send it again.
  const body = await request.arrayBuffer();
  if (body.byteLength > MAX_BODY_BYTES) throw tooLarge;
  return body;
}

function upstreamHeaders(request: Request, session: Session): Headers {
  const headers = new Headers({
    Authorization: `Bearer ${session.secret}`,
    "Content-Type": request.headers.get("content-type") ?? "application/json",
    Accept: request.headers.get("accept") ?? "*/*",
    // Compressed events would be decoded (and regrouped) by fetch on the way through.
    "Accept-Encoding": "identity",
  });
  for (const name of ["accept-language", "x-request-id"]) {
    const value = request.headers.get(name);
    if (value) headers.set(name, value);
  }
  return headers;
}

function relayResponse(upstream: Response, abort: () => void): Response {
  const type = upstream.headers.get("content-type") ?? "";
  const isStream = type.startsWith("text/event-stream");
  if (!upstream.body || (!isStream && !type.includes("json"))) {
    // Not ChatKit's answer (an HTML error page from something in between, say).
    abort();
    return errorResponse(502, "backend_bad_response", `The Merak backend answered ${upstream.status} without JSON.`);
  }
  const headers = pickHeaders(upstream.headers, PASSED_RESPONSE_HEADERS);
  headers.set("Cache-Control", "no-store");
  if (isStream) headers.set("X-Accel-Buffering", "no");
  return new Response(relay(upstream.body, abort), { status: upstream.status, headers });
}

/** Those of `names` that `source` has, and nothing else. */
export function pickHeaders(source: Headers, names: readonly string[]): Headers {
  const headers = new Headers();
  for (const name of names) {
    const value = source.get(name);
    if (value) headers.set(name, value);
  }
  return headers;
}

/**
 * Hands on each chunk exactly as Django's socket delivered it, one at a time
 * and only when the browser asks for more: no buffering, no regrouping.
 */
export function relay(body: ReadableStream<Uint8Array>, abort: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (error) {
          // Django went away mid-stream. The status has been sent: cut the
          // stream so the browser sees it end abnormally rather than cleanly.
          controller.error(error);
        }
      },
      cancel(reason) {
        abort();
        return reader.cancel(reason).catch(() => undefined);
      },
    },
    { highWaterMark: 0 },
  );
}
