/** `GET /api/chatkit/runs/<thread>/usage`: what the replies of this browser's thread used (see lib/server/runs.ts). */
import { runRoute } from "@/lib/server/runs";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = runRoute("usage");
