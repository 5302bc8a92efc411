/** `/api/chatkit` against a stand-in Django: auth, streaming relay, JSON, aborts, retries, failures. */
import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, beforeEach, describe, test } from "node:test";

import { POST as proxy } from "../../app/api/chatkit/route";
import { POST as start } from "../../app/api/chatkit/start/route";
import { SESSION_COOKIE } from "../../lib/server/session";
import { upstreamFailure } from "../../lib/server/upstream";
import { CookieJar } from "../support/cookieJar";
import { closedPortUrl, FakeBackend, json, SERVER_KEY, sleep, sseHead } from "../support/fakeBackend";

const django = new FakeBackend();
let jar: CookieJar;
let token: string;

function chatkit(body: unknown, init: { token?: string; signal?: AbortSignal; headers?: Record<string, string> } = {}) {
  const request = new Request("http://127.0.0.1:3000/api/chatkit", {
    method: "POST",
    headers: {
      cookie: jar.header("/api/chatkit"),
      authorization: `Bearer ${init.token ?? token}`,
      "content-type": "application/json",
      ...init.headers,
    },
    body: JSON.stringify(body),
    signal: init.signal,
  });
  return proxy(request);
}

before(async () => {
  process.env.MERAK_BACKEND_URL = await django.listen();
  process.env.MERAK_SERVER_API_KEY = SERVER_KEY;
  process.env.MERAK_SESSION_SECRET = "unit-test-session-secret-unit-test-session-secret";
});
after(() => django.close());
beforeEach(async () => {
  jar = new CookieJar();
  const response = await start(new Request("http://127.0.0.1:3000/api/chatkit/start", { method: "POST" }));
  jar.store(response);
  token = ((await response.json()) as { token: string }).token;
  django.seen.length = 0;
  django.chatkit = (_req, res) => json(res, 200, { data: [], has_more: false });
});

/** `sealed` with its first character changed (always to a different one, so the sealed bytes really differ). */
function tampered(sealed: string): string {
  return `${sealed.startsWith("A") ? "B" : "A"}${sealed.slice(1)}`;
}

describe("authentication", () => {
  test("Django gets the client secret; the browser's token, cookies and key stay here", async () => {
    const response = await chatkit({ type: "threads.list", params: {} }, { headers: { "accept-language": "pt-PT" } });
    assert.equal(response.status, 200);
    const [seen] = django.calls("/chatkit");
    const secret = [...django.live.keys()].at(-1);
    assert.equal(seen?.headers.authorization, `Bearer ${secret}`);
    assert.equal(seen?.headers.cookie, undefined);
    assert.equal(seen?.headers["accept-language"], "pt-PT");
    assert.equal(seen?.headers["accept-encoding"], "identity");
    assert.deepEqual(JSON.parse(seen!.body), { type: "threads.list", params: {} });
  });

  for (const [name, setup, code] of [
    ["no session cookie", () => jar.cookies.delete(SESSION_COOKIE), "session_missing"],
    ["a wrong token", () => (token = "x".repeat(43)), "invalid_token"],
    [
      "a tampered session cookie",
      () => (jar.cookies.get(SESSION_COOKIE)!.value = tampered(jar.get(SESSION_COOKIE)!)),
      "session_missing",
    ],
  ] as const) {
    test(`${name} is a JSON 401 that never reaches Django`, async () => {
      setup();
      const response = await chatkit({ type: "threads.list", params: {} });
      assert.equal(response.status, 401);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, code);
      assert.equal(django.calls("/chatkit").length, 0);
    });
  }

  test("Django's own 401 (revoked secret) comes back as it is", async () => {
    django.live.clear();
    const response = await chatkit({ type: "threads.list", params: {} });
    assert.equal(response.status, 401);
    assert.deepEqual(await response.json(), { error: { code: "token_unknown", message: "unknown" } });
  });
});

