"use client";
/**
 * Loads the ChatKit web component from OpenAI's CDN once per page and says
 * whether `<openai-chatkit>` became available, so the page can explain a
 * failure (offline, blocked) instead of leaving an empty area.
 */
import { useEffect, useState } from "react";

export type ScriptStatus = "loading" | "ready" | "failed";

/** A script still not defining the element after this long counts as failed. */
export const SCRIPT_TIMEOUT_MS = 20_000;
const SCRIPT_ID = "openai-chatkit-script";
const defined = () => customElements.get("openai-chatkit") !== undefined;

/** The one script element; it records its own outcome, so a second mount can read it. */
function chatKitScript(src: string): HTMLScriptElement {
  const existing = document.getElementById(SCRIPT_ID);
  if (existing instanceof HTMLScriptElement) return existing;
  const script = Object.assign(document.createElement("script"), { id: SCRIPT_ID, src, async: true });
  script.dataset.state = "loading";
  script.addEventListener("error", () => (script.dataset.state = "failed"), { once: true });
  // Loaded yet defining nothing (a captive portal's page, say) is a failure too.
  script.addEventListener("load", () => (script.dataset.state = defined() ? "ready" : "failed"), { once: true });
  document.head.append(script);
  return script;
}

export function useChatKitScript(src: string): ScriptStatus {
  const [status, setStatus] = useState<ScriptStatus>("loading");

  useEffect(() => {
    let active = true;
    const settle = (next: ScriptStatus) => active && setStatus(next);
    const script = chatKitScript(src);
    const check = () => {
      if (defined()) settle("ready");
      else if (script.dataset.state === "failed") settle("failed");
    };
    check();
    void customElements.whenDefined("openai-chatkit").then(() => settle("ready"));
    // After our listeners above have recorded the outcome.
    const onDone = () => setTimeout(check, 0);
    script.addEventListener("error", onDone);
    script.addEventListener("load", onDone);
    const timer = setTimeout(() => !defined() && settle("failed"), SCRIPT_TIMEOUT_MS);
    return () => {
      active = false;
      clearTimeout(timer);
      script.removeEventListener("error", onDone);
      script.removeEventListener("load", onDone);
    };
  }, [src]);

  return status;
}
