/** `POST /api/chatkit/start`: this browser's token, reusing its session while the secret is fresh. */
import { jsonErrors } from "@/lib/server/errors";
import { issueToken } from "@/lib/server/tokens";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export function POST(request: Request): Promise<Response> {
  return jsonErrors(() => issueToken(request, "start"));
}
