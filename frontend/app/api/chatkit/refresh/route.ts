/** `POST /api/chatkit/refresh`: rotates this browser's client secret (after a 401, or before it lapses). */
import { jsonErrors } from "@/lib/server/errors";
import { issueToken } from "@/lib/server/tokens";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export function POST(request: Request): Promise<Response> {
  return jsonErrors(() => issueToken(request, "refresh"));
}
