/** JSON errors in the backend's shape, `{"error": {"code", "message"}}`, for every `/api/chatkit` route. */
import "server-only";

import { ConfigError } from "./config";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function errorResponse(status: number, code: string, message: string, headers: HeadersInit = {}): Response {
  const response = Response.json({ error: { code, message } }, { status, headers });
  response.headers.set("Cache-Control", "no-store");
  return response;
}

/** Runs a route handler, turning an `ApiError` (or anything else) into a JSON response. */
export async function jsonErrors(handler: () => Promise<Response>): Promise<Response> {
  try {
    return await handler();
  } catch (error) {
    if (error instanceof ApiError) return errorResponse(error.status, error.code, error.message, error.headers);
    if (error instanceof Error && error.name === "AbortError") {
      // The browser went away before Django answered: nobody reads this.
      return errorResponse(499, "client_closed_request", "The request was aborted.");
    }
    if (error instanceof ConfigError) {
      console.error(`[merak] frontend misconfigured: ${error.message}`);
      return errorResponse(500, "frontend_misconfigured", error.message);
    }
    console.error("[merak] unhandled error in an /api/chatkit route", error);
    return errorResponse(500, "internal_error", "The frontend server failed to handle this request.");
  }
}
