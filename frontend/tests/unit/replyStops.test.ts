/** ChatKit's fetch telling a stop from a reload, a thread switch or a new chat: only a stop cancels the reply. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { ReplyStops, replyRequest } from "../../lib/client/replyStops";

const GRACE_MS = 30;
const settle = (ms = GRACE_MS * 4) => new Promise((resolve) => setTimeout(resolve, ms));
const encoder = new TextEncoder();
const event = (data: object) => encoder.encode(`data: ${JSON.stringify(data)}\n\n`);
const created = (id: string) => event({ type: "thread.created", thread: { id, title: null, items: { data: [] } } });
const delta = (text: string) =>
  event({ type: "thread.item.updated", update: { type: "assistant_message.content_part.text_delta", delta: text } });

/** A server whose answers each test writes: an event stream per streaming request, JSON otherwise. */
function fakeServer(answer: "stream" | "busy" = "stream") {
  const requests: Array<{ body: unknown; signal: AbortSignal; push: (bytes: Uint8Array) => void; end: () => void }> =
    [];
  let respond: (() => void) | null = null;
  let holdAnswers = false;
  const fetchImpl = (async (_input: RequestInfo | URL, init?: RequestInit) => {
    const signal = init?.signal as AbortSignal;
    if (answer === "busy") {
      return Response.json({ error: { code: "thread_busy", message: "busy" } }, { status: 409 });
    }
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start: (c) => {
        controller = c;
      },
    });
    signal.addEventListener("abort", () => controller.error(new DOMException("aborted", "AbortError")));
    requests.push({ body: init?.body, signal, push: (b) => controller.enqueue(b), end: () => controller.close() });
    if (holdAnswers) {
      await new Promise<void>((resolve) => {
        respond = resolve;
      });
    }
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  }) as typeof fetch;
  return {
    requests,
    fetchImpl,
    /** The next answers wait for `answerNow()`: as a server yet to send its headers. */
    hold: () => {
      holdAnswers = true;
    },
    answerNow: () => respond?.(),
  };
}

function setUp(answer: "stream" | "busy" = "stream") {
  const server = fakeServer(answer);
  const cancelled: string[] = [];
  const streams = { started: 0, ended: 0 };
  const stops = new ReplyStops({
    cancel: async (threadId) => void cancelled.push(threadId),
    onStreamStart: () => {
      streams.started += 1;
    },
    onStreamEnd: () => {
      streams.ended += 1;
    },
    graceMs: GRACE_MS,
  });
  const window = new EventTarget();
  const detach = stops.listen(window as unknown as Window);
  const chatkitFetch = stops.wrap(server.fetchImpl);
  /** A request as ChatKit sends it, with its own AbortController (its stop button aborts it). */
  const send = (body: object) => {
    const chatkit = new AbortController();
    const response = chatkitFetch("/api/chatkit", {
      method: "POST",
      body: JSON.stringify(body),
      signal: chatkit.signal,
    });
    return { chatkit, response };
  };
  return { server, cancelled, streams, stops, window, detach, send };
}

const addMessage = (threadId: string) => ({
  type: "threads.add_user_message",
  params: { thread_id: threadId, input: { content: [{ type: "input_text", text: "say 300 words" }] } },
});
const createThread = { type: "threads.create", params: { input: { content: [] } } };

describe("what a stop is", () => {
  test("an abort while the page stays on the same thread is a stop: its reply is cancelled once, after a grace", async () => {
    const { server, cancelled, send } = setUp();
    const { chatkit, response } = send(addMessage("thr_a"));
    const reader = (await response).body!.getReader();
    server.requests[0]!.push(delta("word1 "));
    assert.equal(new TextDecoder().decode((await reader.read()).value).includes("word1"), true);
    const pending = reader.read();
    chatkit.abort();
    await assert.rejects(pending, { name: "AbortError" }, "ChatKit's read ends at once, as with fetch");
    assert.deepEqual(cancelled, [], "not before the grace period");
    await settle();
    assert.deepEqual(cancelled, ["thr_a"]);
    assert.equal(server.requests[0]!.signal.aborted, true, "and the request to the server is closed");
  });

  test("a new thread's stop names the thread its first event created", async () => {
    const { server, cancelled, stops, send } = setUp();
    const { chatkit, response } = send(createThread);
    const reader = (await response).body!.getReader();
    server.requests[0]!.push(created("thr_new"));
    await reader.read();
    stops.threadChanged("thr_new"); // as ChatKit does on `thread.created`
    server.requests[0]!.push(delta("word1 "));
    await reader.read();
    chatkit.abort();
    await settle();
    assert.deepEqual(cancelled, ["thr_new"]);
  });

  test("stopped before its first event, the request lives on until the thread is known, then is cancelled", async () => {
    const { server, cancelled, send } = setUp();
    server.hold();
    const { chatkit, response } = send(createThread);
    await settle(5);
    chatkit.abort();
    await assert.rejects(response, { name: "AbortError" }, "ChatKit is answered at once");
    await settle();
    assert.equal(server.requests[0]!.signal.aborted, false, "the server has not said which thread yet");
    server.answerNow();
    server.requests[0]!.push(created("thr_late"));
    await settle();
    assert.deepEqual(cancelled, ["thr_late"]);
    assert.equal(server.requests[0]!.signal.aborted, true);
  });

  test("an abort after the stream's end, or of a request refused in JSON, stops nothing", async () => {
    const ended = setUp();
    const { chatkit, response } = ended.send(addMessage("thr_a"));
    const reader = (await response).body!.getReader();
    ended.server.requests[0]!.push(delta("all of it"));
    ended.server.requests[0]!.end();
    while (!(await reader.read()).done);
    chatkit.abort();
    await settle();
    assert.deepEqual(ended.cancelled, []);

    const busy = setUp("busy");
    const refused = busy.send(addMessage("thr_a"));
    assert.equal((await refused.response).status, 409);
    refused.chatkit.abort();
    await settle();
    assert.deepEqual(busy.cancelled, []);
  });
});

