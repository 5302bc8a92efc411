/** The composer's choices as Django offers them: models, tools, the microphone; none at all when they cannot be read. */
import assert from "node:assert/strict";
import { test } from "node:test";

import { fetchComposerChoices, NO_CHOICES } from "../../lib/client/composerOptions";

const answering =
  (status: number, body: unknown): typeof fetch =>
  async () =>
    new Response(typeof body === "string" ? body : JSON.stringify(body), { status });

const offered = {
  composer: {
    models: [{ id: "gpt-4.1-mini", label: "GPT-4.1 mini", default: true }],
    tools: [{ id: "map", label: "Show on a map", icon: "map-pin" }],
    dictation: { enabled: true },
  },
  entities: { tags: true },
};

test("what Django offers is what the composer gets, the microphone included", async () => {
  const choices = await fetchComposerChoices("/api/chatkit", answering(200, offered));
  assert.deepEqual(choices, { ...offered.composer, dictation: true, tags: true });
});

test("dictation is off unless Django says it is on", async () => {
  const { dictation: _, ...withoutDictation } = offered.composer;
  const silent = await fetchComposerChoices("/api/chatkit", answering(200, { composer: withoutDictation }));
  const odd = await fetchComposerChoices(
    "/api/chatkit",
    answering(200, { composer: { dictation: { enabled: "yes" } } }),
  );
  assert.equal(silent.dictation, false);
  assert.deepEqual(odd, NO_CHOICES);
});

test("an error, a body that is not JSON or entries of the wrong shape give no choices", async () => {
  assert.deepEqual(await fetchComposerChoices("/api/chatkit", answering(401, { error: {} })), NO_CHOICES);
  assert.deepEqual(await fetchComposerChoices("/api/chatkit", answering(200, "<html>")), NO_CHOICES);
  const wrong = { composer: { models: [{ label: "no id" }], tools: [{ id: "map" }] } };
  assert.deepEqual(await fetchComposerChoices("/api/chatkit", answering(200, wrong)), NO_CHOICES);
  const unreachable: typeof fetch = async () => {
    throw new TypeError("fetch failed");
  };
  assert.deepEqual(await fetchComposerChoices("/api/chatkit", unreachable), NO_CHOICES);
});
