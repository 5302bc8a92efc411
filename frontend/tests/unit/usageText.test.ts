/** The usage line under the chat: what a conversation used, in words a user reads, never a guessed cost. */
import assert from "node:assert/strict";
import { test } from "node:test";

import type { ReplyUsage, ThreadUsage } from "../../lib/client/runs";
import { formatCost, usageText } from "../../lib/client/usageText";

const latest: ReplyUsage = {
  model: "gpt-4.1-mini",
  offline: false,
  input_tokens: 1200,
  cached_tokens: 0,
  output_tokens: 300,
  cost: "0.000960",
  first_token_ms: 420,
  total_ms: 2350,
  outcome: "done",
};

function usage(changes: Partial<ThreadUsage> = {}): ThreadUsage {
  return {
    thread_id: "thr_1",
    replies: 3,
    input_tokens: 12345,
    cached_tokens: 0,
    output_tokens: 678,
    cost: "0.012300",
    unpriced: 0,
    latest,
    ...changes,
  };
}

test("a priced conversation shows replies, tokens in and out, its cost and the last reply's time", () => {
  assert.equal(
    usageText(usage()),
    "This conversation: 3 replies · 12,345 tokens in · 678 out · $0.012 · last reply 2.4 s",
  );
});

test("cached input is said, one reply is singular", () => {
  const text = usageText(usage({ replies: 1, cached_tokens: 1024 }));
  assert.match(text ?? "", /^This conversation: 1 reply · 12,345 tokens in \(1,024 cached\) · 678 out/);
});

test("without a price for every reply there is no cost at all", () => {
  const text = usageText(usage({ cost: null, unpriced: 1 }));
  assert.ok(text && !text.includes("$"), text ?? "");
});

test("the offline planner's counts are words, and said to be", () => {
  const text = usageText(usage({ cost: null, latest: { ...latest, offline: true, cost: null } }));
  assert.match(text ?? "", /12,345 words in · 678 out .*\(offline planner: words, not tokens\)$/);
});

test("a thread without replies has no line", () => {
  assert.equal(usageText(usage({ replies: 0, latest: null, input_tokens: 0, output_tokens: 0, cost: null })), null);
});

test("costs keep enough digits to be more than zero", () => {
  assert.equal(formatCost("12.5"), "$12.50");
  assert.equal(formatCost("0.0421"), "$0.042");
  assert.equal(formatCost("0.000960"), "$0.0010");
});
