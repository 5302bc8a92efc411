/** The browser's side of `/api/chatkit/runs/<thread>`: whether a reply runs in a thread, and stopping it. */

export type RunStatus = { thread_id: string; running: boolean; started_at: string | null; cancelled?: boolean };

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

  private async call(url: string, init: RequestInit): Promise<RunStatus> {
    let response: Response;
    try {
      response = await this.fetchImpl(url, { ...init, credentials: "same-origin" });
    } catch (error) {
      throw new RunsError(`${url}: ${error instanceof Error ? error.message : String(error)}`, 0);
    }
    const payload = (await response.json().catch(() => null)) as (RunStatus & { error?: { message?: string } }) | null;
    if (!response.ok || typeof payload?.running !== "boolean") {
      throw new RunsError(payload?.error?.message ?? `${url} answered ${response.status}`, response.status);
    }
    return payload;
  }
}
