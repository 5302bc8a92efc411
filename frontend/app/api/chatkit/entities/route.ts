/** `GET /api/chatkit/entities?q=…`: places to tag with "@" (see lib/server/entities.ts). */
import { relayEntitySearch } from "@/lib/server/entities";
import { jsonErrors } from "@/lib/server/errors";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = (request: Request): Promise<Response> => jsonErrors(() => relayEntitySearch(request));
