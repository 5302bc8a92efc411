/** The `fetch` ChatKit uses: adds the session token, and on a 401 refreshes it once and tries again. */
import type { TokenSource } from "./tokenSource";

export function chatKitFetch(tokens: TokenSource, fetchImpl: typeof fetch = (...args) => fetch(...args)): typeof fetch {
  const send = (input: RequestInfo | URL, init: RequestInit | undefined, token: string): Promise<Response> => {
    const headers = new Headers(input instanceof Request ? input.headers : undefined);
    for (const [name, value] of new Headers(init?.headers)) headers.set(name, value);
    headers.set("Authorization", `Bearer ${token}`);
    return fetchImpl(input instanceof Request ? input.clone() : input, {
      ...init,
      headers,
      credentials: "same-origin",
    });
  };

  return async (input, init) => {
    const token = await tokens.get();
    const response = await send(input, init, token);
    // A streamed body has been used up; anything else (ChatKit sends JSON text) can go again.
    if (response.status !== 401 || init?.body instanceof ReadableStream) return response;
    await response.body?.cancel().catch(() => undefined);
    return send(input, init, await tokens.refresh(token));
  };
}
