/**
 * The browser's half of the agent's client tools (agents_app/tools/maps.py):
 * ChatKit calls `onClientTool` with the tool's name and arguments and sends
 * what the handler returns back to the agent as the tool's output.
 */

export type ClientToolCall = { name: string; params: Record<string, unknown> };
type Output = Record<string, unknown>;
type Handler = (params: Record<string, unknown>) => Output | Promise<Output>;

const MAP_SITE = "https://www.openstreetmap.org/";

const text = (value: unknown): string => (typeof value === "string" ? value.trim() : "");
const number = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null);

/**
 * An OpenStreetMap link for `open_map`'s arguments: the agent's own `url` when it
 * points there (never anywhere else), else the coordinates, else a search by name.
 */
export function mapUrl(params: Record<string, unknown>): string | null {
  const given = text(params.url);
  if (given.startsWith(MAP_SITE)) return given;
  const lat = number(params.latitude);
  const lon = number(params.longitude);
  const zoom = number(params.zoom) ?? 12;
  if (lat !== null && lon !== null) return `${MAP_SITE}?mlat=${lat}&mlon=${lon}#map=${zoom}/${lat}/${lon}`;
  const query = [params.place, params.city, params.country].map(text).find(Boolean);
  return query ? `${MAP_SITE}search?query=${encodeURIComponent(query)}` : null;
}

/** `open_map`: the agent waits for `{"opened": true}` or an `error` it can explain to the user. */
function openMap(params: Record<string, unknown>): Output {
  const url = mapUrl(params);
  if (!url) return { opened: false, error: "There was no place to show on a map." };
  const tab = window.open(url, "_blank");
  if (!tab) return { opened: false, error: "The browser blocked the new tab (a popup blocker?).", url };
  tab.opener = null;
  return { opened: true, url };
}

export const CLIENT_TOOLS: Record<string, Handler> = { open_map: openMap };

export async function handleClientTool(
  call: ClientToolCall,
  tools: Record<string, Handler> = CLIENT_TOOLS,
): Promise<Output> {
  const handler = Object.hasOwn(tools, call.name) ? tools[call.name] : undefined;
  if (!handler) {
    console.warn(`[merak] the agent called an unknown client tool "${call.name}"`, call.params);
    return { error: `Unknown client tool: ${call.name}` };
  }
  try {
    return await handler(call.params ?? {});
  } catch (error) {
    console.error(`[merak] client tool "${call.name}" failed`, error);
    return { error: `The client tool ${call.name} failed in the browser.` };
  }
}
