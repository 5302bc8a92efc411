/**
 * Tells ChatKit's stop button from everything else that aborts a reply's
 * request. A reply belongs to the server and runs to its end when its
 * connection closes, so a reload, a closed tab, a switch to another thread
 * and a new chat leave it running (it is there when the user comes back); only
 * a stop ends it. Django cannot tell these apart (each one closes the
 * connection), but ChatKit's `fetch` can: when the signal of a streaming
 * request aborts and, a moment later, the page is not being left and no other
 * thread has been opened, that was the stop button, and the reply is stopped
 * with `POST /api/chatkit/runs/<thread>/cancel`.
 */

/** The requests Django answers with a stream (chatkit-python's `is_streaming_req`). */
const STREAMING_TYPES = new Set([
  "threads.create",
  "threads.add_user_message",
  "threads.add_client_tool_output",
  "threads.add_structured_input",
  "threads.retry_after_item",
  "threads.custom_action",
]);

/** How long after an abort a thread change or the page being left may still come and explain it. */
const STOP_GRACE_MS = 150;
/** A page that began leaving this long before an abort explains it (the abort comes as the old page unloads). */
const LEAVING_WINDOW_MS = 3_000;
/** How long a stopped `threads.create` may take to say which thread it made. */
const THREAD_ID_WAIT_MS = 5_000;

export type ReplyRequest = { threadId: string | null };

/** The streaming request in ChatKit's JSON body (its thread, unless it creates one), or null for any other. */
export function replyRequest(body: unknown): ReplyRequest | null {
  if (typeof body !== "string") return null;
  try {
    const { type, params } = JSON.parse(body) as { type?: unknown; params?: { thread_id?: unknown } };
    if (typeof type !== "string" || !STREAMING_TYPES.has(type)) return null;
    const threadId = params?.thread_id;
    return { threadId: typeof threadId === "string" && threadId ? threadId : null };
  } catch {
    return null;
  }
}

