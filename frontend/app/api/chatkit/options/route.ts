/** `GET /api/chatkit/options`: the composer's models and tools (see lib/server/options.ts). */
import { jsonErrors } from "@/lib/server/errors";
import { relayOptions } from "@/lib/server/options";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = (request: Request): Promise<Response> => jsonErrors(() => relayOptions(request));
