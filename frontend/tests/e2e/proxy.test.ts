/** End to end over HTTP: `next start` relaying to the real Django, offline planner, SQLite. */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { SESSION_COOKIE, seal, UID_COOKIE } from "../../lib/server/session";
import { assistantText, ChatKitClient, createThread, readEvents, textDeltas } from "../support/chatkitClient";
import { FRONTEND, SERVER_KEY, SESSION_SECRET, type Stack, startStack } from "../support/stack";

const PROMPT = "3 days in Lisbon from 12 March";
let stack: Stack;
let client: ChatKitClient;
let streamed: { threadId: string; text: string };

before(async () => {
  stack = await startStack();
  client = new ChatKitClient(stack.nextUrl);
  await client.start();
});
after(() => stack?.stop());

/** When Django's request log says it finished this request: for a stream, when the last byte was sent. */
async function djangoFinished(requestId: string): Promise<{ at: number; line: Record<string, any> }> {
  for (let i = 0; i < 100; i++) {
    for (const text of stack.djangoLog().split("\n")) {
      if (!text.includes(requestId)) continue;
      const line = JSON.parse(text) as Record<string, any>;
      if (line.request_id === requestId && line.time) return { at: Date.parse(line.time), line };
    }
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error(`no request log line for ${requestId} in Django's output`);
}

test("a thread is created and streamed through the proxy as Django produces it", async () => {
  const requestId = `e2e-${randomUUID()}`;
  const sentAt = Date.now();
  const response = await client.chatkit(createThread(PROMPT), { requestId });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/event-stream");
  assert.equal(response.headers.get("cache-control"), "no-store");
  assert.equal(response.headers.get("x-accel-buffering"), "no");
  assert.equal(response.headers.get("x-request-id"), requestId);
  assert.equal(response.headers.get("content-encoding"), null);

  const events = await readEvents(response);
  const first = events[0]!;
  const last = events.at(-1)!;
  assert.equal(first.event.type, "thread.created");
  const deltas = textDeltas(events);
  assert.ok(deltas.length > 20, `expected a streamed reply, got ${deltas.length} text deltas`);

  const { at: lastSent, line } = await djangoFinished(requestId);
  assert.equal(line.events, events.length, "every event Django sent arrived, once");
  const early = lastSent - first.at;
  console.log(
    `  first event received ${first.at - sentAt} ms after sending; last event sent by Django ${lastSent - sentAt} ms, ` +
      `received ${last.at - sentAt} ms; ${events.length} events in ${new Set(events.map((e) => e.at)).size} arrivals`,
  );
  assert.ok(early > 500, `the first event arrived only ${early} ms before Django sent the last: buffered?`);
  assert.ok(new Set(deltas.map((e) => e.at)).size > deltas.length / 2, "text deltas arrived one by one, not in bursts");

  const threadId = first.event.thread.id as string;
  const done = events.filter((e) => e.event.type === "thread.item.done" && e.event.item.type === "assistant_message");
  streamed = { threadId, text: assistantText(done.map((e) => e.event.item)) };
  assert.match(streamed.text, /Lisbon/);
});

test("JSON requests pass through both ways", async () => {
  const thread = await client.json({ type: "threads.get_by_id", params: { thread_id: streamed.threadId } });
  assert.equal(thread.status, 200);
  assert.equal(thread.body.id, streamed.threadId);

  const items = await client.json({ type: "items.list", params: { thread_id: streamed.threadId } });
  assert.equal(items.status, 200);
  assert.equal(assistantText(items.body.data), streamed.text);

  const list = await client.json({ type: "threads.list", params: {} });
  assert.ok(list.body.data.some((t: { id: string }) => t.id === streamed.threadId));

  const missing = await client.json({ type: "threads.get_by_id", params: { thread_id: "thr_does_not_exist" } });
  assert.equal(missing.status, 404);
  assert.equal(typeof missing.body.error.code, "string");
});

test("the card's clock switch is a sync action: redrawn through the proxy at once, and stored", async () => {
  const items = await client.json({ type: "items.list", params: { thread_id: streamed.threadId } });
  const card = items.body.data.find((item: { type: string }) => item.type === "widget");
  const buttons = card.widget.children.at(-1).children as { label: string; onClickAction: any }[];
  const clock = buttons.find((button) => button.label === "12-hour clock")!.onClickAction;
  assert.equal(clock.streaming, false, "ChatKit sends it as threads.sync_custom_action");

  const action = { type: clock.type, payload: clock.payload };
  const params = { thread_id: streamed.threadId, item_id: card.id, action };
  const switched = await client.json({ type: "threads.sync_custom_action", params });

  assert.equal(switched.status, 200);
  assert.equal(switched.body.updated_item.id, card.id);
  assert.match(JSON.stringify(switched.body.updated_item.widget), /Sunrise \d:\d\d [ap]m/);
  const reread = await client.json({ type: "items.list", params: { thread_id: streamed.threadId } });
  const stored = reread.body.data.find((item: { id: string }) => item.id === card.id);
  assert.equal(stored.copy_text, switched.body.updated_item.copy_text, "a reload shows the switched card");
});

test("the composer's options come from Django, and a pick Django does not offer is its JSON 400", async () => {
  const offered = await client.send("/api/chatkit/options", {
    method: "GET",
    headers: { authorization: `Bearer ${client.token}` },
  });
  assert.equal(offered.status, 200);
  type Composer = { models: { id: string }[]; tools: { id: string }[]; dictation: { enabled: boolean } };
  const { composer, entities } = (await offered.json()) as { composer: Composer; entities: { tags: boolean } };
  assert.deepEqual(entities, { tags: true });
  assert.deepEqual(
    composer.models.map((model) => model.id),
    ["merak-offline-planner"],
  );
  assert.deepEqual(
    composer.tools.map((tool) => tool.id),
    ["plan", "facts", "map"],
  );
  assert.deepEqual(composer.dictation, { enabled: false }, "offline: no transcription model, no microphone");
  const anonymous = await client.send("/api/chatkit/options", { method: "GET" });
  assert.equal(anonymous.status, 401);

  const picking = (inference_options: object) => {
    const request = createThread("Lisbon");
    return { ...request, params: { input: { ...request.params.input, inference_options } } };
  };
  const picked = picking({ model: "merak-offline-planner", tool_choice: { id: "map" } });
  const events = await readEvents(await client.chatkit(picked));
  const calls = events.filter((e) => e.event.type === "thread.item.done" && e.event.item.type === "client_tool_call");
  assert.equal(calls[0]?.event.item.name, "open_map", "the map mode opens the map of the place named");

  const refused = await client.json(picking({ model: "gpt-9" }));
  assert.equal(refused.status, 400);
  assert.equal(refused.body.error.code, "unknown_model");
});

test("places to tag with @ are searched in Django through the proxy, with the session", async () => {
  const search = (query: string, token: string | null = client.token) =>
    client.send(`/api/chatkit/entities?q=${encodeURIComponent(query)}`, {
      method: "GET",
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });

  const found = await search("lis");
  assert.equal(found.status, 200);
  const { entities } = (await found.json()) as { entities: { title: string; data: Record<string, string> }[] };
  assert.equal(entities[0]?.title, "Lisbon, Portugal");
  assert.equal(entities[0]?.data.timezone, "Europe/Lisbon");

  const blank = await search("  ");
  assert.equal(blank.status, 400);
  assert.equal(((await blank.json()) as { error: { code: string } }).error.code, "empty_query");
  assert.equal((await search("lis", null)).status, 401);
});

/** Asks the runs route until the thread's reply has ended; when it did (ms). */
async function replyEnded(threadId: string, timeoutMs = 30_000): Promise<number> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    const { status, body } = await client.run(threadId);
    assert.equal(status, 200);
    if (!body.running) return Date.now();
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error(`the reply in ${threadId} was still running after ${timeoutMs} ms`);
}

