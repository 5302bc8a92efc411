/**
 * Requests to Django: retried with backoff only when the connection itself
 * failed (nothing was received, so nothing was processed), mapped to 502/504
 * `ApiError`s when they fail for good.
 */
import "server-only";

import { ApiError } from "./errors";

/** Waits before the 2nd, 3rd... attempt. */
export const RETRY_DELAYS_MS = [100, 400, 1200];

// Errors raised before Django could have read the request: refused, reset or
// unreachable while connecting, or a pooled keep-alive socket Django had closed.
const CONNECTION_ERRORS = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
]);
const TIMEOUTS = new Set(["UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "ETIMEDOUT", "TimeoutError"]);

export function errorCode(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    if (current.name === "TimeoutError") return current.name;
    current = current.cause;
  }
  return "";
}

export const isConnectionError = (error: unknown): boolean => CONNECTION_ERRORS.has(errorCode(error));

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/**
 * `fetch` with retries on connection failures. Any other failure becomes an
 * `ApiError` (502/504), except the caller's own abort, which is rethrown.
 */
export async function fetchUpstream(
  url: string,
  init: RequestInit,
  delays: number[] = RETRY_DELAYS_MS,
): Promise<Response> {
  const signal = init.signal ?? undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (error) {
      const delay = delays[attempt];
      if (!signal?.aborted && isConnectionError(error) && delay !== undefined) {
        await sleep(delay, signal).catch(() => undefined);
        if (!signal?.aborted) continue;
      }
      if (signal?.aborted && signal.reason instanceof Error && signal.reason.name !== "TimeoutError") {
        throw signal.reason;
      }
      throw upstreamFailure(signal?.aborted ? signal.reason : error);
    }
  }
}

export function upstreamFailure(error: unknown): ApiError {
  const code = errorCode(error);
  console.error(`[merak] backend request failed: ${code || String(error)}`);
  if (TIMEOUTS.has(code)) {
    return new ApiError(504, "backend_timeout", "The Merak backend did not answer in time.");
  }
  return new ApiError(502, "backend_unavailable", "The Merak backend could not be reached.");
}
