/**
 * A thread's usage as one line under the chat. ChatKit's protocol has no usage
 * field, so the page shows it beside the element: tokens in and out, the cost
 * when every reply has a price (never a partial sum passed off as the whole),
 * and how long the latest reply took. The offline planner counts words.
 */
import type { ThreadUsage } from "./runs";

const count = new Intl.NumberFormat("en-US");

/** USD with enough digits that a cheap reply does not read as $0.00. */
export function formatCost(usd: string): string {
  const value = Number(usd);
  const digits = value >= 1 ? 2 : value >= 0.01 ? 3 : 4;
  return `$${value.toFixed(digits)}`;
}

export function usageText(usage: ThreadUsage): string | null {
  if (usage.replies === 0) return null;
  const unit = usage.latest?.offline ? "words" : "tokens";
  const parts = [
    usage.replies === 1 ? "1 reply" : `${count.format(usage.replies)} replies`,
    `${count.format(usage.input_tokens)} ${unit} in${usage.cached_tokens ? ` (${count.format(usage.cached_tokens)} cached)` : ""}`,
    `${count.format(usage.output_tokens)} out`,
  ];
  if (usage.cost !== null) parts.push(formatCost(usage.cost));
  const latest = usage.latest;
  if (latest) parts.push(`last reply ${(latest.total_ms / 1000).toFixed(1)} s`);
  const offline = latest?.offline ? " (offline planner: words, not tokens)" : "";
  return `This conversation: ${parts.join(" · ")}${offline}`;
}