export type ReplyStopsOptions = {
  /** Stops the reply running in a thread (`RunsClient.cancel`). */
  cancel: (threadId: string) => Promise<unknown>;
  /** This page's reply streams as they start and end (a reply the page streams itself needs no catching up). */
  onStreamStart?: () => void;
  onStreamEnd?: () => void;
  graceMs?: number;
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ReplyStops {
  private thread: { id: string | null; at: number } = { id: null, at: Number.NEGATIVE_INFINITY };
  private leftAt = Number.NEGATIVE_INFINITY;
  private attached = true;
  private readonly graceMs: number;

  constructor(private readonly options: ReplyStopsOptions) {
    this.graceMs = options.graceMs ?? STOP_GRACE_MS;
  }

  /** ChatKit opened a thread (`chatkit.thread.change`; null: a new chat). */
  threadChanged(threadId: string | null): void {
    this.thread = { id: threadId, at: Date.now() };
  }

  /** The page is being left (`beforeunload`, `pagehide`): aborts now are no stops. */
  leaving(): void {
    this.leftAt = Date.now();
  }

  /** Follows the page being left; the returned function stops that and, the chat being gone, any stop. */
  listen(target: Pick<Window, "addEventListener" | "removeEventListener">): () => void {
    const leaving = () => this.leaving();
    this.attached = true;
    target.addEventListener("beforeunload", leaving);
    target.addEventListener("pagehide", leaving);
    return () => {
      this.attached = false;
      target.removeEventListener("beforeunload", leaving);
      target.removeEventListener("pagehide", leaving);
    };
  }

  /** `fetchImpl` with every streaming request watched for a stop. */
  wrap(fetchImpl: typeof fetch): typeof fetch {
    return (input, init) => {
      const reply = replyRequest(init?.body);
      if (!reply) return fetchImpl(input, init);
      this.options.onStreamStart?.();
      const stream = new ReplyStream(reply.threadId, () => this.options.onStreamEnd?.());
      return stream.open(
        (signal) => fetchImpl(input, { ...init, signal }),
        init?.signal ?? null,
        () => void this.judge(stream),
      );
    };
  }

  /** After an abort: a stop, unless the page is being left or another thread (or a new chat) was opened. */
  private async judge(stream: ReplyStream): Promise<void> {
    await sleep(this.graceMs);
    if (!this.isStop(stream, stream.threadId)) return;
    const threadId = await stream.thread; // for a new thread, its first event (at most THREAD_ID_WAIT_MS away)
    if (!threadId || !this.isStop(stream, threadId)) return;
    try {
      await this.options.cancel(threadId);
    } catch (error) {
      console.warn("[merak] stopping the reply failed", error);
    }
  }

  private isStop(stream: ReplyStream, threadId: string | null): boolean {
    if (!this.attached || this.leftAt >= stream.abortedAt - LEAVING_WINDOW_MS) return false;
    // Any thread opened since the request began but its own (for a new thread, the one it created) means the user
    // moved on.
    return !(this.thread.at >= stream.startedAt && this.thread.id !== threadId);
  }
}

/**
 * One streaming request: relays its answer to ChatKit, learns its thread from
 * the first event when it creates one, and on ChatKit's abort ends ChatKit's
 * side at once (as `fetch` would) while the request to the server lives on
 * until the thread is known, so that a stop can name it.
 */
class ReplyStream {
  readonly startedAt = Date.now();
  abortedAt = Number.NaN;
  /** The thread, once known; null if the stream ended without saying. */
  readonly thread: Promise<string | null>;
  private learn: (threadId: string | null) => void = () => undefined;
  private readonly network = new AbortController();
  private reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  private sniffing: boolean;
  private sniffed = "";
  private readonly decoder = new TextDecoder();
  private aborted = false;
  private giveUp: ReturnType<typeof setTimeout> | undefined;
  /** ChatKit has had the whole answer, or has let go of it: an abort from now on stops nothing. */
  private settled = false;

  constructor(
    public threadId: string | null,
    private readonly onSettled: () => void,
  ) {
    this.sniffing = threadId === null;
    this.thread = threadId ? Promise.resolve(threadId) : new Promise((resolve) => (this.learn = resolve));
  }

  open(
    send: (signal: AbortSignal) => Promise<Response>,
    signal: AbortSignal | null,
    onAbort: () => void,
  ): Promise<Response> {
    return new Promise<Response>((resolve, reject) => {
      let view: ReadableStreamDefaultController<Uint8Array> | null = null;
      let answered = false;
      const abort = () => {
        if (this.settled || !signal) return this.network.abort(); // after the end: as plain fetch would
        this.aborted = true;
        this.abortedAt = Date.now();
        reject(signal.reason);
        view?.error(signal.reason);
        this.settle();
        onAbort();
        // Without an answer yet, a new thread's id is still to come: the answer lets go once it has it.
        this.giveUp = setTimeout(() => this.network.abort(), THREAD_ID_WAIT_MS);
        if (answered || !this.sniffing) void this.letGo();
      };
      if (signal?.aborted) {
        this.settle(); // as fetch: never sent
        return reject(signal.reason);
      }
      signal?.addEventListener("abort", abort, { once: true });

      send(this.network.signal).then(
        (response) => {
          answered = true;
          const type = response.headers.get("content-type") ?? "";
          if (!response.body || !type.startsWith("text/event-stream")) {
            this.settle(); // an error in JSON: nothing runs
            this.learn(this.threadId);
            if (this.aborted) this.network.abort();
            return resolve(response);
          }
          this.reader = response.body.getReader();
          if (this.aborted) return void this.letGo();
          const body = new ReadableStream<Uint8Array>(
            {
              start: (controller) => {
                view = controller;
              },
              pull: (controller) => this.pull(controller),
              cancel: (reason) => {
                this.settle();
                this.network.abort();
                return this.reader?.cancel(reason).catch(() => undefined);
              },
            },
            { highWaterMark: 0 },
          );
          const { status, statusText, headers } = response;
          resolve(new Response(body, { status, statusText, headers }));
        },
        (error: unknown) => {
          this.settle();
          this.learn(this.threadId);
          reject(error);
        },
      );
    });
  }

  private async pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    try {
      const chunk = await this.read();
      if (this.aborted) return; // ChatKit's side has ended already
      if (chunk.done) {
        controller.close();
        this.settle();
      } else {
        controller.enqueue(chunk.value);
      }
    } catch (error) {
      if (this.aborted) return;
      controller.error(error);
      this.settle();
    }
  }

  /** The next chunk, looked at for the thread id first while that is still to come. */
  private async read(): Promise<ReadableStreamReadResult<Uint8Array>> {
    const reader = this.reader;
    if (!reader) return { done: true, value: undefined };
    const chunk = await reader.read();
    if (chunk.done) this.learned();
    else if (this.sniffing) this.sniff(chunk.value);
    return chunk;
  }

  /** A new thread's id is in the stream's first event, `thread.created`. */
  private sniff(bytes: Uint8Array): void {
    this.sniffed += this.decoder.decode(bytes, { stream: true });
    const end = this.sniffed.indexOf("\n\n");
    if (end < 0) return;
    const data = this.sniffed
      .slice(0, end)
      .split("\n")
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(5).trimStart())
      .join("\n");
    try {
      const event = JSON.parse(data) as { type?: unknown; thread?: { id?: unknown } };
      const id = event.type === "thread.created" ? event.thread?.id : null;
      if (typeof id === "string" && id) this.threadId = id;
    } catch {
      // not an event: no thread to learn
    }
    this.learned();
  }

  private learned(): void {
    this.sniffing = false;
    this.sniffed = "";
    this.learn(this.threadId);
  }

  /** Reads on until the thread is known (or the stream ends, or it takes too long), then closes the request. */
  private async letGo(): Promise<void> {
    try {
      while (this.sniffing && this.reader) {
        if ((await this.read()).done) break;
      }
    } catch {
      // the request failed, or took too long (aborted): there is no thread to learn
    }
    this.learned();
    clearTimeout(this.giveUp);
    this.network.abort();
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.onSettled();
  }
}
