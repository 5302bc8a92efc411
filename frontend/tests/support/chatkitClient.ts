/** A browser-like HTTP client of the frontend's routes: cookies, the session token, ChatKit requests, SSE. */
import { CookieJar } from "./cookieJar";

export type TimedEvent = { at: number; event: Record<string, any> };

export const createThread = (text: string, attachments: string[] = []) => ({
  type: "threads.create",
  params: { input: { content: [{ type: "input_text", text }], attachments, inference_options: {} } },
});

export class ChatKitClient {
  readonly jar = new CookieJar();
  token = "";

  constructor(readonly baseUrl: string) {}

  async post(path: string, init: RequestInit = {}): Promise<Response> {
    return this.send(path, { ...init, method: "POST" });
  }

  async send(path: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    const cookie = this.jar.header(path);
    if (cookie) headers.set("cookie", cookie);
    const response = await fetch(`${this.baseUrl}${path}`, { ...init, headers });
    this.jar.store(response);
    return response;
  }

  async start(kind: "start" | "refresh" = "start"): Promise<{ token: string; expires_at: string }> {
    const response = await this.post(`/api/chatkit/${kind}`);
    if (!response.ok) throw new Error(`/${kind}: ${response.status} ${await response.text()}`);
    const answer = (await response.json()) as { token: string; expires_at: string };
    this.token = answer.token;
    return answer;
  }

  chatkit(body: unknown, init: { signal?: AbortSignal; requestId?: string; token?: string } = {}): Promise<Response> {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      authorization: `Bearer ${init.token ?? this.token}`,
    };
    if (init.requestId) headers["x-request-id"] = init.requestId;
    return this.post("/api/chatkit", { headers, body: JSON.stringify(body), signal: init.signal });
  }

  /** `/api/chatkit/runs/<thread>` (is a reply running?) or `.../cancel` (stop it). */
  async run(threadId: string, action: "status" | "cancel" = "status"): Promise<{ status: number; body: any }> {
    const path = `/api/chatkit/runs/${threadId}${action === "cancel" ? "/cancel" : ""}`;
    const method = action === "cancel" ? "POST" : "GET";
    const response = await this.send(path, { method, headers: { authorization: `Bearer ${this.token}` } });
    return { status: response.status, body: await response.json() };
  }

  async json(body: unknown): Promise<{ status: number; body: any }> {
    const response = await this.chatkit(body);
    return { status: response.status, body: await response.json() };
  }
}

/** Reads Server-Sent Events as they come, stamping each with when it arrived; `stop` ends reading early. */
export async function readEvents(
  response: Response,
  stop: (events: TimedEvent[]) => boolean = () => false,
): Promise<TimedEvent[]> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const events: TimedEvent[] = [];
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const at = Date.now();
    buffer += decoder.decode(value, { stream: true });
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trimStart())
        .join("\n");
      if (data) events.push({ at, event: JSON.parse(data) as Record<string, any> });
    }
    if (stop(events)) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  return events;
}

export const textDeltas = (events: TimedEvent[]) =>
  events.filter((e) => e.event.update?.type === "assistant_message.content_part.text_delta");

/** The assistant's text in an items list (`items.list` answers newest first). */
export function assistantText(items: Array<Record<string, any>>): string {
  return items
    .filter((item) => item.type === "assistant_message")
    .flatMap((item) => (item.content as Array<{ text?: string }>).map((part) => part.text ?? ""))
    .join("");
}
