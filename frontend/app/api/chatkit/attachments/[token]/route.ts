/** `GET /api/chatkit/attachments/<signed>`: an uploaded file from Django (see lib/server/attachments.ts). */
import { attachmentRoute, preflight, relayFile } from "@/lib/server/attachments";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = attachmentRoute(relayFile);
export const OPTIONS = preflight;
