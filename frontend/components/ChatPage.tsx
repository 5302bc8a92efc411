"use client";
/** The chat, filling the viewport; or, when it cannot be shown, a plain sentence saying why. */
import { ChatKit } from "@openai/chatkit-react";
import type { ReactNode } from "react";

import { useChatKitClient } from "@/lib/client/useChatKitClient";
import { useChatKitScript } from "@/lib/client/useChatKitScript";

export type ChatPageProps = { domainKey: string; scriptUrl: string; maxAttachmentBytes: number };

export function ChatPage({ domainKey, scriptUrl, maxAttachmentBytes }: ChatPageProps) {
  const script = useChatKitScript(scriptUrl);
  const { chatkit, connection, retry, usage } = useChatKitClient({ domainKey, maxAttachmentBytes });

  if (script === "failed") {
    return (
      <Notice title="The chat could not be loaded">
        Merak&apos;s chat window is OpenAI&apos;s ChatKit component, loaded from <code>{scriptUrl}</code>, and this
        browser could not load it: it may be offline, or an extension or network policy may block that address. Check
        the connection, then{" "}
        {/* biome-ignore lint/a11y/useValidAnchor: "" is this page's address: the link reloads it, scripts or not. */}
        <a href="">reload the page</a>.
      </Notice>
    );
  }
  if (connection.state === "failed") {
    return (
      <Notice title="Merak's server is not answering">
        Starting a chat session failed: {connection.message}{" "}
        <button type="button" onClick={retry}>
          Try again
        </button>
      </Notice>
    );
  }
  const loading = script === "loading" || connection.state === "connecting";
  return (
    <main className="chat" aria-busy={loading}>
      {loading && <p className="chat-loading">Loading the chat…</p>}
      {connection.state === "ready" && <ChatKit control={chatkit.control} className="chatkit" />}
      {/* ChatKit has no place for usage: the line under it says what this conversation used. */}
      <p className="chat-usage" aria-live="polite">
        {usage}
      </p>
    </main>
  );
}

function Notice({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="notice" role="alert">
      <h1>{title}</h1>
      <p>{children}</p>
    </main>
  );
}
