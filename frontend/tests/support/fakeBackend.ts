/**
 * A stand-in for Django on a loopback port, for the route handlers' unit tests:
 * the token endpoints (start/refresh with rotation), and a `/chatkit` and a
 * `/chatkit/runs/...` whose answers each test scripts. The end-to-end tests use the real Django.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const SERVER_KEY = "unit-test-server-key";

export type Seen = { method: string; path: string; headers: IncomingMessage["headers"]; body: string };
export type ChatKitHandler = (req: IncomingMessage, res: ServerResponse, seen: Seen) => void | Promise<void>;

export class FakeBackend {
  readonly seen: Seen[] = [];
  /** Secrets Django would accept, with their expiry (ms). */
  readonly live = new Map<string, number>();
  readonly revoked = new Set<string>();
  lifetimeMs = 15 * 60_000;
  serverKey = SERVER_KEY;
  chatkit: ChatKitHandler = (_req, res) => json(res, 200, { ok: true });
  /** Answers `/chatkit/runs/<thread>` and `.../cancel` (with a live secret); by default nothing runs. */
  runs: ChatKitHandler = (req, res, seen) => {
    const threadId = seen.path.split("/")[3] ?? "";
    const cancel = req.method === "POST" ? { cancelled: false } : {};
    json(res, 200, { thread_id: threadId, running: false, started_at: null, ...cancel });
  };
  /** Answers `/chatkit/attachments/...` (an uploaded file, an upload); by default Django's 404. */
  attachments: ChatKitHandler = (_req, res) =>
    json(res, 404, { error: { code: "not_found", message: "Attachment not found." } });
  private counter = 0;
  private server: Server = createServer((req, res) => void this.handle(req, res));

  async listen(port = 0): Promise<string> {
    this.server.listen(port, "127.0.0.1");
    await once(this.server, "listening");
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, "close").catch(() => undefined);
  }

  calls(path: string): Seen[] {
    return this.seen.filter((s) => s.path === path);
  }

  private issue(res: ServerResponse): void {
    const secret = `cs_${++this.counter}_${Math.random().toString(36).slice(2)}`;
    const expiresAt = Date.now() + this.lifetimeMs;
    this.live.set(secret, expiresAt);
    // Unix seconds, as Django answers.
    json(res, 200, { client_secret: secret, expires_at: expiresAt / 1000 });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const seen = {
      method: req.method ?? "",
      path: req.url ?? "",
      headers: req.headers,
      body: Buffer.concat(chunks).toString(),
    };
    this.seen.push(seen);
    const bearer = (req.headers.authorization ?? "").replace(/^Bearer /, "");
    if (seen.path === "/chatkit/token/start") {
      if (bearer !== this.serverKey) return json(res, 401, { error: { code: "invalid_server_key", message: "no" } });
      return this.issue(res);
    }
    if (seen.path === "/chatkit/token/refresh") {
      if (bearer !== this.serverKey) return json(res, 401, { error: { code: "invalid_server_key", message: "no" } });
      const presented = String((JSON.parse(seen.body) as { client_secret?: unknown }).client_secret);
      if (this.revoked.has(presented)) return json(res, 401, { error: { code: "token_revoked", message: "revoked" } });
      if (!this.live.has(presented)) return json(res, 401, { error: { code: "token_unknown", message: "unknown" } });
      this.live.delete(presented);
      this.revoked.add(presented);
      return this.issue(res);
    }
    if (seen.path === "/chatkit") {
      if (!this.live.has(bearer)) return json(res, 401, { error: { code: "token_unknown", message: "unknown" } });
      return this.chatkit(req, res, seen);
    }
    if (seen.path.startsWith("/chatkit/runs/")) {
      if (!this.live.has(bearer)) return json(res, 401, { error: { code: "token_unknown", message: "unknown" } });
      return this.runs(req, res, seen);
    }
    if (seen.path.startsWith("/chatkit/attachments/")) return this.attachments(req, res, seen);
    json(res, 404, { error: { code: "not_found", message: "No such endpoint." } });
  }
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

export function sseHead(res: ServerResponse): void {
  res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-store", "X-Accel-Buffering": "no" });
  res.flushHeaders();
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A loopback URL nothing listens on (connections are refused). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, "close");
  return `http://127.0.0.1:${port}`;
}
