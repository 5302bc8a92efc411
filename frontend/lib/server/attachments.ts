/**
 * Attachment files through this origin, so the composer's uploads and image
 * previews never leave it: `/api/chatkit/attachments/<signed>/upload` (the
 * two-phase upload target) and `/api/chatkit/attachments/<signed>` (an
 * uploaded file), relayed to Django's signed URLs with the bodies streamed
 * both ways, never held whole in this process. Django hands out these URLs
 * when its `MERAK_PUBLIC_URL` is this app's origin followed by `/api`.
 *
 * The signature in the URL is the credential, as it is for Django: an `<img>`
 * or an upload from ChatKit's frame carries no session. So no session is
 * needed here either, and any origin may use the URLs (CORS `*`); they are
 * unguessable, short-lived for uploads, and carry no cookies.
 *
 * Files are served from this app's own origin, so none may be taken for a
 * page: as Django does, and whatever Django sends, only a raster image is
 * relayed inline, anything else as a download, and every file answer forbids
 * scripts (`Content-Security-Policy: default-src 'none'; sandbox`) and type
 * sniffing (`X-Content-Type-Options: nosniff`).
 */
import "server-only";

import { pageConfig, serverConfig } from "./config";
import { ApiError, errorResponse, jsonErrors } from "./errors";
import { pickHeaders, relay } from "./proxy";
import { fetchUpstream } from "./upstream";

/** Room for the multipart boundaries and part headers around the file (as Django allows). */
const MULTIPART_ENVELOPE_BYTES = 64 * 1024;
// Django's signed token: the attachment id, a timestamp and a signature, joined by colons.
const SIGNED = /^[A-Za-z0-9_-]{1,80}:[A-Za-z0-9_-]{1,20}:[A-Za-z0-9_-]{1,100}$/;
const FILE_HEADERS = [
  "content-type",
  "content-length",
  "content-disposition",
  "cache-control",
  "last-modified",
  "x-request-id",
];
/** The only types a file is shown inline as (Django decides by the file's bytes). */
const RASTER_TYPES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);
const LOCKED_DOWN: Record<string, string> = {
  "Content-Security-Policy": "default-src 'none'; sandbox",
  "X-Content-Type-Options": "nosniff",
};

const CORS_HEADERS: Record<string, string> = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
  "Access-Control-Allow-Headers": "Content-Type",
  "Access-Control-Max-Age": "600",
};

function attachmentUrl(token: string, upload: boolean): string {
  if (!SIGNED.test(token)) {
    throw new ApiError(404, "not_found", "Attachment not found (the link is invalid or has expired).");
  }
  return `${serverConfig().backendUrl}/chatkit/attachments/${token}${upload ? "/upload" : ""}`;
}

/** `response` (any of these routes' answers, errors too) usable from any origin. */
export function withCors(response: Response): Response {
  for (const [name, value] of Object.entries(CORS_HEADERS)) response.headers.set(name, value);
  return response;
}

/** Answers a CORS preflight for either URL. */
export const preflight = (): Response => withCors(new Response(null, { status: 204 }));

/** Streams the browser's multipart upload to Django and hands back Django's JSON answer. */
export async function relayUpload(request: Request, token: string): Promise<Response> {
  const url = attachmentUrl(token, true);
  const length = request.headers.get("content-length");
  if (!request.body || !length) {
    // Django reads a multipart body only with its length (and browsers always send one).
    throw new ApiError(411, "length_required", "Send the file as multipart/form-data with a Content-Length.");
  }
  const limit = pageConfig().maxAttachmentBytes;
  if (Number(length) > limit + MULTIPART_ENVELOPE_BYTES) {
    // Refused here, as Django would: it cuts such a body off mid-way, which a relay could only report as a failure.
    throw new ApiError(413, "attachment_too_large", `Attachments are limited to ${limit} bytes.`);
  }
  const upstream = await fetchUpstream(
    url,
    {
      method: "POST",
      headers: { "Content-Type": request.headers.get("content-type") ?? "", "Content-Length": length },
      body: request.body,
      duplex: "half",
      signal: request.signal,
    } as RequestInit,
    [], // a streamed body cannot be sent a second time
  );
  if (!(upstream.headers.get("content-type") ?? "").includes("json")) {
    await upstream.body?.cancel().catch(() => undefined);
    return errorResponse(502, "backend_bad_response", `The Merak backend answered ${upstream.status} without JSON.`);
  }
  const headers = { "Content-Type": "application/json", "Cache-Control": "no-store" };
  return new Response(upstream.body, { status: upstream.status, headers });
}

/** Streams an uploaded file (an image preview, say) from Django, chunk by chunk. */
export async function relayFile(request: Request, token: string): Promise<Response> {
  const upstreamAbort = new AbortController();
  const abort = () => upstreamAbort.abort();
  request.signal.addEventListener("abort", abort, { once: true });
  const upstream = await fetchUpstream(attachmentUrl(token, false), { method: "GET", signal: upstreamAbort.signal });
  const headers = fileHeaders(upstream);
  if (!upstream.body) return new Response(null, { status: upstream.status, headers });
  return new Response(relay(upstream.body, abort), { status: upstream.status, headers });
}

/** Django's headers for a file, locked down here too: a file that is no raster image becomes a download. */
function fileHeaders(upstream: Response): Headers {
  const headers = pickHeaders(upstream.headers, FILE_HEADERS);
  for (const [name, value] of Object.entries(LOCKED_DOWN)) headers.set(name, value);
  const [essence = ""] = (headers.get("content-type") ?? "").split(";"); // the type without its parameters
  const type = essence.trim().toLowerCase();
  if (upstream.ok && !RASTER_TYPES.has(type)) {
    headers.set("content-type", "application/octet-stream");
    // Django's file name kept, the disposition type made `attachment`.
    headers.set("content-disposition", (headers.get("content-disposition") ?? "").replace(/^[^;]*/, "attachment"));
  }
  return headers;
}

type RouteContext = { params: Promise<{ token: string }> };

/** A route handler for `relayUpload` or `relayFile`: the token from the path, JSON errors, CORS on every answer. */
export function attachmentRoute(relayTo: (request: Request, token: string) => Promise<Response>) {
  return async (request: Request, { params }: RouteContext): Promise<Response> => {
    const { token } = await params;
    return withCors(await jsonErrors(() => relayTo(request, token)));
  };
}
