/** `/api/chatkit/start` and `/api/chatkit/refresh` against a stand-in Django. */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";

import { POST as refresh } from "../../app/api/chatkit/refresh/route";
import { POST as start } from "../../app/api/chatkit/start/route";
import { SESSION_COOKIE, UID_COOKIE } from "../../lib/server/session";
import { REFRESH_MARGIN_MS } from "../../lib/server/tokens";
import { CookieJar } from "../support/cookieJar";
import { closedPortUrl, FakeBackend, SERVER_KEY } from "../support/fakeBackend";

const django = new FakeBackend();
let jar: CookieJar;

async function call(route: (r: Request) => Promise<Response>, path: string, headers: Record<string, string> = {}) {
  const response = await route(
    new Request(`http://127.0.0.1:3000${path}`, { method: "POST", headers: { cookie: jar.header(path), ...headers } }),
  );
  jar.store(response);
  const text = await response.text();
  return { response, text, body: JSON.parse(text) as Record<string, any> };
}

before(async () => {
  process.env.MERAK_BACKEND_URL = await django.listen();
  process.env.MERAK_SERVER_API_KEY = SERVER_KEY;
  process.env.MERAK_SESSION_SECRET = "unit-test-session-secret-unit-test-session-secret";
});
after(() => django.close());
beforeEach(() => {
  jar = new CookieJar();
  django.seen.length = 0;
  django.live.clear();
  django.revoked.clear();
  django.lifetimeMs = 15 * 60_000;
  django.serverKey = SERVER_KEY;
});

describe("start", () => {
  test("first visit gets an anonymous id cookie and a sealed session, never the secret", async () => {
    const { response, body, text } = await call(start, "/api/chatkit/start");
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("cache-control"), "no-store");
    assert.match(body.token, /^[A-Za-z0-9_-]{43}$/);
    assert.ok(Date.parse(body.expires_at) > Date.now() + 14 * 60_000);

    const [startCall] = django.calls("/chatkit/token/start");
    assert.equal(startCall?.headers.authorization, `Bearer ${SERVER_KEY}`);
    const uid = jar.get(UID_COOKIE);
    assert.deepEqual(JSON.parse(startCall!.body), { user_id: `anon:${uid}` });

    const secret = [...django.live.keys()][0]!;
    for (const value of [text, ...response.headers.getSetCookie()]) {
      assert.ok(!value.includes(secret), "the client secret leaked to the browser");
      assert.ok(!value.includes(SERVER_KEY), "the server key leaked to the browser");
    }
    const cookies = response.headers.getSetCookie().join("\n");
    assert.match(cookies, new RegExp(`${UID_COOKIE}=[0-9a-f-]{36}; Path=/; Max-Age=\\d+; HttpOnly; SameSite=Lax`));
    assert.match(
      cookies,
      new RegExp(`${SESSION_COOKIE}=[\\w-]+; Path=/api/chatkit; Max-Age=\\d+; HttpOnly; SameSite=Strict`),
    );
    assert.ok(!cookies.includes("Secure"), "plain http on loopback: no Secure flag");
  });

  test("cookies are Secure when the request came over https", async () => {
    const { response } = await call(start, "/api/chatkit/start", { "x-forwarded-proto": "https" });
    for (const cookie of response.headers.getSetCookie()) assert.match(cookie, /; Secure$/);
  });

  test("a returning browser gets the same token without asking Django again", async () => {
    const first = await call(start, "/api/chatkit/start");
    const again = await call(start, "/api/chatkit/start");
    assert.equal(again.body.token, first.body.token);
    assert.equal(django.calls("/chatkit/token/start").length, 1);
    assert.deepEqual(again.response.headers.getSetCookie(), []);
  });

  test("a secret about to lapse is rotated, keeping the browser's token", async () => {
    django.lifetimeMs = REFRESH_MARGIN_MS - 5_000;
    const first = await call(start, "/api/chatkit/start");
    const again = await call(start, "/api/chatkit/start");
    assert.equal(django.calls("/chatkit/token/refresh").length, 1);
    assert.equal(again.body.token, first.body.token);
    assert.equal(django.revoked.size, 1);
  });

  test("a forged or foreign session cookie is ignored and replaced", async () => {
    await call(start, "/api/chatkit/start");
    let other = new CookieJar();
    [jar, other] = [other, jar];
    await call(start, "/api/chatkit/start");
    // Our uid with the other browser's sealed session: it was sealed for another uid.
    jar.cookies.set(SESSION_COOKIE, other.cookies.get(SESSION_COOKIE)!);
    const { response } = await call(start, "/api/chatkit/start");
    assert.equal(response.status, 200);
    assert.equal(django.calls("/chatkit/token/start").length, 3);
  });

  test("Django refusing the server key is a 502 for the browser", async () => {
    django.serverKey = "another-key";
    const { response, body } = await call(start, "/api/chatkit/start");
    assert.equal(response.status, 502);
    assert.equal(body.error.code, "backend_rejected_server_key");
  });
});

