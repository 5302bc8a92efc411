/** `POST /api/chatkit`: the ChatKit protocol, relayed to Django (see lib/server/proxy.ts). */
import { jsonErrors } from "@/lib/server/errors";
import { proxyChatKit } from "@/lib/server/proxy";

// Per request, on Node (streams, node:crypto), never cached.
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export function POST(request: Request): Promise<Response> {
  return jsonErrors(() => proxyChatKit(request));
}