test("a stream the browser aborts is no stop: the reply runs to its end and is stored whole", async () => {
  const browser = new AbortController();
  const response = await client.chatkit(createThread(PROMPT), { signal: browser.signal });
  const events = await readEvents(response, (seen) => textDeltas(seen).length >= 15);
  browser.abort();
  const threadId = events[0]!.event.thread.id as string;

  const running = await client.run(threadId);
  assert.equal(running.status, 200);
  assert.deepEqual([running.body.thread_id, running.body.running], [threadId, true], "it goes on without its client");
  assert.ok(Date.parse(running.body.started_at) <= Date.now());
  await replyEnded(threadId);
  const items = await client.json({ type: "items.list", params: { thread_id: threadId } });
  assert.equal(assistantText(items.body.data), streamed.text, "the whole reply was stored");
});

test("the runs route stops a reply through the proxy, which keeps the partial reply", async () => {
  const response = await client.chatkit(createThread(PROMPT));
  const events = await readEvents(response, (seen) => textDeltas(seen).length >= 15);
  const threadId = events[0]!.event.thread.id as string;

  const stop = await client.run(threadId, "cancel");
  assert.equal(stop.status, 200);
  assert.deepEqual(stop.body, { thread_id: threadId, running: false, started_at: null, cancelled: true });
  assert.equal((await client.run(threadId)).body.running, false);
  const items = await client.json({ type: "items.list", params: { thread_id: threadId } });
  const partial = assistantText(items.body.data);
  assert.ok(partial.length > 0, "the partial reply was stored");
  assert.ok(partial.length < streamed.text.length, "...and it is partial");
  assert.ok(streamed.text.startsWith(partial.trimEnd().slice(0, 60)), "...the start of the same reply");

  const again = await client.run(threadId, "cancel");
  assert.deepEqual([again.status, again.body.cancelled, again.body.running], [200, false, false], "nothing to stop");
  const stranger = new ChatKitClient(stack.nextUrl);
  await stranger.start();
  assert.equal((await stranger.run(threadId)).status, 404, "another browser's thread is not found");
  assert.equal((await stranger.run(threadId, "cancel")).status, 404);
});

