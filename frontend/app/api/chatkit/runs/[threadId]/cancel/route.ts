/** `POST /api/chatkit/runs/<thread>/cancel`: stops the thread's reply, its partial text kept (see lib/server/runs.ts). */
import { runRoute } from "@/lib/server/runs";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const POST = runRoute("cancel");
