"use client";
/**
 * Replies outlive the page (Django runs each to its end): ChatKit's stop
 * button stops one (`replyStops.ts`), anything else leaves it running, and a
 * thread opened while a reply runs in it catches up by itself (`replyFollower.ts`).
 */
import type { UseChatKitReturn } from "@openai/chatkit-react";
import { type RefObject, useCallback, useEffect, useMemo } from "react";

import { ReplyFollower } from "./replyFollower";
import { ReplyStops } from "./replyStops";
import { RunsClient } from "./runs";

export type ReplyRuns = {
  /** ChatKit's `fetch`: `authenticated`, with each streaming request watched for a stop. */
  fetch: typeof fetch;
  /** ChatKit opened a thread (the initial one, one picked from the history; null: a new chat). */
  threadOpened: (threadId: string | null) => void;
};

export function useReplyRuns(
  apiUrl: string,
  authenticated: typeof fetch,
  chatkit: RefObject<UseChatKitReturn | null>,
): ReplyRuns {
  const runs = useMemo(() => new RunsClient(apiUrl, authenticated), [apiUrl, authenticated]);
  const follower = useMemo(
    () =>
      new ReplyFollower({
        status: (threadId, signal) => runs.status(threadId, signal),
        // The element's own method: ChatKit fetches the open thread's new items.
        refresh: () => chatkit.current?.ref.current?.fetchUpdates(),
      }),
    [runs, chatkit],
  );
  const stops = useMemo(
    () =>
      new ReplyStops({
        cancel: (threadId) => runs.cancel(threadId),
        onStreamStart: () => follower.streamStarted(),
        onStreamEnd: () => follower.streamEnded(),
      }),
    [runs, follower],
  );
  useEffect(() => {
    const detach = stops.listen(window);
    return () => {
      detach();
      follower.dispose();
    };
  }, [stops, follower]);

  const fetchWatched = useMemo(() => stops.wrap(authenticated), [stops, authenticated]);
  const threadOpened = useCallback(
    (threadId: string | null) => {
      stops.threadChanged(threadId);
      follower.open(threadId);
    },
    [stops, follower],
  );
  return { fetch: fetchWatched, threadOpened };
}
