/**
 * The browser's side of the token flow: gets the session token from
 * `/api/chatkit/start`, rotates it through `/api/chatkit/refresh` a minute
 * before it lapses (or when a request is refused), one refresh at a time.
 * The token is only a handle: the client secret itself stays on the server.
 */

export type TokenAnswer = { token: string; expires_at: string };

/** Refresh this long before the token lapses (or at half its remaining life when that is shorter). */
export const REFRESH_LEAD_MS = 60_000;

export class TokenError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}

export class TokenSource {
  private token: Promise<string> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly base = "/api/chatkit",
    private readonly fetchImpl: typeof fetch = (...args) => fetch(...args),
  ) {}

  /** The current token, started on first use. */
  get(): Promise<string> {
    this.token ??= this.request("start");
    return this.token;
  }

  /** A rotated token; concurrent callers share one refresh. */
  refresh(stale?: string): Promise<string> {
    const pending = this.token;
    // Several requests failing with the same token must not rotate it several times.
    if (pending && stale !== undefined) {
      return pending.then(
        (current) => (current === stale ? this.rotate(pending) : current),
        () => this.rotate(pending),
      );
    }
    return this.rotate(pending);
  }

  dispose(): void {
    clearTimeout(this.timer);
  }

  private rotate(previous: Promise<string> | null): Promise<string> {
    if (this.token !== previous) return this.get();
    this.token = this.request("refresh");
    return this.token;
  }

  private async request(kind: "start" | "refresh"): Promise<string> {
    const response = await this.fetchImpl(`${this.base}/${kind}`, { method: "POST", credentials: "same-origin" });
    const payload = (await response.json().catch(() => null)) as
      | (TokenAnswer & { error?: { code: string; message: string } })
      | null;
    if (!response.ok || !payload?.token) {
      this.token = null; // the next get() tries again
      const error = payload?.error;
      throw new TokenError(
        error?.message ?? `/${kind} answered ${response.status}`,
        response.status,
        error?.code ?? "token_failed",
      );
    }
    this.schedule(Date.parse(payload.expires_at));
    return payload.token;
  }

  private schedule(expiresAt: number): void {
    clearTimeout(this.timer);
    const left = expiresAt - Date.now();
    if (!Number.isFinite(left)) return;
    const delay = Math.max(1_000, Math.min(left - REFRESH_LEAD_MS, left / 2));
    this.timer = setTimeout(() => void this.refresh().catch(() => undefined), delay);
    (this.timer as { unref?: () => void }).unref?.(); // on Node (tests), don't hold the process open
  }
}
