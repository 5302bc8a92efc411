/**
 * Places the user tags with "@" in the composer: the search (Django's gazetteer,
 * through `/api/chatkit/entities`), a click (the place on a map, in a new tab)
 * and the preview ChatKit shows on hover (its facts, from the tag's data).
 */
import type { Entity, Widgets } from "@openai/chatkit";

import { mapUrl } from "./clientTools";

const isEntity = (value: unknown): value is Entity =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as Entity).id === "string" &&
  typeof (value as Entity).title === "string";

/** The places Django finds for `query`; none when the query is blank or the search fails. */
export async function searchPlaces(apiUrl: string, authenticated: typeof fetch, query: string): Promise<Entity[]> {
  const typed = query.trim();
  if (!typed) return [];
  try {
    const response = await authenticated(`${apiUrl}/entities?q=${encodeURIComponent(typed)}`, { method: "GET" });
    if (!response.ok) return [];
    const { entities } = (await response.json()) as { entities?: unknown };
    return Array.isArray(entities) ? entities.filter(isEntity) : [];
  } catch {
    return [];
  }
}

/** The OpenStreetMap link for a tagged place: its coordinates, else its name. */
export function placeUrl(entity: Entity): string | null {
  const data = entity.data ?? {};
  const latitude = Number.parseFloat(data.latitude ?? "");
  const longitude = Number.parseFloat(data.longitude ?? "");
  return mapUrl({
    latitude: Number.isFinite(latitude) ? latitude : undefined,
    longitude: Number.isFinite(longitude) ? longitude : undefined,
    place: entity.title,
  });
}

/** A click on a tagged place: its map, in a new tab that cannot reach back to this one. */
export function openPlace(entity: Entity): void {
  const url = placeUrl(entity);
  if (!url) return;
  const tab = window.open(url, "_blank");
  if (tab) tab.opener = null;
}

/** What ChatKit shows on hover: the place, its country, population and time zone (a Basic widget). */
export function placePreview(entity: Entity): { preview: Widgets.BasicRoot | null } {
  const data = entity.data ?? {};
  if (data.kind !== "city") return { preview: null };
  const population = Number.parseInt(data.population ?? "", 10);
  const facts = [
    data.country,
    Number.isFinite(population) ? `population ${population.toLocaleString("en")}` : "",
    data.timezone ? `time zone ${data.timezone}` : "",
  ].filter(Boolean);
  return {
    preview: {
      type: "Basic",
      direction: "col",
      gap: 1,
      children: [
        { type: "Title", value: data.city || entity.title, size: "sm" },
        { type: "Caption", value: facts.join(" · ") },
      ],
    },
  };
}
