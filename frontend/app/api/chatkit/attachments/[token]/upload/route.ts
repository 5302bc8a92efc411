/** `POST /api/chatkit/attachments/<signed>/upload`: the composer's upload, streamed to Django (see lib/server/attachments.ts). */
import { attachmentRoute, preflight, relayUpload } from "@/lib/server/attachments";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const POST = attachmentRoute(relayUpload);
export const OPTIONS = preflight;