describe("what is not a stop", () => {
  for (const [name, next] of [
    ["another thread", "thr_b"],
    ["a new chat", null],
  ] as const) {
    test(`opening ${name} just after the abort leaves the reply running`, async () => {
      const { server, cancelled, stops, send } = setUp();
      const { chatkit, response } = send(addMessage("thr_a"));
      await response;
      chatkit.abort();
      await settle(GRACE_MS / 3);
      stops.threadChanged(next);
      await settle();
      assert.deepEqual(cancelled, []);
      assert.equal(server.requests[0]!.signal.aborted, true);
    });
  }

  test("opening another thread just before the abort leaves it running too", async () => {
    const { cancelled, stops, send } = setUp();
    const { chatkit, response } = send(addMessage("thr_a"));
    await response;
    stops.threadChanged("thr_b");
    chatkit.abort();
    await settle();
    assert.deepEqual(cancelled, []);
  });

  for (const leaving of ["beforeunload", "pagehide"]) {
    test(`the page being left (${leaving}) leaves it running`, async () => {
      const { cancelled, window, send } = setUp();
      const { chatkit, response } = send(addMessage("thr_a"));
      await response;
      window.dispatchEvent(new Event(leaving));
      chatkit.abort();
      await settle();
      assert.deepEqual(cancelled, []);
    });
  }

  test("a leave that comes within the grace period still counts", async () => {
    const { cancelled, window, send } = setUp();
    const { chatkit, response } = send(addMessage("thr_a"));
    await response;
    chatkit.abort();
    await settle(GRACE_MS / 3);
    window.dispatchEvent(new Event("pagehide"));
    await settle();
    assert.deepEqual(cancelled, []);
  });

  test("once the chat is unmounted, no abort is a stop", async () => {
    const { cancelled, detach, send } = setUp();
    const { chatkit, response } = send(addMessage("thr_a"));
    await response;
    detach();
    chatkit.abort();
    await settle();
    assert.deepEqual(cancelled, []);
  });
});

describe("the requests", () => {
  test("only streaming requests are watched: others go through as they are", async () => {
    const { server, streams, send } = setUp();
    const stops = new ReplyStops({ cancel: async () => undefined });
    const plain = Response.json({ data: [] });
    const wrapped = stops.wrap(async () => plain);
    assert.equal(await wrapped("/api/chatkit", { method: "POST", body: '{"type":"items.list","params":{}}' }), plain);
    assert.equal(await wrapped("/api/chatkit/runs/thr_a", { method: "GET" }), plain);

    const { response } = send(addMessage("thr_a"));
    assert.deepEqual(streams, { started: 1, ended: 0 }, "a stream of this page has started");
    const reader = (await response).body!.getReader();
    server.requests[0]!.end();
    await reader.read();
    assert.deepEqual(streams, { started: 1, ended: 1 }, "...and ended");
  });

  test("the stream's bytes reach ChatKit unchanged, chunk by chunk", async () => {
    const { server, send } = setUp();
    const { response } = send(createThread);
    const answer = await response;
    assert.equal(answer.headers.get("content-type"), "text/event-stream");
    const reader = answer.body!.getReader();
    const chunks = [created("thr_x"), delta("word1 "), delta("word2")];
    for (const chunk of chunks) {
      server.requests[0]!.push(chunk);
      assert.deepEqual((await reader.read()).value, chunk);
    }
  });

  test("a streaming request is told by its type; the thread is its params' thread_id, none for a new one", () => {
    assert.deepEqual(replyRequest(JSON.stringify(addMessage("thr_a"))), { threadId: "thr_a" });
    assert.deepEqual(replyRequest(JSON.stringify(createThread)), { threadId: null });
    for (const type of ["threads.retry_after_item", "threads.custom_action", "threads.add_client_tool_output"]) {
      assert.deepEqual(replyRequest(JSON.stringify({ type, params: { thread_id: "thr_b" } })), { threadId: "thr_b" });
    }
    assert.equal(replyRequest(JSON.stringify({ type: "items.list", params: { thread_id: "thr_a" } })), null);
    assert.equal(replyRequest("not json"), null);
    assert.equal(replyRequest(undefined), null);
  });
});
