/** `GET /api/chatkit/runs/<thread>`: whether a reply runs in this browser's thread (see lib/server/runs.ts). */
import { runRoute } from "@/lib/server/runs";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = runRoute("status");
