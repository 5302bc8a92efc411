/**
 * The browser's identity and its client secret, kept in two httpOnly cookies:
 * `merak_uid` (the anonymous id, created on first visit) and `merak_session`
 * (the Django client secret, its expiry and the browser's session handle,
 * sealed with AES-256-GCM so the browser can neither read nor forge it).
 * Nothing lives in process memory, so any number of Next.js instances behind a
 * load balancer serve the same browser.
 */
import "server-only";

import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";

import type { ServerConfig } from "./config";

export const UID_COOKIE = "merak_uid";
export const SESSION_COOKIE = "merak_session";
const UID_MAX_AGE_S = 400 * 24 * 3600; // browsers cap cookie lifetimes at 400 days
const UID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export type Session = {
  uid: string;
  /** Django's client secret: sent upstream, never to the browser. */
  secret: string;
  /** When Django stops accepting the secret (ms since the epoch). */
  expiresAt: number;
  /** What the browser sends as `Authorization: Bearer ...` to the proxy. */
  handle: string;
};

function key(config: ServerConfig): Buffer {
  return Buffer.from(hkdfSync("sha256", config.sessionSecret, "merak-session", "cookie-v1", 32));
}

export function seal(config: ServerConfig, session: Session): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key(config), iv);
  cipher.setAAD(Buffer.from(session.uid));
  const body = JSON.stringify({ s: session.secret, e: session.expiresAt, h: session.handle });
  const sealed = Buffer.concat([cipher.update(body, "utf8"), cipher.final()]);
  return Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString("base64url");
}

/** The session in `value` when it was sealed by us for `uid`, else null. */
export function unseal(config: ServerConfig, uid: string, value: string): Session | null {
  try {
    const raw = Buffer.from(value, "base64url");
    if (raw.length < 12 + 16 + 2) return null;
    const decipher = createDecipheriv("aes-256-gcm", key(config), raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(uid));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    const body = Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]);
    const { s, e, h } = JSON.parse(body.toString("utf8")) as { s: unknown; e: unknown; h: unknown };
    if (typeof s !== "string" || typeof e !== "number" || typeof h !== "string") return null;
    return { uid, secret: s, expiresAt: e, handle: h };
  } catch {
    return null;
  }
}

export const newUid = (): string => randomUUID();
export const newHandle = (): string => randomBytes(32).toString("base64url");

/** Constant-time comparison of the browser's bearer token with the session's handle. */
export function handleMatches(session: Session, presented: string): boolean {
  const a = Buffer.from(session.handle);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function readCookies(request: Request): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) cookies.set(part.slice(0, eq).trim(), decodeURIComponent(part.slice(eq + 1).trim()));
  }
  return cookies;
}

/** The anonymous id from the request's cookie, when it is one we could have made. */
export function readUid(request: Request): string | null {
  const uid = readCookies(request).get(UID_COOKIE) ?? "";
  return UID_PATTERN.test(uid) ? uid : null;
}

export function readSession(config: ServerConfig, request: Request, uid: string): Session | null {
  const value = readCookies(request).get(SESSION_COOKIE);
  return value ? unseal(config, uid, value) : null;
}

function isSecure(config: ServerConfig, request: Request): boolean {
  if (config.secureCookies !== "auto") return config.secureCookies;
  const forwarded = request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim();
  return (forwarded ?? new URL(request.url).protocol.replace(":", "")) === "https";
}

type CookieOptions = { maxAge: number; path: string; sameSite: "Lax" | "Strict"; secure: boolean };

function cookie(name: string, value: string, { maxAge, path, sameSite, secure }: CookieOptions): string {
  const attributes = [`Path=${path}`, `Max-Age=${maxAge}`, "HttpOnly", `SameSite=${sameSite}`];
  return [`${name}=${value}`, ...attributes, ...(secure ? ["Secure"] : [])].join("; ");
}

export function uidCookie(config: ServerConfig, request: Request, uid: string): string {
  return cookie(UID_COOKIE, uid, {
    maxAge: UID_MAX_AGE_S,
    path: "/",
    sameSite: "Lax",
    secure: isSecure(config, request),
  });
}

/** The sealed session, sent back only to the `/api/chatkit` routes, kept until the secret lapses. */
export function sessionCookie(config: ServerConfig, request: Request, session: Session): string {
  const maxAge = Math.max(0, Math.floor((session.expiresAt - Date.now()) / 1000));
  return cookie(SESSION_COOKIE, seal(config, session), sessionOptions(config, request, maxAge));
}

export function clearSessionCookie(config: ServerConfig, request: Request): string {
  return cookie(SESSION_COOKIE, "", sessionOptions(config, request, 0));
}

// Strict: the proxy is only ever called by our own page.
function sessionOptions(config: ServerConfig, request: Request, maxAge: number): CookieOptions {
  return { maxAge, path: "/api/chatkit", sameSite: "Strict", secure: isSecure(config, request) };
}
