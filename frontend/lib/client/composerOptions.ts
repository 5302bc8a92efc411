/**
 * What the composer offers, as Django's responder says (`GET /api/chatkit/options`):
 * the models a user may pick, the tool menu, whether it has a microphone
 * (dictation), and whether places may be tagged with "@". A courtesy: when they cannot be fetched, the composer shows none
 * of them and the chat works as ever.
 */
import type { ModelOption, ToolOption } from "@openai/chatkit";

export type ComposerChoices = { models: ModelOption[]; tools: ToolOption[]; dictation: boolean; tags: boolean };

export const NO_CHOICES: ComposerChoices = { models: [], tools: [], dictation: false, tags: false };

const isModel = (value: unknown): value is ModelOption =>
  typeof value === "object" && value !== null && typeof (value as ModelOption).id === "string";
const isTool = (value: unknown): value is ToolOption =>
  isModel(value) && typeof (value as ToolOption).label === "string" && typeof (value as ToolOption).icon === "string";

/** The composer's choices; `NO_CHOICES` when the answer is missing or not what it should be. */
export async function fetchComposerChoices(apiUrl: string, authenticated: typeof fetch): Promise<ComposerChoices> {
  try {
    const response = await authenticated(`${apiUrl}/options`, { method: "GET" });
    if (!response.ok) return NO_CHOICES;
    type Offered = { models?: unknown; tools?: unknown; dictation?: { enabled?: unknown } };
    const offered = (await response.json()) as { composer?: Offered; entities?: { tags?: unknown } };
    const composer = offered.composer;
    const models = Array.isArray(composer?.models) ? composer.models.filter(isModel) : [];
    const tools = Array.isArray(composer?.tools) ? composer.tools.filter(isTool) : [];
    const tags = offered.entities?.tags === true;
    return { models, tools, dictation: composer?.dictation?.enabled === true, tags };
  } catch {
    return NO_CHOICES;
  }
}
