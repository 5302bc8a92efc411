/**
 * `/api/chatkit/start` and `/api/chatkit/refresh`: give the browser its session
 * handle, getting or rotating the Django client secret behind it. The secret
 * stays in the sealed cookie; the browser only learns the handle and the expiry.
 */
import "server-only";

import { refreshToken, startToken } from "./backend";
import { type ServerConfig, serverConfig } from "./config";
import { ApiError } from "./errors";
import { newHandle, newUid, readSession, readUid, type Session, sessionCookie, uidCookie } from "./session";

/** A secret with less than this left is rotated rather than handed out again. */
export const REFRESH_MARGIN_MS = 60_000;

/** What the browser is told. */
export type TokenAnswer = { token: string; expires_at: string };

type Mode = "start" | "refresh";

export async function issueToken(request: Request, mode: Mode): Promise<Response> {
  const config = serverConfig();
  const existingUid = readUid(request);
  const uid = existingUid ?? newUid();
  const current = existingUid ? readSession(config, request, uid) : null;
  const session = await nextSession(config, uid, current, mode);

  const answer: TokenAnswer = { token: session.handle, expires_at: new Date(session.expiresAt).toISOString() };
  const response = Response.json(answer, { headers: { "Cache-Control": "no-store" } });
  if (!existingUid) response.headers.append("Set-Cookie", uidCookie(config, request, uid));
  if (session !== current) response.headers.append("Set-Cookie", sessionCookie(config, request, session));
  return response;
}

async function nextSession(config: ServerConfig, uid: string, current: Session | null, mode: Mode): Promise<Session> {
  const now = Date.now();
  if (current && mode === "start" && current.expiresAt - now > REFRESH_MARGIN_MS) return current;
  if (current) {
    try {
      // The handle survives rotation, so other tabs of this browser keep working.
      return { ...current, ...(await refreshToken(config, current.secret)) };
    } catch (error) {
      // Expired too long ago, revoked (another tab rotated it first) or unknown: start a new chain.
      if (!(error instanceof ApiError && error.status === 401)) throw error;
    }
  }
  return { uid, handle: newHandle(), ...(await startFresh(config, uid)) };
}

async function startFresh(config: ServerConfig, uid: string) {
  try {
    return await startToken(config, uid);
  } catch (error) {
    // The browser cannot fix a server key Django refuses: that is our failure, not theirs.
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      console.error(`[merak] Django refused the server key (${error.code}): check MERAK_SERVER_API_KEY`);
      throw new ApiError(502, "backend_rejected_server_key", "The Merak backend refused this server's key.");
    }
    throw error;
  }
}
