"use client";
/**
 * Everything ChatKit needs from this app: the session token, the proxy URL and
 * its authenticating `fetch` (which tells a stop from a reload), the composer's
 * model picker, tool menu and microphone (as Django offers them), the remembered
 * thread (brought up to date while its reply runs), the client tools, the
 * theme, the start screen; plus where the connection stands, for the page.
 */
import type { ChatKitOptions, Entity } from "@openai/chatkit";
import { type UseChatKitReturn, useChatKit } from "@openai/chatkit-react";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";

import { chatKitTheme } from "@/lib/designTokens";

import { chatKitFetch } from "./chatkitFetch";
import { handleClientTool } from "./clientTools";
import { type ComposerChoices, fetchComposerChoices, NO_CHOICES } from "./composerOptions";
import { openPlace, placePreview, searchPlaces } from "./places";
import { rememberThread, storedThread } from "./threadStorage";
import { TokenSource } from "./tokenSource";
import { useColorScheme } from "./useColorScheme";
import { useReplyRuns } from "./useReplyRuns";
import { useThreadUsage } from "./useThreadUsage";

export const API_URL = "/api/chatkit";
// biome-ignore lint/style/noProcessEnv: NODE_ENV is no setting: Next makes it a constant at build time.
const DEV = process.env.NODE_ENV !== "production";

export type Connection = { state: "connecting" } | { state: "ready" } | { state: "failed"; message: string };

export const START_SCREEN: NonNullable<ChatKitOptions["startScreen"]> = {
  greeting: "Where to next?",
  prompts: [
    { label: "4 days in Lisbon", prompt: "Plan 4 days in Lisbon from 12 March", icon: "map-pin" },
    {
      label: "A long weekend in Kyoto",
      prompt: "A long weekend in Kyoto next month: what should I see each day?",
      icon: "calendar",
    },
    {
      label: "Holidays on my dates",
      prompt: "Are there public holidays in Mexico City between 1 and 7 May?",
      icon: "globe",
    },
    {
      label: "Daylight in Reykjavik",
      prompt: "How much daylight will I get in Reykjavik in late December?",
      icon: "compass",
    },
  ],
};
export const COMPOSER_PLACEHOLDER = "Where would you like to go, and when?";
/** What the planner can read: text files and PDFs (a booking, notes) and images (OpenAI's models see them). */
export const ATTACHMENT_TYPES: Record<string, string[]> = {
  "application/pdf": [".pdf"],
  "text/plain": [".txt"],
  "text/markdown": [".md"],
  "text/csv": [".csv"],
  "text/calendar": [".ics"],
  "application/json": [".json"],
  "image/png": [".png"],
  "image/jpeg": [".jpg", ".jpeg"],
  "image/webp": [".webp"],
  "image/gif": [".gif"],
};
export const MAX_ATTACHMENTS = 4;

export type ChatKitClient = {
  chatkit: UseChatKitReturn;
  connection: Connection;
  retry: () => void;
  /** The open thread's usage, as a line for under the chat (null: none yet). */
  usage: string | null;
};

export type ChatKitClientOptions = {
  domainKey: string;
  /** Django's MERAK_MAX_ATTACHMENT_BYTES: the composer refuses larger files before uploading them. */
  maxAttachmentBytes: number;
};

