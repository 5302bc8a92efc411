/**
 * Server-only settings, read from the environment on each call (so tests and
 * `next start` see the values of the process, never values baked into a build).
 * Nothing here may reach the browser: no `NEXT_PUBLIC_` names.
 */
import "server-only";

/** The development default of Django's `MERAK_SERVER_API_KEY` (used when `NODE_ENV` is not production). */
export const DEV_SERVER_API_KEY = "merak-dev-server-key";

export const DEFAULT_SCRIPT_URL = "https://cdn.platform.openai.com/deployments/chatkit/chatkit.js";

export class ConfigError extends Error {}

export type ServerConfig = {
  /** Django's base URL, without a trailing slash. */
  backendUrl: string;
  /** Authenticates this server to Django's token endpoints. */
  serverApiKey: string;
  /** 32 bytes of key material for the sealed session cookie. */
  sessionSecret: string;
  /** Set the `Secure` flag on cookies: always, never, or when the request came over https. */
  secureCookies: boolean | "auto";
};

function env(name: string): string {
  return (process.env[name] ?? "").trim();
}

const isProduction = (): boolean => process.env.NODE_ENV === "production";

export function serverConfig(): ServerConfig {
  const backendUrl = (env("MERAK_BACKEND_URL") || "http://127.0.0.1:8000").replace(/\/+$/, "");
  const serverApiKey = env("MERAK_SERVER_API_KEY") || (isProduction() ? "" : DEV_SERVER_API_KEY);
  if (!serverApiKey) {
    throw new ConfigError("MERAK_SERVER_API_KEY is not set.");
  }
  // Without a secret of its own the cookie key is derived from the server key
  // (see session.ts), which every instance already shares.
  const sessionSecret = env("MERAK_SESSION_SECRET") || `derived:${serverApiKey}`;
  const secure = env("MERAK_SECURE_COOKIES");
  return {
    backendUrl,
    serverApiKey,
    sessionSecret,
    secureCookies: secure ? ["true", "1"].includes(secure) : "auto",
  };
}

/** What the chat page needs; all of it is public. */
export type PageConfig = { domainKey: string; scriptUrl: string; maxAttachmentBytes: number };

/** Django's default MERAK_MAX_ATTACHMENT_BYTES. */
export const DEFAULT_MAX_ATTACHMENT_BYTES = 10_000_000;

export function pageConfig(): PageConfig {
  const maxAttachmentBytes = Number.parseInt(env("MERAK_MAX_ATTACHMENT_BYTES"), 10);
  return {
    domainKey: env("CHATKIT_DOMAIN_KEY") || "domain_pk_localhost_dev",
    scriptUrl: env("CHATKIT_SCRIPT_URL") || DEFAULT_SCRIPT_URL,
    maxAttachmentBytes: maxAttachmentBytes > 0 ? maxAttachmentBytes : DEFAULT_MAX_ATTACHMENT_BYTES,
  };
}