test("bad tokens get JSON 401s", async () => {
  const wrongHandle = await client.chatkit({ type: "threads.list", params: {} }, { token: "not-the-token" });
  assert.equal(wrongHandle.status, 401);
  assert.equal(wrongHandle.headers.get("content-type"), "application/json");
  assert.equal(((await wrongHandle.json()) as any).error.code, "invalid_token");

  // A session sealed around a secret Django never issued: Django's own 401 comes through.
  const forged = new ChatKitClient(stack.nextUrl);
  await forged.start();
  const uid = forged.jar.get(UID_COOKIE)!;
  const config = {
    backendUrl: stack.djangoUrl,
    serverApiKey: SERVER_KEY,
    sessionSecret: SESSION_SECRET,
    secureCookies: false,
  };
  const session = { uid, secret: "mct_never_issued", expiresAt: Date.now() + 600_000, handle: forged.token };
  forged.jar.cookies.get(SESSION_COOKIE)!.value = seal(config, session);
  const unknown = await forged.chatkit({ type: "threads.list", params: {} });
  assert.equal(unknown.status, 401);
  assert.equal(((await unknown.json()) as any).error.code, "token_unknown");
});

test("refresh rotates the secret: the chat goes on, the old secret is revoked in Django", async () => {
  const other = new ChatKitClient(stack.nextUrl);
  await other.start();
  const before = other.jar.get(SESSION_COOKIE)!;
  await other.start("refresh");
  assert.notEqual(other.jar.get(SESSION_COOKIE), before);
  assert.equal((await other.json({ type: "threads.list", params: {} })).status, 200);

  other.jar.cookies.get(SESSION_COOKIE)!.value = before; // replaying the rotated secret
  const replayed = await other.chatkit({ type: "threads.list", params: {} });
  assert.equal(replayed.status, 401);
  assert.equal(((await replayed.json()) as any).error.code, "token_revoked");
});

test("neither the server key nor the session secret is in what the browser downloads", async () => {
  const page = await (await fetch(stack.nextUrl)).text();
  const files = readdirSync(join(FRONTEND, ".next/static"), { recursive: true, withFileTypes: true }).filter((f) =>
    f.isFile(),
  );
  assert.ok(files.length > 0);
  for (const text of [page, ...files.map((f) => readFileSync(join(f.parentPath, f.name), "utf8"))]) {
    for (const secret of [
      SERVER_KEY,
      SESSION_SECRET,
      "merak-dev-server-key",
      "MERAK_SERVER_API_KEY",
      "MERAK_SESSION_SECRET",
    ]) {
      assert.ok(!text.includes(secret), `${secret} is in the browser's code`);
    }
  }
});

