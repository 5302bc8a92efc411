/** The thread the user last had open, kept in localStorage so a reload reopens it. */

export const THREAD_KEY = "merak.chatkit.thread";

export function storedThread(): string | null {
  try {
    return localStorage.getItem(THREAD_KEY) || null;
  } catch {
    return null; // storage disabled (private mode, policies)
  }
}

export function rememberThread(threadId: string | null): void {
  try {
    if (threadId) localStorage.setItem(THREAD_KEY, threadId);
    else localStorage.removeItem(THREAD_KEY);
  } catch {
    // Not remembering the thread is fine.
  }
}
