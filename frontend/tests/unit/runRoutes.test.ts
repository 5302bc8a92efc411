/** `/api/chatkit/runs/<thread>` and `.../cancel` against a stand-in Django: relayed with the secret, refused here when they must be. */
import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";

import { POST as cancel } from "../../app/api/chatkit/runs/[threadId]/cancel/route";
import { GET as status } from "../../app/api/chatkit/runs/[threadId]/route";
import { GET as usage } from "../../app/api/chatkit/runs/[threadId]/usage/route";
import { POST as start } from "../../app/api/chatkit/start/route";
import { SESSION_COOKIE } from "../../lib/server/session";
import { CookieJar } from "../support/cookieJar";
import { FakeBackend, json, SERVER_KEY } from "../support/fakeBackend";

const django = new FakeBackend();
let jar: CookieJar;
let token: string;

const SUFFIX = { status: "", cancel: "/cancel", usage: "/usage" } as const;
const ROUTE = { status, cancel, usage } as const;

function call(action: keyof typeof SUFFIX, threadId: string, init: { token?: string } = {}): Promise<Response> {
  const path = `/api/chatkit/runs/${encodeURIComponent(threadId)}${SUFFIX[action]}`;
  const request = new Request(`http://127.0.0.1:3000${path}`, {
    method: action === "cancel" ? "POST" : "GET",
    headers: { cookie: jar.header(path), authorization: `Bearer ${init.token ?? token}` },
  });
  const context = { params: Promise.resolve({ threadId }) };
  return ROUTE[action](request, context);
}

const errorCode = async (response: Response) => ((await response.json()) as { error: { code: string } }).error.code;

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
  django.runs = (req, res, seen) =>
    json(res, 200, { thread_id: seen.path.split("/")[3], running: req.method === "GET", started_at: null });
});

test("a status is Django's GET /chatkit/runs/<thread> with the client secret, its answer relayed", async () => {
  const response = await call("status", "thr_0123abcd");
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("cache-control"), "no-store");
  assert.deepEqual(await response.json(), { thread_id: "thr_0123abcd", running: true, started_at: null });
  const [seen] = django.seen;
  assert.equal(seen?.method, "GET");
  assert.equal(seen?.path, "/chatkit/runs/thr_0123abcd");
  assert.equal(seen?.headers.authorization, `Bearer ${[...django.live.keys()].at(-1)}`);
  assert.equal(seen?.headers.cookie, undefined);
});

test("a stop is Django's POST /chatkit/runs/<thread>/cancel with the client secret and no body", async () => {
  django.runs = (_req, res, seen) =>
    json(res, 200, { thread_id: seen.path.split("/")[3], running: false, started_at: null, cancelled: true });
  const response = await call("cancel", "thr_0123abcd");
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), {
    thread_id: "thr_0123abcd",
    running: false,
    started_at: null,
    cancelled: true,
  });
  const [seen] = django.seen;
  assert.equal(seen?.method, "POST");
  assert.equal(seen?.path, "/chatkit/runs/thr_0123abcd/cancel");
  assert.equal(seen?.body, "");
});

test("a thread's usage is Django's GET /chatkit/runs/<thread>/usage, relayed as it answered", async () => {
  const figures = { thread_id: "thr_0123abcd", replies: 2, input_tokens: 900, output_tokens: 80, cost: null };
  django.runs = (_req, res) => json(res, 200, figures);
  const response = await call("usage", "thr_0123abcd");
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), figures);
  const [seen] = django.seen;
  assert.equal(seen?.method, "GET");
  assert.equal(seen?.path, "/chatkit/runs/thr_0123abcd/usage");
});

test("Django's JSON errors (another user's thread: 404) come back with their status", async () => {
  django.runs = (_req, res) => json(res, 404, { error: { code: "not_found", message: "Thread not found." } });
  for (const action of ["status", "cancel", "usage"] as const) {
    const response = await call(action, "thr_someone_elses");
    assert.equal(response.status, 404);
    assert.equal(await errorCode(response), "not_found");
  }
});

test("without the session, or with a wrong token, it is a JSON 401 that never reaches Django", async () => {
  const wrongToken = await call("cancel", "thr_0123abcd", { token: "x".repeat(43) });
  assert.equal(wrongToken.status, 401);
  assert.equal(await errorCode(wrongToken), "invalid_token");
  jar.cookies.delete(SESSION_COOKIE);
  const noSession = await call("status", "thr_0123abcd");
  assert.equal(noSession.status, 401);
  assert.equal(await errorCode(noSession), "session_missing");
  assert.deepEqual(django.seen, []);
});

test("a thread id of no sane shape is a 404 here, never relayed", async () => {
  for (const threadId of ["../token/start", "thr_1/cancel", "thr 1", "", `thr_${"a".repeat(61)}`, "thr_1?x=1"]) {
    for (const action of ["status", "cancel", "usage"] as const) {
      const response = await call(action, threadId);
      assert.equal(response.status, 404, `${action} ${JSON.stringify(threadId)}`);
      assert.equal(await errorCode(response), "not_found");
    }
  }
  assert.deepEqual(django.seen, []);
});