// --- attachments: uploaded and previewed through this origin ---------------------------------

async function createAttachment(
  name: string,
  mimeType: string,
  data: Uint8Array<ArrayBuffer>,
): Promise<Record<string, any>> {
  const created = await client.json({
    type: "attachments.create",
    params: { name, size: data.byteLength, mime_type: mimeType },
  });
  assert.equal(created.status, 200);
  return created.body;
}

async function upload(url: string, name: string, mimeType: string, data: Uint8Array<ArrayBuffer>): Promise<Response> {
  const form = new FormData();
  form.append("file", new Blob([data], { type: mimeType }), name);
  return fetch(url, { method: "POST", body: form, headers: { origin: "https://cdn.example" } });
}

test("an attached booking is uploaded through this origin and the planner plans from it", async () => {
  const booking = new TextEncoder().encode("Booking confirmation\nHotel in Porto\nCheck-in 10 May 2027, 3 nights\n");
  const attachment = await createAttachment("booking.txt", "text/plain", booking);
  const uploadUrl: string = attachment.upload_descriptor.url;
  assert.ok(uploadUrl.startsWith(`${stack.nextUrl}/api/chatkit/attachments/`), uploadUrl);

  const uploaded = await upload(uploadUrl, "booking.txt", "text/plain", booking);
  assert.equal(uploaded.status, 200, await uploaded.clone().text());
  assert.equal(uploaded.headers.get("access-control-allow-origin"), "*");
  const answer = (await uploaded.json()) as { id: string; upload_descriptor?: unknown };
  assert.equal(answer.id, attachment.id);
  assert.equal(answer.upload_descriptor, undefined, "nothing left to upload");

  const events = await readEvents(await client.chatkit(createThread("Plan this trip for me", [attachment.id])));
  const text = textDeltas(events)
    .map((e) => e.event.update.delta)
    .join("");
  assert.match(text, /4 days in Porto/);
  assert.match(text, /10 May/);
});

test("an image's preview comes back through this origin, byte for byte", async () => {
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Array(64).fill(7)]);
  const attachment = await createAttachment("map.png", "image/png", png);
  assert.equal((await upload(attachment.upload_descriptor.url, "map.png", "image/png", png)).status, 200);
  assert.ok(attachment.preview_url.startsWith(`${stack.nextUrl}/api/chatkit/attachments/`));

  const preview = await fetch(attachment.preview_url);

  assert.equal(preview.status, 200);
  assert.equal(preview.headers.get("content-type"), "image/png");
  assert.equal(preview.headers.get("content-security-policy"), "default-src 'none'; sandbox");
  assert.equal(preview.headers.get("x-content-type-options"), "nosniff");
  assert.deepEqual(new Uint8Array(await preview.arrayBuffer()), png);
});

test("a malformed or forged attachment link is a JSON 404, and a preflight is answered", async () => {
  const malformed = await fetch(`${stack.nextUrl}/api/chatkit/attachments/..%2F..%2Fadmin`);
  const forged = await upload(
    `${stack.nextUrl}/api/chatkit/attachments/atc_x:1abc:forged/upload`,
    "x.txt",
    "text/plain",
    new Uint8Array([1]),
  );
  const preflight = await fetch(`${stack.nextUrl}/api/chatkit/attachments/atc_x:1abc:sig/upload`, {
    method: "OPTIONS",
  });

  assert.equal(malformed.status, 404);
  assert.equal(((await malformed.json()) as { error: { code: string } }).error.code, "not_found");
  assert.equal(forged.status, 404);
  assert.equal(((await forged.json()) as { error: { code: string } }).error.code, "not_found");
  assert.equal(preflight.status, 204);
  assert.match(preflight.headers.get("access-control-allow-methods") ?? "", /POST/);
});
