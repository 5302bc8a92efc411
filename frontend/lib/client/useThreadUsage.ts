"use client";
/**
 * The open thread's usage line (`usageText`), fetched when a thread opens and
 * after each reply ends. Usage is a courtesy: a failed fetch keeps the line as it was.
 */
import { useEffect, useMemo, useState } from "react";

import { RunsClient } from "./runs";
import { usageText } from "./usageText";

export function useThreadUsage(
  apiUrl: string,
  authenticated: typeof fetch,
  threadId: string | null,
  /** Bumped as each reply ends: the line is fetched again. */
  repliesEnded: number,
): string | null {
  const runs = useMemo(() => new RunsClient(apiUrl, authenticated), [apiUrl, authenticated]);
  const [shown, setShown] = useState<{ threadId: string; text: string | null } | null>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies(repliesEnded): a reply's end fetches the line again.
  useEffect(() => {
    if (!threadId) return;
    const controller = new AbortController();
    runs.usage(threadId, controller.signal).then(
      (usage) => setShown({ threadId, text: usageText(usage) }),
      () => undefined,
    );
    return () => controller.abort();
  }, [runs, threadId, repliesEnded]);

  // Another thread's line is never shown for this one while its own loads.
  return shown !== null && shown.threadId === threadId ? shown.text : null;
}
