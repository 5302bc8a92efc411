// A stand-in for OpenAI's <openai-chatkit> web component, for the browser test
// only (the real one comes from OpenAI's CDN, which this machine cannot reach).
// It records every setOptions call and, like the real element, talks to the
// server only through the configured api.url and api.fetch: a new thread
// streams a reply into the page; a remembered thread is listed back; with
// window.__standInFollowUp set, that message follows the first reply, and a
// client tool call in its answer goes to onClientTool, whose result is posted
// back with threads.add_client_tool_output, as ChatKit does.
(() => {
  const record = { calls: [], options: null, errors: [] };
  window.__chatkit = record;
  const snapshot = (options) =>
    JSON.parse(JSON.stringify(options, (_k, v) => (typeof v === "function" ? "[function]" : v)));

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

    async post(options, body) {
      return options.api.fetch(options.api.url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    }

    async run(options) {
      const out = document.createElement("pre");
      out.id = "stand-in-reply";
      this.append(out);
      if (options.initialThread) {
        const response = await this.post(options, { type: "items.list", params: { thread_id: options.initialThread } });
        const items = (await response.json()).data;
        out.dataset.reopened = options.initialThread;
        out.dataset.items = String(items.length);
        return;
      }
      const prompt = options.startScreen.prompts[0].prompt;
      const created = await this.stream(options, out, {
        type: "threads.create",
        params: { input: { content: [{ type: "input_text", text: prompt }], attachments: [], inference_options: {} } },
      });
      out.dataset.done = "true";
      if (!window.__standInFollowUp) return;
      const threadId = created.threadId;
      const toolOut = document.createElement("pre");
      toolOut.id = "stand-in-tool-reply";
      this.append(toolOut);
      const asked = await this.stream(options, toolOut, {
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
      await this.stream(options, toolOut, {
        type: "threads.add_client_tool_output",
        params: { thread_id: threadId, result },
      });
      toolOut.dataset.done = "true";
    }

    /** Sends a streaming request, appending the assistant's text to `out`; the thread id and finished items. */
    async stream(options, out, body) {
      const response = await this.post(options, body);
      out.dataset.status = String(response.status);
      const seen = { threadId: body.params.thread_id, items: [] };
      for await (const event of events(response)) {
        if (event.type === "thread.created") {
          seen.threadId = event.thread.id;
          this.dispatchEvent(new CustomEvent("chatkit.thread.change", { detail: { threadId: event.thread.id } }));
        }
        if (event.type === "thread.item.done") seen.items.push(event.item);
        if (event.update?.type === "assistant_message.content_part.text_delta") out.textContent += event.update.delta;
      }
      return seen;
    }

    focusComposer() {}
    setThreadId() {}
    sendUserMessage() {}
    setComposerValue() {}
    fetchUpdates() {}
    sendCustomAction() {}
    showHistory() {}
    hideHistory() {}
  }

  customElements.define("openai-chatkit", StandInChatKit);
})();
