/**
 * Brings a reopened thread up to date while a reply this page did not stream
 * runs in it (one that went on after a reload, or in a thread switched back to):
 * Django stores such a reply as it grows, so while `GET /api/chatkit/runs/<thread>`
 * says it runs, ChatKit is told to fetch the thread again every couple of seconds,
 * and once more as soon as it has ended.
 */
import { type RunStatus, RunsError } from "./runs";

/** How often the run's status is asked (not rate-limited). */
const POLL_MS = 1_000;
/** How often ChatKit fetches the thread meanwhile: each time is a `/chatkit` request, counted in the rate limit. */
const REFRESH_MS = 2_000;
/** Failed status requests in a row (Django or the network down) before giving up on the thread. */
const MAX_FAILURES = 5;

export type ReplyFollowerOptions = {
  status: (threadId: string, signal: AbortSignal) => Promise<RunStatus>;
  /** ChatKit's `fetchUpdates()`. */
  refresh: () => Promise<void> | void;
  pollMs?: number;
  refreshMs?: number;
};

export class ReplyFollower {
  private threadId: string | null = null;
  private ownStreams = 0;
  private following: { threadId: string; stop: AbortController } | null = null;
  private readonly pollMs: number;
  private readonly refreshMs: number;

  constructor(private readonly options: ReplyFollowerOptions) {
    this.pollMs = options.pollMs ?? POLL_MS;
    this.refreshMs = options.refreshMs ?? REFRESH_MS;
  }

  /** ChatKit opened a thread (null: a new chat): follow its reply, if one runs. */
  open(threadId: string | null): void {
    this.threadId = threadId;
    this.resume();
  }

  /** This page streams a reply itself: ChatKit shows it as it comes. */
  streamStarted(): void {
    this.ownStreams += 1;
    this.halt();
  }

  /** That stream ended (done, stopped, refused): a reply may still run in the open thread (a 409, a stop under way). */
  streamEnded(): void {
    this.ownStreams = Math.max(0, this.ownStreams - 1);
    this.resume();
  }

  /** The chat is gone (unmounted). */
  dispose(): void {
    this.threadId = null;
    this.halt();
  }

  private resume(): void {
    const threadId = this.threadId;
    if (this.following?.threadId === threadId) return;
    this.halt();
    if (threadId === null || this.ownStreams > 0) return;
    const stop = new AbortController();
    this.following = { threadId, stop };
    void this.follow(threadId, stop.signal).finally(() => {
      if (this.following?.stop === stop) this.following = null;
    });
  }

  private halt(): void {
    this.following?.stop.abort();
    this.following = null;
  }

  private async follow(threadId: string, stop: AbortSignal): Promise<void> {
    // ChatKit has just loaded the thread: its first refresh is due a full interval later.
    let refreshedAt = Date.now();
    let ran = false;
    for (let failures = 0; failures < MAX_FAILURES && !stop.aborted; ) {
      let running: boolean;
      try {
        running = (await this.options.status(threadId, stop)).running;
        failures = 0;
      } catch (error) {
        // No such thread (deleted, or not this browser's): nothing to follow.
        if (stop.aborted || (error instanceof RunsError && error.status >= 400 && error.status < 500)) return;
        failures += 1;
        await wait(this.pollMs, stop);
        continue;
      }
      if (stop.aborted) return;
      if (!running) {
        // It ended since ChatKit last fetched the thread: the rest of it, now.
        if (ran) await this.refresh();
        return;
      }
      ran = true;
      if (Date.now() - refreshedAt >= this.refreshMs) {
        refreshedAt = Date.now();
        await this.refresh();
      }
      await wait(this.pollMs, stop);
    }
  }

  private async refresh(): Promise<void> {
    try {
      await this.options.refresh();
    } catch (error) {
      console.warn("[merak] fetching the thread's updates failed", error);
    }
  }
}

function wait(ms: number, stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stop.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    stop.addEventListener("abort", done, { once: true });
  });
}