describe("refresh", () => {
  test("rotates the secret: Django revokes the old one, the token stays", async () => {
    const first = await call(start, "/api/chatkit/start");
    const oldSecret = [...django.live.keys()][0]!;
    const { response, body } = await call(refresh, "/api/chatkit/refresh");
    assert.equal(response.status, 200);
    assert.equal(body.token, first.body.token);
    const [refreshCall] = django.calls("/chatkit/token/refresh");
    assert.equal(refreshCall?.headers.authorization, `Bearer ${SERVER_KEY}`);
    assert.deepEqual(JSON.parse(refreshCall!.body), { client_secret: oldSecret });
    assert.ok(django.revoked.has(oldSecret));
    assert.match(response.headers.getSetCookie()[0] ?? "", new RegExp(`^${SESSION_COOKIE}=`));
  });

  test("a revoked chain (another tab rotated first) starts a new one", async () => {
    const first = await call(start, "/api/chatkit/start");
    const stale = jar.get(SESSION_COOKIE)!;
    await call(refresh, "/api/chatkit/refresh");
    jar.cookies.get(SESSION_COOKIE)!.value = stale; // this tab's response arrived first
    const { response, body } = await call(refresh, "/api/chatkit/refresh");
    assert.equal(response.status, 200);
    assert.notEqual(body.token, first.body.token);
    assert.equal(django.calls("/chatkit/token/start").length, 2);
  });

  test("without any session it simply starts one", async () => {
    const { response, body } = await call(refresh, "/api/chatkit/refresh");
    assert.equal(response.status, 200);
    assert.ok(body.token);
    assert.ok(jar.get(UID_COOKIE));
  });
});

test("an unreachable Django is a JSON 502 after retrying the connection", async () => {
  const saved = process.env.MERAK_BACKEND_URL;
  process.env.MERAK_BACKEND_URL = await closedPortUrl();
  try {
    const started = Date.now();
    const { response, body } = await call(start, "/api/chatkit/start");
    assert.equal(response.status, 502);
    assert.equal(body.error.code, "backend_unavailable");
    assert.ok(Date.now() - started >= 1_500, "it backed off and retried before giving up");
  } finally {
    process.env.MERAK_BACKEND_URL = saved;
  }
});

test("in production, a missing server key is a plain JSON 500, not a crash", async (t) => {
  t.mock.method(console, "error", () => undefined);
  const saved = { key: process.env.MERAK_SERVER_API_KEY, env: process.env.NODE_ENV };
  Object.assign(process.env, { MERAK_SERVER_API_KEY: "", NODE_ENV: "production" });
  try {
    const { response, body } = await call(start, "/api/chatkit/start");
    assert.equal(response.status, 500);
    assert.deepEqual(body.error, { code: "frontend_misconfigured", message: "MERAK_SERVER_API_KEY is not set." });
  } finally {
    // process.env turns undefined into "undefined": delete instead.
    const env: Record<string, string | undefined> = process.env;
    for (const [name, value] of [
      ["MERAK_SERVER_API_KEY", saved.key],
      ["NODE_ENV", saved.env],
    ] as const) {
      if (value === undefined) delete env[name];
      else env[name] = value;
    }
  }
});
