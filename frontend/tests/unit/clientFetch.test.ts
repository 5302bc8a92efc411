/** The browser side: the token source, ChatKit's fetch (token + one refresh on 401), client tools. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { chatKitFetch } from "../../lib/client/chatkitFetch";
import { handleClientTool, mapUrl } from "../../lib/client/clientTools";
import { TokenSource } from "../../lib/client/tokenSource";

type Call = { url: string; auth: string | null };

/** A fake of our three routes: /start and /refresh hand out t1, t2...; /api/chatkit accepts `valid` only. */
function fakeServer(opts: { lifetimeMs?: number; valid?: (token: string) => boolean } = {}) {
  const calls: Call[] = [];
  let n = 0;
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const auth = new Headers(init?.headers).get("authorization");
    calls.push({ url, auth });
    if (url.endsWith("/start") || url.endsWith("/refresh")) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return Response.json({
        token: `t${++n}`,
        expires_at: new Date(Date.now() + (opts.lifetimeMs ?? 600_000)).toISOString(),
      });
    }
    const token = auth?.replace("Bearer ", "") ?? "";
    if (!(opts.valid ?? (() => true))(token)) {
      return Response.json({ error: { code: "token_expired", message: "x" } }, { status: 401 });
    }
    return Response.json({ ok: true, token, body: init?.body });
  }) as typeof fetch;
  return { calls, fetchImpl, count: (suffix: string) => calls.filter((c) => c.url.endsWith(suffix)).length };
}

describe("TokenSource", () => {
  test("starts once, however many callers ask at once", async () => {
    const server = fakeServer();
    const tokens = new TokenSource("/api/chatkit", server.fetchImpl);
    assert.deepEqual(await Promise.all([tokens.get(), tokens.get(), tokens.get()]), ["t1", "t1", "t1"]);
    assert.equal(server.count("/start"), 1);
    tokens.dispose();
  });

  test("refreshes by itself before the token lapses", async () => {
    const server = fakeServer({ lifetimeMs: 2_400 }); // refresh due at half the remaining life, ~1.2 s
    const tokens = new TokenSource("/api/chatkit", server.fetchImpl);
    await tokens.get();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(server.count("/refresh"), 1);
    assert.equal(await tokens.get(), "t2");
    tokens.dispose();
  });

  test("a failed start is an error with the server's message, and the next get tries again", async () => {
    let fail = true;
    const fetchImpl = (async (_input: RequestInfo | URL) =>
      fail
        ? Response.json(
            { error: { code: "backend_unavailable", message: "The Merak backend could not be reached." } },
            { status: 502 },
          )
        : Response.json({ token: "ok", expires_at: new Date(Date.now() + 600_000).toISOString() })) as typeof fetch;
    const tokens = new TokenSource("/api/chatkit", fetchImpl);
    await assert.rejects(tokens.get(), /could not be reached/);
    fail = false;
    assert.equal(await tokens.get(), "ok");
    tokens.dispose();
  });
});

describe("chatKitFetch", () => {
  test("adds the token and keeps ChatKit's own headers and body", async () => {
    const server = fakeServer();
    const tokens = new TokenSource("/api/chatkit", server.fetchImpl);
    const fetchWithToken = chatKitFetch(tokens, server.fetchImpl);
    const response = await fetchWithToken("/api/chatkit", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: '{"type":"threads.list"}',
    });
    assert.deepEqual(await response.json(), { ok: true, token: "t1", body: '{"type":"threads.list"}' });
    tokens.dispose();
  });

  test("on a 401 it refreshes once and tries again", async () => {
    const server = fakeServer({ valid: (t) => t !== "t1" });
    const tokens = new TokenSource("/api/chatkit", server.fetchImpl);
    const response = await chatKitFetch(tokens, server.fetchImpl)("/api/chatkit", { method: "POST", body: "{}" });
    assert.equal(response.status, 200);
    assert.deepEqual(
      server.calls.map((c) => [c.url, c.auth]),
      [
        ["/api/chatkit/start", null],
        ["/api/chatkit", "Bearer t1"],
        ["/api/chatkit/refresh", null],
        ["/api/chatkit", "Bearer t2"],
      ],
    );
    tokens.dispose();
  });

  test("a second 401 is handed to ChatKit rather than looping", async () => {
    const server = fakeServer({ valid: () => false });
    const tokens = new TokenSource("/api/chatkit", server.fetchImpl);
    const response = await chatKitFetch(tokens, server.fetchImpl)("/api/chatkit", { method: "POST", body: "{}" });
    assert.equal(response.status, 401);
    assert.equal(server.count("/refresh"), 1);
    tokens.dispose();
  });

  test("requests refused together share one refresh", async () => {
    const server = fakeServer({ valid: (t) => t !== "t1" });
    const tokens = new TokenSource("/api/chatkit", server.fetchImpl);
    const fetchWithToken = chatKitFetch(tokens, server.fetchImpl);
    const responses = await Promise.all(
      [1, 2, 3].map(() => fetchWithToken("/api/chatkit", { method: "POST", body: "{}" })),
    );
    assert.deepEqual(
      responses.map((r) => r.status),
      [200, 200, 200],
    );
    assert.equal(server.count("/refresh"), 1);
    tokens.dispose();
  });
});

describe("client tools", () => {
  test("unknown tools are logged and answered with an error", async (t) => {
    const warn = t.mock.method(console, "warn", () => undefined);
    assert.deepEqual(await handleClientTool({ name: "launch_rocket", params: {} }), {
      error: "Unknown client tool: launch_rocket",
    });
    assert.equal(warn.mock.callCount(), 1);
  });

  test("known tools get their arguments, and a throwing one answers an error", async (t) => {
    t.mock.method(console, "error", () => undefined);
    const tools = {
      echo: (p: Record<string, unknown>) => ({ got: p }),
      boom: () => {
        throw new Error("x");
      },
    };
    assert.deepEqual(await handleClientTool({ name: "echo", params: { a: 1 } }, tools), { got: { a: 1 } });
    assert.match(String((await handleClientTool({ name: "boom", params: {} }, tools)).error), /failed/);
  });

  test("map links: the agent's OpenStreetMap url, else coordinates, else the place's name", () => {
    const url = "https://www.openstreetmap.org/?mlat=38.71667&mlon=-9.13333#map=12/38.71667/-9.13333";
    assert.equal(mapUrl({ url, latitude: 1, longitude: 2 }), url);
    assert.equal(
      mapUrl({ url: "https://evil.example/", latitude: 38.72, longitude: -9.14, zoom: 12 }),
      "https://www.openstreetmap.org/?mlat=38.72&mlon=-9.14#map=12/38.72/-9.14",
    );
    assert.equal(
      mapUrl({ place: "Lisbon, Portugal", city: "Lisbon" }),
      "https://www.openstreetmap.org/search?query=Lisbon%2C%20Portugal",
    );
    assert.equal(mapUrl({}), null);
  });
});
