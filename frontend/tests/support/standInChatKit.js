// A stand-in for OpenAI's <openai-chatkit> web component, for the browser test
// only (the real one comes from OpenAI's CDN, which this machine cannot reach).
// It records every setOptions call and, like the real element, talks to the
// server only through the configured api.url and api.fetch: a new thread
// streams a reply into the page (the start screen's first prompt, or
// window.__standInPrompt); a remembered thread (initialThread) is loaded with
// items.list and its assistant text shown. Like ChatKit: its stop button
// (#stand-in-stop) aborts the streaming fetch through an AbortController;
// setThreadId() leaves a streaming reply (aborting its fetch) for another
// thread or, with null, a new chat; fetchUpdates() loads the open thread again;
// it fires chatkit.thread.change and chatkit.response.start/end. With
// window.__standInFollowUp set, that message follows the first reply, and a
// client tool call in its answer goes to onClientTool, whose result is posted
// back with threads.add_client_tool_output, as ChatKit does.
(() => {
  const record = { calls: [], options: null, errors: [], updates: 0 };
  window.__chatkit = record;
  const snapshot = (options) =>
    JSON.parse(JSON.stringify(options, (_k, v) => (typeof v === "function" ? "[function]" : v)));
  const assistantText = (items) =>
    items
      .filter((item) => item.type === "assistant_message")
      .flatMap((item) => item.content.map((part) => part.text ?? ""))
      .join("");

  async function* events(response) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const data = buffer.slice(0, end).replace(/^data: /, "");
        buffer = buffer.slice(end + 2);
        yield JSON.parse(data);
      }
    }
  }

  class StandInChatKit extends HTMLElement {
    setOptions(options) {
      record.calls.push(snapshot(options));
      record.options = options;
      if (!this.started) {
        this.started = true;
        this.run(options).catch((error) => record.errors.push(String(error)));
      }
    }

    emit(name, detail) {
      this.dispatchEvent(new CustomEvent(name, { detail }));
    }

    async post(body, signal) {
      const { api } = record.options;
      return api.fetch(api.url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
        signal,
      });
    }

    async run(options) {
      this.out = document.createElement("pre");
      this.out.id = "stand-in-reply";
      const stop = document.createElement("button");
      stop.id = "stand-in-stop";
      stop.textContent = "Stop";
      stop.onclick = () => this.streaming?.abort();
      this.append(stop, this.out);
      if (options.initialThread) {
        this.threadId = options.initialThread;
        await this.load();
        this.out.dataset.reopened = options.initialThread;
        return;
      }
      const prompt = window.__standInPrompt ?? options.startScreen.prompts[0].prompt;
      const created = await this.stream(this.out, {
        type: "threads.create",
        params: { input: { content: [{ type: "input_text", text: prompt }], attachments: [], inference_options: {} } },
      });
      if (created.stopped) return;
      this.out.dataset.done = "true";
      if (!window.__standInFollowUp) return;
      const threadId = created.threadId;
      const toolOut = document.createElement("pre");
      toolOut.id = "stand-in-tool-reply";
      this.append(toolOut);
      const asked = await this.stream(toolOut, {
        type: "threads.add_user_message",
        params: {
          thread_id: threadId,
          input: {
            content: [{ type: "input_text", text: window.__standInFollowUp }],
            attachments: [],
            inference_options: {},
          },
        },
      });
      const call = asked.items.find((item) => item.type === "client_tool_call" && item.status === "pending");
      if (!call) {
        toolOut.dataset.done = "no tool call";
        return;
      }
      const result = await options.onClientTool({ name: call.name, params: call.arguments });
      record.toolCalls = [...(record.toolCalls ?? []), { name: call.name, params: call.arguments, result }];
      await this.stream(toolOut, {
        type: "threads.add_client_tool_output",
        params: { thread_id: threadId, result },
      });
      toolOut.dataset.done = "true";
    }

    /** Shows the open thread's assistant text as the server has it. */
    async load() {
      const threadId = this.threadId;
      const response = await this.post({ type: "items.list", params: { thread_id: threadId, order: "asc" } });
      const items = (await response.json()).data;
      if (threadId !== this.threadId) return; // another thread was opened meanwhile
      this.out.textContent = assistantText(items);
      this.out.dataset.items = String(items.length);
    }

    /**
     * Sends a streaming request, appending the assistant's text to `out`; the thread id, the finished items,
     * and whether it was stopped (its fetch aborted).
     */
    async stream(out, body) {
      const seen = { threadId: body.params.thread_id, items: [], stopped: false };
      this.streaming = new AbortController();
      this.emit("chatkit.response.start");
      try {
        const response = await this.post(body, this.streaming.signal);
        out.dataset.status = String(response.status);
        for await (const event of events(response)) {
          if (event.type === "thread.created") {
            seen.threadId = this.threadId = event.thread.id;
            this.emit("chatkit.thread.change", { threadId: event.thread.id });
          }
          if (event.type === "thread.item.done") seen.items.push(event.item);
          if (event.update?.type === "assistant_message.content_part.text_delta") out.textContent += event.update.delta;
        }
      } catch (error) {
        if (error.name !== "AbortError") throw error;
        seen.stopped = true; // the partial text stays
        out.dataset.stopped = "true";
      } finally {
        this.streaming = null;
        this.emit("chatkit.response.end");
      }
      return seen;
    }

    async setThreadId(threadId) {
      this.streaming?.abort(); // leaving a reply that streams, as ChatKit does
      this.threadId = threadId;
      this.emit("chatkit.thread.change", { threadId });
      this.out.textContent = "";
      delete this.out.dataset.items;
      if (threadId) await this.load();
    }

    async fetchUpdates() {
      record.updates += 1;
      if (this.threadId) await this.load();
    }

    focusComposer() {}
    sendUserMessage() {}
    setComposerValue() {}
    sendCustomAction() {}
    showHistory() {}
    hideHistory() {}
  }

  customElements.define("openai-chatkit", StandInChatKit);
})();
