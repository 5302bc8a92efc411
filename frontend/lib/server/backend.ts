/** Django's client-token endpoints, called server to server. */
import "server-only";

import type { ServerConfig } from "./config";
import { ApiError } from "./errors";
import { fetchUpstream } from "./upstream";

export type ClientSecret = { secret: string; expiresAt: number };

/** The Django user id of a browser's anonymous id. */
export const backendUserId = (uid: string): string => `anon:${uid}`;

/** A new client secret for the browser `uid` (authenticated by the server key). */
export function startToken(config: ServerConfig, uid: string): Promise<ClientSecret> {
  return tokenCall(config, "/chatkit/token/start", { user_id: backendUserId(uid) });
}

/** Rotates `secret`: Django answers its successor and revokes it (reusing it later revokes the chain). */
export function refreshToken(config: ServerConfig, secret: string): Promise<ClientSecret> {
  return tokenCall(config, "/chatkit/token/refresh", { client_secret: secret });
}

// Both endpoints are server to server: they take the server key, never a browser's credential.
async function tokenCall(config: ServerConfig, path: string, body: object): Promise<ClientSecret> {
  const response = await fetchUpstream(`${config.backendUrl}${path}`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${config.serverApiKey}`,
      "Content-Type": "application/json",
      Accept: "application/json",
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const payload: unknown = await response.json().catch(() => null);
  if (!response.ok) throw backendError(response, payload);
  const { client_secret: secret, expires_at: expires } = (payload ?? {}) as Record<string, unknown>;
  // Django answers Unix seconds (as OpenAI's ChatKit sessions do); an ISO date is read too.
  const expiresAt = typeof expires === "number" ? expires * 1000 : Date.parse(String(expires));
  if (typeof secret !== "string" || !secret || Number.isNaN(expiresAt)) {
    throw new ApiError(
      502,
      "backend_bad_response",
      `The Merak backend's ${path} answer has no client_secret/expires_at.`,
    );
  }
  return { secret, expiresAt };
}

/** Django's own JSON error, kept as is, so the caller can tell expired, revoked and unknown apart. */
function backendError(response: Response, payload: unknown): ApiError {
  const error = (payload as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const code = typeof error?.code === "string" ? error.code : `backend_${response.status}`;
  const message = typeof error?.message === "string" ? error.message : `The Merak backend answered ${response.status}.`;
  const status = response.status >= 500 ? 502 : response.status;
  const retryAfter = response.headers.get("retry-after");
  return new ApiError(status, code, message, retryAfter ? { "Retry-After": retryAfter } : {});
}