export function useChatKitClient({ domainKey, maxAttachmentBytes }: ChatKitClientOptions): ChatKitClient {
  const tokens = useMemo(() => new TokenSource(API_URL), []);
  const [connection, setConnection] = useState<Connection>({ state: "connecting" });
  const [initialThread, setInitialThread] = useState<string | null>(null);
  const [choices, setChoices] = useState<ComposerChoices>(NO_CHOICES);
  const [attempt, setAttempt] = useState(0);
  const colorScheme = useColorScheme();
  const chatkitRef = useRef<UseChatKitReturn | null>(null);
  const fetchWithToken = useMemo(() => chatKitFetch(tokens), [tokens]);
  const replies = useReplyRuns(API_URL, fetchWithToken, chatkitRef);
  const [openThread, setOpenThread] = useState<string | null>(null);
  const [repliesEnded, setRepliesEnded] = useState(0);
  const usage = useThreadUsage(API_URL, fetchWithToken, openThread, repliesEnded);
  const { threadOpened: runsThreadOpened } = replies;
  const threadOpened = useCallback(
    (threadId: string | null) => {
      runsThreadOpened(threadId);
      setOpenThread(threadId);
    },
    [runsThreadOpened],
  );

  // biome-ignore lint/correctness/useExhaustiveDependencies(attempt): retry() bumps `attempt` to run this effect again.
  useEffect(() => {
    let active = true;
    setConnection({ state: "connecting" });
    tokens
      .get()
      // Before ChatKit mounts, so that its composer has the model picker and tool menu from the start.
      .then(() => fetchComposerChoices(API_URL, fetchWithToken))
      .then(
        (offered) => {
          if (!active) return;
          const thread = storedThread(); // read before ChatKit mounts: it only applies on first load
          setInitialThread(thread);
          setChoices(offered);
          threadOpened(thread);
          setConnection({ state: "ready" });
        },
        (error: Error) => active && setConnection({ state: "failed", message: error.message }),
      );
    return () => {
      active = false;
    };
  }, [tokens, attempt, threadOpened, fetchWithToken]);
  useEffect(() => () => tokens.dispose(), [tokens]);

  const onThreadChange = useCallback(
    ({ threadId }: { threadId: string | null }) => {
      rememberThread(threadId);
      threadOpened(threadId);
    },
    [threadOpened],
  );

  const chatkit = useChatKit({
    // Uploads go to the URL Django hands out for each attachment: this origin's
    // /api/chatkit/attachments/..., relayed to Django (lib/server/attachments.ts).
    api: { url: API_URL, domainKey, fetch: replies.fetch, uploadStrategy: { type: "two_phase" } },
    initialThread,
    theme: chatKitTheme(colorScheme),
    startScreen: START_SCREEN,
    composer: {
      placeholder: COMPOSER_PLACEHOLDER,
      attachments: { enabled: true, maxSize: maxAttachmentBytes, maxCount: MAX_ATTACHMENTS, accept: ATTACHMENT_TYPES },
      // Django's responder says what may be picked (`/api/chatkit/options`); none, no picker or menu.
      ...(choices.models.length > 0 && { models: choices.models }),
      ...(choices.tools.length > 0 && { tools: choices.tools }),
      // The microphone only when Django can transcribe (a transcription model is configured).
      ...(choices.dictation && { dictation: { enabled: true } }),
    },
    history: { enabled: true, showDelete: true, showRename: true },
    threadItemActions: { feedback: true, retry: true },
    onClientTool: handleClientTool,
    // "@" tags places from Django's gazetteer; a click opens the map, a hover shows the place's facts.
    ...(choices.tags && {
      entities: {
        onTagSearch: (query: string) => searchPlaces(API_URL, fetchWithToken, query),
        showComposerMenu: true,
        onClick: openPlace,
        onRequestPreview: async (entity: Entity) => placePreview(entity),
      },
    }),
    onThreadChange,
    onResponseEnd: () => setRepliesEnded((n) => n + 1),
    // A thread picked from the history may start loading before ChatKit says it changed: either tells a switch.
    onThreadLoadStart: ({ threadId }) => threadOpened(threadId),
    onError: ({ error }) => {
      // A remembered thread that is gone (or belonged to cleared cookies) would fail on every load.
      if (/not.?found/i.test(error.message) && storedThread()) rememberThread(null);
      if (DEV) console.error("[chatkit] error", error);
    },
    onLog: ({ name, data }) => DEV && console.debug(`[chatkit] ${name}`, data ?? ""),
  });

  useEffect(() => {
    chatkitRef.current = chatkit;
  }, [chatkit]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return { chatkit, connection, retry, usage };
}