describe("responses", () => {
  test("events are relayed one by one as Django sends them, bytes unchanged", async () => {
    const events = [
      'data: {"type":"thread.created"}\n\n',
      'data: {"type":"thread.item.added","n":"é"}\n\n',
      'data: {"type":"done"}\n\n',
    ];
    const sent: number[] = [];
    django.chatkit = async (_req, res) => {
      sseHead(res);
      for (const event of events) {
        res.write(event);
        sent.push(Date.now());
        await sleep(150);
      }
      res.end();
    };
    const response = await chatkit({ type: "threads.create", params: {} });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "text/event-stream");
    assert.equal(response.headers.get("cache-control"), "no-store");
    assert.equal(response.headers.get("x-accel-buffering"), "no");

    const reader = response.body!.getReader();
    const received: { text: string; at: number }[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received.push({ text: new TextDecoder().decode(value), at: Date.now() });
    }
    assert.deepEqual(
      received.map((r) => r.text),
      events,
      "one chunk per event, as written",
    );
    assert.ok(received[0]!.at < sent[2]!, "the first event arrived before the last was sent");
  });

  test("JSON answers pass through with their status", async () => {
    django.chatkit = (_req, res) => json(res, 404, { error: { code: "not_found", message: "Thread not found." } });
    const response = await chatkit({ type: "threads.get_by_id", params: { thread_id: "thr_x" } });
    assert.equal(response.status, 404);
    assert.equal(response.headers.get("content-type"), "application/json");
    assert.deepEqual(await response.json(), { error: { code: "not_found", message: "Thread not found." } });
  });

  test("a non-JSON answer (an HTML error page) becomes a JSON 502", async () => {
    django.chatkit = (_req, res) => {
      res.writeHead(502, { "Content-Type": "text/html" });
      res.end("<h1>Bad gateway</h1>");
    };
    const response = await chatkit({ type: "threads.list", params: {} });
    assert.equal(response.status, 502);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, "backend_bad_response");
  });

  test("a body over the limit is refused with 413 before Django sees it", async () => {
    const response = await chatkit({ type: "threads.create", params: { text: "x".repeat(9 * 1024 * 1024) } });
    assert.equal(response.status, 413);
    assert.equal(django.calls("/chatkit").length, 0);
  });
});

describe("aborts and failures", () => {
  // Next signals a browser that went away both ways: the request's signal, and cancelling the body.
  for (const how of ["request signal", "body cancelled"] as const) {
    test(`when the browser goes away (${how}), the request to Django is aborted too`, async () => {
      let closed: Promise<unknown> = Promise.resolve();
      django.chatkit = async (_req, res) => {
        closed = once(res, "close");
        sseHead(res);
        for (let i = 0; i < 100 && !res.destroyed; i++) {
          res.write(`data: {"n":${i}}\n\n`);
          await sleep(20);
        }
        res.end();
      };
      const browser = new AbortController();
      const response = await chatkit({ type: "threads.create", params: {} }, { signal: browser.signal });
      const reader = response.body!.getReader();
      await reader.read();
      if (how === "request signal") browser.abort();
      else await reader.cancel();
      const outcome = await Promise.race([closed.then(() => "closed"), sleep(2_000).then(() => "timeout")]);
      assert.equal(outcome, "closed", "Django's response was not closed");
    });
  }

  test("a connection refused at first is retried with backoff", async () => {
    const url = await closedPortUrl();
    const port = Number(new URL(url).port);
    const saved = process.env.MERAK_BACKEND_URL;
    process.env.MERAK_BACKEND_URL = url;
    const late = new FakeBackend();
    late.live.set([...django.live.keys()].at(-1)!, Date.now() + 60_000);
    try {
      setTimeout(() => void late.listen(port), 200); // Django comes up during the backoff
      const response = await chatkit({ type: "threads.list", params: {} });
      assert.equal(response.status, 200);
      assert.equal(late.calls("/chatkit").length, 1);
    } finally {
      process.env.MERAK_BACKEND_URL = saved;
      await late.close();
    }
  });

  test("a stream that breaks after it started is never retried", async () => {
    django.chatkit = async (_req, res) => {
      sseHead(res);
      res.write('data: {"type":"thread.created"}\n\n');
      await sleep(50);
      res.destroy();
    };
    const response = await chatkit({ type: "threads.create", params: {} });
    assert.equal(response.status, 200);
    await assert.rejects(response.text());
    assert.equal(django.calls("/chatkit").length, 1);
  });

  test("Django unreachable is a JSON 502", async () => {
    const saved = process.env.MERAK_BACKEND_URL;
    process.env.MERAK_BACKEND_URL = await closedPortUrl();
    try {
      const response = await chatkit({ type: "threads.list", params: {} });
      assert.equal(response.status, 502);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, "backend_unavailable");
    } finally {
      process.env.MERAK_BACKEND_URL = saved;
    }
  });

  test("timeouts map to 504, other failures to 502", () => {
    const failure = (code: string) =>
      upstreamFailure(new TypeError("fetch failed", { cause: Object.assign(new Error(code), { code }) }));
    assert.equal(failure("UND_ERR_HEADERS_TIMEOUT").status, 504);
    assert.equal(failure("UND_ERR_CONNECT_TIMEOUT").status, 504);
    assert.equal(failure("ECONNREFUSED").status, 502);
  });
});
