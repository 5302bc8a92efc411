/** The browser's side of `/api/chatkit/runs/<thread>`: whether a reply runs in a thread, stopping it, its usage. */

export type RunStatus = { thread_id: string; running: boolean; started_at: string | null; cancelled?: boolean };

/** One reply's figures; `offline`: the offline planner, whose tokens are words. Costs are USD strings, null unpriced. */
export type ReplyUsage = {
  model: string;
  offline: boolean;
  input_tokens: number;
  cached_tokens: number;
  output_tokens: number;
  cost: string | null;
  first_token_ms: number | null;
  total_ms: number;
  outcome: string;
};

/** A thread's replies in all (`cost` null unless every one is priced), and its latest. */
export type ThreadUsage = {
  thread_id: string;
  replies: number;
  input_tokens: number;
  cached_tokens: number;
  output_tokens: number;
  cost: string | null;
  unpriced: number;
  latest: ReplyUsage | null;
};

export class RunsError extends Error {
  constructor(
    message: string,
    /** The route's HTTP status; 0 when no answer came (offline, aborted). */
    readonly status: number,
  ) {
    super(message);
  }
}

export class RunsClient {
  /** `fetchImpl` adds the session token (`chatKitFetch`). */
  constructor(
    private readonly base: string,
    private readonly fetchImpl: typeof fetch,
  ) {}

  /** Whether a reply runs in `threadId` (not rate-limited: made to be polled while one does). */
  status(threadId: string, signal?: AbortSignal): Promise<RunStatus> {
    return this.call(`${this.base}/runs/${encodeURIComponent(threadId)}`, { method: "GET", signal });
  }

  /** Stops the reply in `threadId`; answers once it has ended, its partial text stored. */
  cancel(threadId: string): Promise<RunStatus> {
    return this.call(`${this.base}/runs/${encodeURIComponent(threadId)}/cancel`, { method: "POST" });
  }

  /** What the replies in `threadId` used and cost. */
  usage(threadId: string, signal?: AbortSignal): Promise<ThreadUsage> {
    const url = `${this.base}/runs/${encodeURIComponent(threadId)}/usage`;
    return this.call(url, { method: "GET", signal }, (payload) => typeof payload.replies === "number");
  }

  private async call<T = RunStatus>(
    url: string,
    init: RequestInit,
    valid: (payload: Record<string, unknown>) => boolean = (payload) => typeof payload.running === "boolean",
  ): Promise<T> {
    let response: Response;
    try {
      response = await this.fetchImpl(url, { ...init, credentials: "same-origin" });
    } catch (error) {
      throw new RunsError(`${url}: ${error instanceof Error ? error.message : String(error)}`, 0);
    }
    const payload = (await response.json().catch(() => null)) as
      | (Record<string, unknown> & { error?: { message?: string } })
      | null;
    if (!response.ok || payload === null || !valid(payload)) {
      throw new RunsError(payload?.error?.message ?? `${url} answered ${response.status}`, response.status);
    }
    return payload as T;
  }
}
